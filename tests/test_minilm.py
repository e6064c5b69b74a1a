"""The Rasa server's NumPy MiniLM gives the embeddings sentence-transformers gives.

The NLU's dense features (bot/minilm_featurizer.py) come from bot/minilm.Encoder. If it drifted
from the real model, the classifier would be trained on features that mean something else than
what the action server retrieves with, so it is compared with sentence-transformers itself.
"""
from __future__ import annotations

import numpy as np
import pytest

from actions.retrieval import get_model
from bot.minilm import MAX_WORD_PIECES, get_encoder

TEXTS = [
    "what is mibg",
    "My son was just diagnosed with neuroblastoma and I am so scared, what does stage 4S mean?",
    "wat r the side efects of chemo",
    "¿Qué es el neuroblastoma?",
    "神经母细胞瘤是什么",
    "<script>alert('x')</script>",
    "'; DROP TABLE users; --",
    "",
    "tell me more " * 200,  # longer than the model reads
]


@pytest.fixture(scope="module")
def both():
    return get_encoder().encode(TEXTS), get_model().encode(TEXTS, normalize_embeddings=True)


def test_numpy_encoder_matches_sentence_transformers(both):
    ours, reference = both
    assert ours.shape == reference.shape == (len(TEXTS), 384)
    cosine = (ours * reference).sum(axis=1)
    assert cosine.min() > 0.9999, dict(zip(TEXTS, cosine.round(6)))
    assert np.abs(ours - reference).max() < 1e-4


def test_embeddings_are_unit_length_and_finite(both):
    ours, _ = both
    assert np.isfinite(ours).all()
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_order_and_batching_do_not_change_an_embedding():
    encoder = get_encoder()
    alone = encoder.encode(["is neuroblastoma hereditary"])[0]
    mixed = encoder.encode(["hi", "is neuroblastoma hereditary", "a much longer question " * 20], batch_size=2)
    assert np.allclose(alone, mixed[1], atol=1e-5)


def test_long_text_is_cut_at_the_models_limit():
    pieces = get_encoder().tokenizer.encode("tell me more " * 500).ids
    assert len(pieces) == MAX_WORD_PIECES
