"""Shared fixtures. Tests run in the action-server environment (Python 3.11); the Rasa CLI and
server run from the Rasa environment as subprocesses, exactly as `make run` starts them."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.servers import MODEL, RASA_BIN, Servers, base_env  # noqa: E402,F401  (needs ROOT on sys.path)

TRACKERS = Path(__file__).resolve().parent / "trackers"


def load_tracker_json(name: str) -> dict:
    return json.loads((TRACKERS / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def servers(tmp_path_factory) -> Iterator[Servers]:
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make test`, which trains it first")
    with Servers(tmp_path_factory.mktemp("servers")) as running:
        yield running


@pytest.fixture(scope="session")
def web(servers) -> Servers:
    """The same servers plus the demo page with the chat widget; Rasa's CORS allows its origin only."""
    if "web" not in servers.processes:
        servers.start_web()
    return servers


@pytest.fixture(autouse=True)
def unanswered_log(tmp_path, monkeypatch) -> Path:
    """Actions run in tests record unanswered questions in a temporary file, never in var/ (and keep
    interpreter requests the database refused in a temporary outbox)."""
    path = tmp_path / "unanswered.jsonl"
    monkeypatch.setenv("UNANSWERED_LOG", str(path))
    monkeypatch.setenv("INTERPRETER_OUTBOX", str(tmp_path / "interpreter_outbox.db"))
    return path


def make_tracker(text: str, intent: str = "ask_question", confidence: float = 0.9, slots: dict = None,
                 entities: list = None, ranking: list = None, selector: dict = None,
                 before: list = None) -> "Tracker":
    """A tracker whose latest message is `text`, parsed as given, with the given slots.
    `selector` maps topic ids to the ResponseSelector's confidence, as Rasa would report it;
    `before`: the conversation's events before the message."""
    from rasa_sdk import Tracker

    parse = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": entities or [],
             "intent_ranking": ranking or [{"name": intent, "confidence": confidence}]}
    if selector:
        parse["response_selector"] = {"ask_question": {"ranking": [
            {"intent_response_key": f"ask_question/{topic}", "confidence": value} for topic, value in selector.items()]}}
    return Tracker("test-conversation", {"last_topic": None, "shown_topics": None, **(slots or {})}, parse,
                   [*(before or []),
                    {"event": "user", "timestamp": 1700000000.0, "text": text, "parse_data": parse}],
                   False, None, {}, "action_listen")
