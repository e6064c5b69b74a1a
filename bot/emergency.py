"""An NLU component that puts emergencies first, whatever the classifier thinks.

The signs and their patterns live in knowledge/emergencies.yml. A message that matches one gets
the `emergency` intent with full confidence, so the dialogue rule for emergencies fires before
any answer, follow-up or fallback. The classifier also learns the intent from the signs'
examples; these rules are the safety net for wordings it has not seen.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot import rasa_speedups  # noqa: F401  (Rasa's action-reply check, done once: see the module)
from knowledge import load
from knowledge.loader import Emergency

logger = logging.getLogger(__name__)

EMERGENCY_INTENT = "emergency"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class EmergencyRules(GraphComponent):
    def __init__(self, emergency: Emergency) -> None:
        self._emergency = emergency

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "EmergencyRules":
        emergency = load().emergency
        if emergency is None:
            raise ValueError("knowledge/emergencies.yml is missing: emergencies cannot be caught")
        return cls(emergency)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            sign = self._emergency.match(message.get(TEXT) or "")
            if sign:
                self._mark(message, sign)
        return messages

    @staticmethod
    def _mark(message: Message, sign: Optional[str]) -> None:
        logger.debug("emergency sign '%s' matched", sign)
        set_certain_intent(message, EMERGENCY_INTENT)
        message.set("emergency_sign", sign, add_to_output=True)


def set_certain_intent(message: Message, name: str) -> None:
    """Give the message the intent `name` with full confidence. The other intents stay in the
    ranking for the record, with no confidence left: otherwise the FallbackClassifier would see two
    confident intents and call the message ambiguous."""
    intent = {"name": name, "confidence": 1.0}
    ranking = [intent] + [{**item, "confidence": 0.0} for item in message.get(INTENT_RANKING_KEY) or []
                          if item.get("name") != name]
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
