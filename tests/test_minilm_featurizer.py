"""The NLU's MiniLM featurizer (bot/minilm_featurizer.py), run in the Rasa environment where Rasa
runs it: each message with text gets exactly one sentence feature, its all-MiniLM-L6-v2 embedding;
a message without text gets none; nothing else in the message changes."""
from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

from knowledge.minilm import get_encoder
from tests.conftest import RASA_BIN, ROOT, base_env

TEXTS = ["what is mibg therapy", "hola", "", "<b>not html</b>", "x" * 20000]

SCRIPT = """
import json, sys
from rasa.engine.graph import ExecutionContext
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from bot.minilm_featurizer import MiniLMFeaturizer

texts = json.loads(sys.argv[1])
config = {**MiniLMFeaturizer.get_default_config(), "batch_size": 2}
featurizer = MiniLMFeaturizer.create(config, None, None, ExecutionContext(None, node_name="minilm"))

def describe(message):
    sequence, sentence = message.get_dense_features(TEXT)
    return {"text": message.get(TEXT), "sequence": sequence is not None,
            "sentence": sentence.features.tolist() if sentence is not None else None,
            "origins": [feature.origin for feature in message.features if feature.attribute == TEXT]}

messages = [Message(data={TEXT: text}) for text in texts] + [Message(data={"intent": "greet"})]
featurizer.process(messages)
training = TrainingData([Message(data={TEXT: texts[0], "intent": "ask_question"})])
featurizer.process_training_data(training)
print(json.dumps({"messages": [describe(m) for m in messages],
                  "training": describe(training.training_examples[0])}))
"""


@pytest.fixture(scope="module")
def featurized() -> dict:
    result = subprocess.run([str(RASA_BIN / "python"), "-c", SCRIPT, json.dumps(TEXTS)], cwd=ROOT,
                            env=base_env(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_each_message_gets_its_embedding_as_one_sentence_feature(featurized):
    expected = get_encoder().encode([text[:4000] for text in TEXTS])
    for described, vector in zip(featurized["messages"], expected):
        sentence = np.array(described["sentence"])
        assert sentence.shape == (1, 384), described["text"][:40]
        assert np.allclose(sentence[0], vector, atol=1e-5), described["text"][:40]
        assert described["origins"] == ["minilm"]
        assert not described["sequence"]  # the words' own features come from the count featurizers


def test_a_message_without_text_gets_no_features(featurized):
    assert featurized["messages"][-1]["sentence"] is None


def test_training_examples_get_the_same_features_as_messages(featurized):
    # The same up to float rounding: the message was embedded in a padded batch of two.
    training = np.array(featurized["training"]["sentence"])
    served = np.array(featurized["messages"][0]["sentence"])
    assert training.shape == served.shape == (1, 384)
    assert np.abs(training - served).max() < 1e-6
