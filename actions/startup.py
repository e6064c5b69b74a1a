"""What the action server does once, when it starts (rasa-sdk imports every module of the package):

- keep message text and contact details out of every log line (knowledge/private_logs.py);
- load the knowledge base and the retrieval model, so a bad knowledge file or a wrong model file
  stops the server instead of failing a conversation (later changes to knowledge/ are picked up
  while it runs: actions/content.py);
- start delivering the interpreter requests kept in the outbox during a database outage
  (actions/interpreter_requests.py);
- keep what it loaded out of the garbage collector's full passes (gc.freeze), which otherwise paused
  a reply now and then for hundreds of milliseconds.

The staff command (`python -m actions.staff`) does not import this module.
"""
import gc

from actions.content import store
from actions.interpreter_requests import OutboxCourier
from knowledge import private_logs

private_logs.install()
store()
COURIER = OutboxCourier().start()
gc.collect()
gc.freeze()
