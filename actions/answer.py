"""Answer a parent's question from the knowledge base, or defer to the care team."""
from __future__ import annotations

import logging
import os
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.content import knowledge_base, topic_index
from actions.replies import answer_message, defer_message

logger = logging.getLogger(__name__)

# Below this cosine similarity the closest topic is not close enough to answer with.
ANSWER_THRESHOLD = float(os.environ.get("ANSWER_THRESHOLD", "0.6"))


class AnswerQuestion(Action):
    def name(self) -> Text:
        return "action_answer_question"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        kb = knowledge_base()
        matches = topic_index().search(tracker.latest_message.get("text") or "")
        if not matches or matches[0].score < ANSWER_THRESHOLD:
            logger.info("conversation %s: deferred (best score %.2f)", tracker.sender_id,
                        matches[0].score if matches else 0.0)
            dispatcher.utter_message(**defer_message(kb))
            return []
        best = matches[0]
        logger.info("conversation %s: answered %s (score %.2f)", tracker.sender_id, best.topic_id, best.score)
        dispatcher.utter_message(**answer_message(kb, kb.topic(best.topic_id)))
        return [SlotSet("last_topic", best.topic_id)]


class Defer(Action):
    def name(self) -> Text:
        return "action_defer"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        logger.info("conversation %s: deferred to the care team", tracker.sender_id)
        dispatcher.utter_message(**defer_message(knowledge_base()))
        return []
