"""Semantic retrieval over the knowledge base with the MiniLM sentence encoder.

The encoder is the one the Rasa server's NLU uses (knowledge/minilm.py): the fine-tuned
all-MiniLM-L6-v2, exported to ONNX at `make train` and run with ONNX Runtime, so this server
needs no torch. Nothing is downloaded; the export is checked against its recorded sha256 and the
weights it came from before it is loaded, once per process.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Optional

import numpy as np

from knowledge import KnowledgeBase
from knowledge.minilm import Encoder

MAX_QUERY_CHARS = 2000  # the model reads 256 word pieces at most; longer input is only cost


@dataclass(frozen=True)
class Match:
    topic_id: str
    score: float


class TopicIndex:
    """Every topic's title and example questions, embedded once; a query scores each topic by
    its closest entry (cosine similarity).

    `cache` maps text to its embedding. A reload of the knowledge base passes the previous
    index's cache, so only new or changed texts are embedded again.
    """

    def __init__(self, kb: KnowledgeBase, model: Encoder, cache: Optional[Dict[str, np.ndarray]] = None) -> None:
        self._model = model
        topic_ids: List[str] = []
        texts: List[str] = []
        for topic in kb.topics.values():
            for text in (topic.title, *topic.examples):
                topic_ids.append(topic.id)
                texts.append(text)
        previous = cache or {}
        missing = sorted({text for text in texts if text not in previous})
        fresh = dict(zip(missing, self._encode(missing))) if missing else {}
        self.cache: Dict[str, np.ndarray] = {text: previous.get(text, fresh.get(text)) for text in texts}
        self.encoded_on_build = len(missing)
        self._embeddings = np.stack([self.cache[text] for text in texts])
        self._topics = sorted(set(topic_ids))
        rows: Dict[str, List[int]] = {topic: [] for topic in self._topics}
        for row, topic in enumerate(topic_ids):
            rows[topic].append(row)
        self._rows_of = {topic: np.array(indices) for topic, indices in rows.items()}
        # A message that repeats an example question or a title, whatever its case, spacing or
        # punctuation ("What are the symptoms of neuroblastoma?"), is that entry: similarity 1.
        # The embedding alone gives such a repeat 0.94 when only a question mark differs.
        self._exact: Dict[str, set] = {}
        for topic, text in zip(topic_ids, texts):
            self._exact.setdefault(normalised(text), set()).add(topic)

    def _encode(self, texts: List[str]) -> np.ndarray:
        return self._model.encode(texts, batch_size=64)

    def scores(self, query: str) -> Dict[str, float]:
        """Every topic's score for the query; empty for an empty query."""
        query = " ".join(query.split())[:MAX_QUERY_CHARS]
        if not query:
            return {}
        similarities = self._embeddings @ self._encode([query])[0]
        scores = {topic: float(similarities[rows].max()) for topic, rows in self._rows_of.items()}
        for topic in self._exact.get(normalised(query), ()):
            scores[topic] = 1.0
        return scores

    def search(self, query: str, limit: int = 3) -> List[Match]:
        return rank(self.scores(query), limit)


def normalised(text: str) -> str:
    """Lower case, words only: how two wordings of the same question are compared as text."""
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


def rank(scores: Dict[str, float], limit: int = 3) -> List[Match]:
    """The best `limit` topics, best first (ties broken by id, so results are reproducible)."""
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return [Match(topic, score) for topic, score in ordered[:limit]]
