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


class _WordingRule(GraphComponent):
    """Sets `intent` on each message whose wording `matches`, whatever the classifier read."""
    intent: Text = QUESTION_INTENT

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "_WordingRule":
        return cls()

    @staticmethod
    def matches(text: Text) -> bool:
        raise NotImplementedError

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if self.matches(message.get(TEXT) or ""):
                read = (message.get(INTENT) or {}).get("name")
                if read != self.intent:
                    logger.debug("a message read as %s goes to %s by its wording", read, self.intent)
                set_certain_intent(message, self.intent)
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class FollowUpRules(_WordingRule):
    """"tell me more", "go on", "what else?": the question action."""
    intent = QUESTION_INTENT
    matches = staticmethod(wants_more)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class InterpreterRequestRules(_WordingRule):
    """"we need a Spanish interpreter for Monday": the interpreter request."""
    intent = REQUEST_INTENT
    matches = staticmethod(asks_to_book_interpreter)
