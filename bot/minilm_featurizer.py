"""A dense featurizer for Rasa: each message's all-MiniLM-L6-v2 sentence embedding.

The word and character counts tell DIET which words a message uses; they cannot tell it that
"take care" is a goodbye or that "what medicine helps with chemo nausea" asks for a dose while
"how does chemotherapy work" asks what the hospital page explains. The sentence embedding
carries that meaning. It is added as a sentence-level feature of the message text, next to the
count vectors' own sentence features, for the intent classifier (config.yml keeps it from the
response selector, which reads the words only).

The model is the one the action server uses, in ONNX Runtime (knowledge/minilm.py): the Rasa
server has no torch. The export is checked before use.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import rasa_speedups  # noqa: F401  (Rasa's action-reply check, done once: see the module)
from knowledge.minilm import get_encoder

MAX_CHARS = 4000  # the model reads 256 word pieces; longer text only costs tokenizing time


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class MiniLMFeaturizer(DenseFeaturizer, GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config(), "batch_size": 64}

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if int(config.get("batch_size", 1)) < 1:
            raise ValueError("MiniLMFeaturizer: batch_size must be at least 1")

    @staticmethod
    def required_packages() -> List[Text]:
        return ["tokenizers", "onnxruntime"]

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        self._encoder = get_encoder()

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "MiniLMFeaturizer":
        return cls(config, execution_context.node_name)

    def process(self, messages: List[Message]) -> List[Message]:
        with_text = [m for m in messages if isinstance(m.get(TEXT), str)]
        if not with_text:
            return messages
        vectors = self._encoder.encode([m.get(TEXT)[:MAX_CHARS] for m in with_text],
                                       batch_size=int(self._config["batch_size"]))
        for message, vector in zip(with_text, vectors):
            self.add_features_to_message(None, vector[None, :], TEXT, message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data
