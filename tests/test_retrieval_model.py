"""The retrieval model: official weights only, loaded once per process."""
from __future__ import annotations

import shutil

import pytest

from actions.retrieval import get_model
from knowledge.minilm_weights import MODEL_SHA256, ModelIntegrityError, model_dir, verify_weights


def test_installed_weights_are_the_official_ones():
    verify_weights(model_dir(), MODEL_SHA256)


def test_tampered_weights_are_refused(tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(model_dir(), copy)
    with (copy / "model.safetensors").open("r+b") as weights:
        weights.seek(4096)
        byte = weights.read(1)
        weights.seek(4096)
        weights.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ModelIntegrityError, match="refusing to load it"):
        verify_weights(copy)


def test_missing_weights_are_refused(tmp_path):
    with pytest.raises(ModelIntegrityError, match="not found"):
        verify_weights(tmp_path)


def test_model_is_loaded_once_per_process():
    assert get_model() is get_model()
    assert get_model.cache_info().currsize == 1


def test_a_repeated_example_question_scores_one_whatever_its_case_and_punctuation():
    from actions.content import topic_index

    scores = topic_index().scores("  What are the SYMPTOMS of neuroblastoma?! ")
    assert scores["symptoms_common"] == 1.0
    assert max(score for topic, score in scores.items() if topic != "symptoms_common") < 0.99
    assert topic_index().scores("what are the symptoms of neuroblastoma in babies")["symptoms_common"] < 0.99
