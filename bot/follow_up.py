"""NLU components that send "tell me more" and its kin to the question action, and a request to
book an interpreter ("we need a Spanish interpreter for Monday") to the interpreter request form.

"tell me more", "go on" or "what else?" are not questions about a topic, so the classifier has
nothing to learn them from and may read them as anything (one trained model read "tell me more"
as goodbye). The action server answers them from the last topic (actions/followups.py); this
component makes sure they reach it. The phrasing lives in knowledge/phrasing.py, shared by both.
A request for an interpreter reads like a question about the service, which the classifier learns
from many examples; the wording of a request (knowledge/phrasing.py) decides it. Emergencies still
come first: bot.emergency.EmergencyRules runs after these components.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.emergency import set_certain_intent
from knowledge.phrasing import asks_to_book_interpreter, wants_more

logger = logging.getLogger(__name__)

QUESTION_INTENT = "ask_question"
REQUEST_INTENT = "request_interpreter"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class FollowUpRules(GraphComponent):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "FollowUpRules":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if wants_more(message.get(TEXT) or ""):
                if (message.get(INTENT) or {}).get("name") != QUESTION_INTENT:
                    logger.debug("a request for more, read as %s, goes to the question action",
                                 (message.get(INTENT) or {}).get("name"))
                set_certain_intent(message, QUESTION_INTENT)
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class InterpreterRequestRules(GraphComponent):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "InterpreterRequestRules":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if asks_to_book_interpreter(message.get(TEXT) or ""):
                set_certain_intent(message, REQUEST_INTENT)
        return messages
