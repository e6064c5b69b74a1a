"""The emergency reply: call 911 or the care team now, before anything else, in the language of
the emergency the patterns saw (knowledge/emergencies.yml), then in English."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.content import knowledge_base
from actions.replies import emergency_message

logger = logging.getLogger(__name__)


class EscalateEmergency(Action):
    def name(self) -> Text:
        return "action_escalate_emergency"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        kb = knowledge_base()
        sign = tracker.latest_message.get("emergency_sign")
        # The language of the patterns that saw it: the reply opens in that language.
        found = kb.emergency.detect(tracker.latest_message.get("text") or "") if kb.emergency else None
        language = found.language if found else "en"
        logger.warning("conversation %s: emergency escalated (sign: %s, language: %s)", tracker.sender_id,
                       sign or (found.sign if found else "classifier"), language)
        dispatcher.utter_message(**emergency_message(kb, sign or (found.sign if found else None), language))
        return []
