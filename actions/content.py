"""The knowledge base and its retrieval index, loaded once per action-server process."""
from __future__ import annotations

from functools import lru_cache

from actions.retrieval import TopicIndex, get_model
from knowledge import KnowledgeBase, load


@lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    return load()


@lru_cache(maxsize=1)
def topic_index() -> TopicIndex:
    return TopicIndex(knowledge_base(), get_model())
