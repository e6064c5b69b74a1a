"""The emergency reply: call 911 or the care team now, before anything else."""
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
        sign = tracker.latest_message.get("emergency_sign")
        logger.warning("conversation %s: emergency escalated (sign: %s)", tracker.sender_id, sign or "classifier")
        dispatcher.utter_message(**emergency_message(knowledge_base(), sign))
        return []
