"""The knowledge base and its retrieval index, kept in step with knowledge/ while the server runs.

Both are built once at start-up. Afterwards, at most every KNOWLEDGE_RELOAD_SECONDS (default 2),
the first request that comes in checks whether any knowledge file changed (name, size or
modification time). If one did, the knowledge base is loaded and validated again and the index is
rebuilt, embedding only the texts that are new. Rasa does not need retraining for this: its NLU
only decides that a message is a question; which topic answers it is decided here.

A change that does not validate, or a file that cannot be read, is refused: the error (file, entry, problem) is logged and the
server keeps answering from the last good version, so a typo in a YAML file never takes the bot down.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Optional, Tuple

from actions.retrieval import TopicIndex
from knowledge import KnowledgeBase, load
from knowledge.loader import (RELOAD_ERRORS, contacts_file_setting, describe_reload_error, fingerprint,
                              knowledge_directory)
from knowledge.minilm import get_encoder

logger = logging.getLogger(__name__)


class KnowledgeStore:
    """The current knowledge base and index; `current()` reloads them when knowledge/ changed."""

    def __init__(self, directory: Path, contacts_file: Optional[Path], check_every: float) -> None:
        self._directory = directory
        self._contacts_file = contacts_file
        self._check_every = check_every
        self._lock = threading.Lock()
        self._fingerprint = fingerprint(directory, contacts_file)
        self._kb = load(directory, contacts_file)
        self._index = TopicIndex(self._kb, get_encoder())
        self._checked_at = time.monotonic()
        self.version = 1
        logger.info("knowledge base loaded: %d topics, %d texts embedded",
                    len(self._kb.topics), self._index.encoded_on_build)

    def current(self) -> Tuple[KnowledgeBase, TopicIndex]:
        if time.monotonic() - self._checked_at >= self._check_every:
            self.reload_if_changed()
        return self._kb, self._index

    def reload_if_changed(self) -> bool:
        """Reload when a knowledge file changed. True when a new version is now being served."""
        with self._lock:
            self._checked_at = time.monotonic()
            seen = fingerprint(self._directory, self._contacts_file)
            if seen == self._fingerprint:
                return False
            self._fingerprint = seen
            try:
                kb = load(self._directory, self._contacts_file)
                index = TopicIndex(kb, get_encoder(), cache=self._index.cache)
            except RELOAD_ERRORS as error:
                logger.error("knowledge change refused, still serving version %d: %s", self.version,
                             describe_reload_error(error))
                return False
            self._kb, self._index = kb, index
            self.version += 1
            logger.info("knowledge base reloaded (version %d): %d topics, %d new texts embedded",
                        self.version, len(kb.topics), index.encoded_on_build)
            return True


_store: Optional[KnowledgeStore] = None
_store_lock = threading.Lock()


def store() -> KnowledgeStore:
    global _store
    with _store_lock:
        if _store is None:
            _store = KnowledgeStore(knowledge_directory(), contacts_file_setting(),
                                    float(os.environ.get("KNOWLEDGE_RELOAD_SECONDS", "2")))
        return _store


def knowledge_base() -> KnowledgeBase:
    return store().current()[0]


def topic_index() -> TopicIndex:
    return store().current()[1]
