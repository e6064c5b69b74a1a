"""How the Rasa server treats a failing action server, changed where Rasa 3.6 has no setting for it.
The REST channel (bot/channel.py) applies this at start-up and marks each turn with `turn()`.

- **A wait of seconds, not minutes.** Rasa waits 5 minutes for each action call
  (DEFAULT_REQUEST_TIMEOUT, read by RemoteAction.run on every call), and endpoints.yml cannot change
  it. A stopped or overloaded action server would hold a family's turn, and the lock on their
  conversation, that long. Here each call gives up after ACTION_TIMEOUT_SECONDS.
- **One failure per turn.** After a failed call, Rasa goes on predicting actions, and a new
  conversation whose session start failed predicted the fallback action ten times in a row, each
  one another call to the dead server (10 times the timeout when it is slow). Once a call has
  failed in a turn, the turn's other calls fail at once, and the channel sends the fixed reply.
- **A session that starts anyway.** When the action server cannot start a conversation (our
  action_session_start sends the disclaimer), Rasa's own session start runs instead, so the
  conversation is well formed and goes on normally once the action server is back. The channel
  then sends the disclaimer itself.

A form's validation refusing an answer (HTTP 400, ActionExecutionRejection) is not a failure.
Only Rasa 3.6.21 is patched, the version this was read from (rasa/core/actions/action.py); with
another version Rasa is left as it is, and a warning says so.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Iterator, List, Optional

logger = logging.getLogger(__name__)
PATCHED_RASA_VERSION = "3.6.21"
SESSION_START = "action_session_start"

# The names of the actions that failed in the current turn; None outside a channel's turn.
_failed: ContextVar[Optional[List[str]]] = ContextVar("failed_actions", default=None)


@contextmanager
def turn() -> Iterator[List[str]]:
    """Mark one message's turn (and the tasks it starts); yields the names of the actions that failed."""
    failed: List[str] = []
    token = _failed.set(failed)
    try:
        yield failed
    finally:
        _failed.reset(token)


class ActionServerFailed(Exception):
    """An earlier call in this turn failed, so this one was not made."""


def _guarded(original: Any) -> Any:
    async def run(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> Any:
        from rasa.core.actions.action import ActionExecutionRejection, ActionSessionStart

        failed = _failed.get()
        try:
            if failed:
                raise ActionServerFailed(f"not calling '{self.name()}': '{failed[0]}' failed in this turn")
            return await original(self, output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise
        except Exception as error:
            if failed is not None:
                failed.append(self.name())
            if self.name() == SESSION_START:
                logger.error("the action server could not start the conversation (%s); Rasa's own session "
                             "start is used", type(error).__name__)
                return await ActionSessionStart().run(output_channel, nlg, tracker, domain)
            raise

    run.guarded = True  # type: ignore[attr-defined]
    return run


def apply(action_timeout_seconds: float) -> bool:
    """Put the timeout and the per-turn guard in place. True when they are."""
    import rasa
    import rasa.core.actions.action as remote_actions

    if action_timeout_seconds <= 0:
        raise ValueError("ACTION_TIMEOUT_SECONDS must be more than 0")
    if rasa.__version__ != PATCHED_RASA_VERSION or not hasattr(remote_actions, "DEFAULT_REQUEST_TIMEOUT"):
        logger.warning("Rasa %s is not %s: the action server timeout and guard are left as Rasa has them",
                       rasa.__version__, PATCHED_RASA_VERSION)
        return False
    remote_actions.DEFAULT_REQUEST_TIMEOUT = action_timeout_seconds
    if not getattr(remote_actions.RemoteAction.run, "guarded", False):
        remote_actions.RemoteAction.run = _guarded(remote_actions.RemoteAction.run)
    return True
