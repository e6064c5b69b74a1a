"""Start every conversation with the "educational purposes only" disclaimer."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.content import knowledge_base
from actions.replies import disclaimer_message


class StartSession(Action):
    def name(self) -> Text:
        return "action_session_start"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(**disclaimer_message(knowledge_base()))
        events: List[Dict[Text, Any]] = [SessionStarted()]
        # Carry the last topic over so follow-ups keep working after a session expires.
        events += [SlotSet(name, value) for name, value in tracker.current_slot_values().items()
                   if value is not None]
        events.append(ActionExecuted("action_listen"))
        return events
