"""Rasa's check of the action server's replies, made once per schema (bot/rasa_speedups.py), still
accepts what Rasa accepts and refuses what it refuses, with Rasa's message. Runs in Rasa's env."""
from __future__ import annotations

import subprocess

from tests.conftest import RASA_BIN, ROOT, base_env

SCRIPT = r'''
import jsonschema
import bot.emergency  # what the Rasa server imports with the model
from bot import rasa_speedups
from rasa.core.actions.action import RemoteAction

assert RemoteAction._validate_action_result is rasa_speedups._validate_action_result
action = RemoteAction("action_answer_question", None)
good = {"events": [{"event": "slot", "name": "last_topic", "value": "treatment_iort"}],
        "responses": [{"text": "IORT is radiation given during surgery.", "buttons": [], "custom": {"type": "answer"}}]}
cases = [good, {"events": []}, {"events": "not a list"}, {"responses": [{"text": 3}], "events": []},
         {"events": [{"no": "event"}]}, {"events": [{"event": "slot"}]}, {"events": [{"event": 5}]}]
refused = 0
for case in cases:
    try:
        rasa_ok = jsonschema.validate(case, RemoteAction.action_response_format_spec()) is None
    except jsonschema.ValidationError:
        rasa_ok = False
    try:
        ours_ok = action._validate_action_result(case)
    except jsonschema.ValidationError as error:
        assert "Failed to validate Action server response from API" in error.message, error.message
        ours_ok = False
    assert ours_ok == rasa_ok, case
    refused += not ours_ok
assert refused >= 2, refused
print("ok")
'''


def test_the_action_reply_check_accepts_and_refuses_what_rasa_does():
    result = subprocess.run([str(RASA_BIN / "python"), "-c", SCRIPT], cwd=ROOT, env=base_env(),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
