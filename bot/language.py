"""An NLU component that recognises a message written in another language than English.

The bot answers in English only, from the hospital's English page. A parent who writes in
Spanish, Chinese, Russian and so on gets a few fixed, reviewed sentences in that language from
knowledge/languages.yml, offering an interpreter (the `other_language` intent and
action_other_language). knowledge/language.py decides the language, gated so that short English
with medical words ("what is mibg") is never taken for another language.

It runs after the classifiers and before the emergency rules, which stay last: an emergency sign
the rules know always comes first.
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

from bot.emergency import EMERGENCY_INTENT, set_certain_intent
from knowledge.language import detect

logger = logging.getLogger(__name__)

OTHER_LANGUAGE_INTENT = "other_language"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class LanguageRules(GraphComponent):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "LanguageRules":
        detect("warm up")  # builds the language models once, at start-up, not on a parent's message
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):  # a button's payload, not something typed
                continue
            if (message.get(INTENT) or {}).get("name") == EMERGENCY_INTENT:
                continue  # the classifier saw an emergency ("mi hija está convulsionando"): it stays one
            code = detect(text)
            if code:
                logger.debug("message language: %s", code)
                set_certain_intent(message, OTHER_LANGUAGE_INTENT)
                message.set("message_language", code, add_to_output=True)
        return messages
