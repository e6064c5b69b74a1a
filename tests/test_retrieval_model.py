"""The retrieval model: the official weights, or the fine-tuned ones with the hash their training
recorded, and nothing else; loaded once per process. The fine-tuned encoder was trained from the
official weights, seeded, and knows the topics better than the official one."""
from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from actions.finetune_encoder import SEED, batches, training_triplets
from evaluation.questions import load_questions
from knowledge import load
from knowledge.minilm import get_encoder
from knowledge.minilm_weights import (FINETUNED_DIR, HASH_FILE, MODEL_SHA256, ModelIntegrityError, model_dir,
                                      stock_model_dir, verify_weights)

KB = load()


def test_installed_weights_are_the_official_ones():
    verify_weights(stock_model_dir(), MODEL_SHA256)


def test_both_servers_use_the_fine_tuned_encoder_built_from_the_official_weights():
    assert model_dir() == FINETUNED_DIR
    verify_weights(FINETUNED_DIR)  # the hash its training recorded
    training = json.loads((FINETUNED_DIR / "training.json").read_text(encoding="utf-8"))
    assert training["base_sha256"] == MODEL_SHA256 and training["seed"] == SEED
    assert training["sha256"] == (FINETUNED_DIR / HASH_FILE).read_text(encoding="ascii").strip() != MODEL_SHA256
    assert training["seconds"] < 600  # the bar: at most 10 minutes on 2 cores
    assert model_dir({"MINILM_ENCODER": "stock"}) == stock_model_dir()
    with pytest.raises(ModelIntegrityError, match="must be 'finetuned' or 'stock'"):
        model_dir({"MINILM_ENCODER": "bigger"})


def test_training_batches_never_hold_two_questions_of_one_topic_and_are_seeded():
    confusable = {topic_id: list(topic.related) or [t for t in KB.topics if t != topic_id][:1]
                  for topic_id, topic in KB.topics.items()}
    first = training_triplets(KB, confusable, ["what is the weather"], random.Random(1))
    assert first == training_triplets(KB, confusable, ["what is the weather"], random.Random(1))
    assert len(first) == sum(1 + len(topic.examples) for topic in KB.topics.values())
    for batch in batches(first, 32, random.Random(1)):
        assert len({item[0] for item in batch}) == len(batch) <= 32


def test_the_fine_tuned_encoder_finds_the_right_topic_of_dev_questions_more_often_than_the_stock_one():
    from sentence_transformers import SentenceTransformer

    questions = [q for q in load_questions(Path(__file__).parent / "dev_set.yml", KB) if q.category == "answer"]

    def right(encode) -> int:
        ids, texts = [], []
        for topic in KB.topics.values():
            for text in (topic.title, *topic.examples):
                ids.append(topic.id)
                texts.append(text)
        examples = encode(texts)
        asked = encode([q.text for q in questions])
        nearest = (asked @ examples.T).argmax(axis=1)
        return int(np.sum([ids[row] in question.expect for row, question in zip(nearest, questions)]))

    stock = SentenceTransformer(str(stock_model_dir()), device="cpu")
    assert right(get_encoder().encode) > right(lambda texts: stock.encode(texts, normalize_embeddings=True))


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
    assert get_encoder() is get_encoder()
    assert get_encoder.cache_info().currsize == 1


def test_a_repeated_example_question_scores_one_whatever_its_case_and_punctuation():
    from actions.content import topic_index

    scores = topic_index().scores("  What are the SYMPTOMS of neuroblastoma?! ")
    assert scores["symptoms_common"] == 1.0
    assert max(score for topic, score in scores.items() if topic != "symptoms_common") < 0.99
    assert topic_index().scores("what are the symptoms of neuroblastoma in babies")["symptoms_common"] < 0.99
