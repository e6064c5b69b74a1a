"""The list of questions the bot could not answer, for the content team to review.

One JSON line per deferred question in UNANSWERED_LOG (default var/unanswered.jsonl): the time
(to the minute), the reason, the closest topics with their two scores (retrieval, selector) and the message text scrubbed
of emails, phone numbers and names (actions/privacy.py). No conversation id and no other
personal data are kept, so the list cannot be tied back to a family. The file is created
readable by its owner only.
"""
from __future__ import annotations

import json
import logging
import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Optional, Set

from actions.decision import Decision, Signals
from actions.privacy import knowledge_words, scrub
from knowledge import KnowledgeBase

logger = logging.getLogger(__name__)

DEFAULT_LOG = Path(__file__).resolve().parent.parent / "var" / "unanswered.jsonl"
MAX_TEXT = 1000  # characters kept of a very long message

_lock = threading.Lock()
_vocabulary_of: dict = {}


def log_path() -> Path:
    return Path(os.environ.get("UNANSWERED_LOG") or DEFAULT_LOG)


def vocabulary(kb: KnowledgeBase) -> Set[str]:
    """Words the knowledge base uses; cached per knowledge-base object (a reload makes a new one)."""
    key = id(kb)
    if key not in _vocabulary_of:
        _vocabulary_of.clear()
        texts: Iterable[str] = [part for topic in kb.topics.values()
                                for part in (topic.title, topic.answer, *topic.examples)]
        texts = list(texts) + [name for term in kb.terms for name in (term.value, *term.synonyms)]
        _vocabulary_of[key] = knowledge_words(texts)
    return _vocabulary_of[key]


def record(kb: KnowledgeBase, text: str, decision: Decision, signals: Optional[Signals]) -> None:
    entry = {
        "time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%MZ"),
        "reason": decision.reason,
        "text": scrub(" ".join(text.split())[:MAX_TEXT], vocabulary(kb)),
        "closest": [[c.topic_id, round(c.retrieval, 3), round(c.selector, 3)] for c in (signals.candidates[:3] if signals else ())],
    }
    path = log_path()
    try:
        with _lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
    except OSError as error:
        # The parent still gets the deferral; the review list losing a line must not break the chat.
        logger.error("could not record an unanswered question in %s: %s", path, error)
