"""Talking to a person, and messages in other languages.

There is never a person in this chat, and the bot never pretends there is: it says how to reach
the care team and the hospital's people (social workers, chaplains, interpreters), with the
contact settings a deployment filled in. A message in another language gets a few fixed sentences
in that language from knowledge/languages.yml (never machine translation), offering an interpreter.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.content import knowledge_base
from actions.interpreter_form import request_button
from actions.replies import CARE_TEAM_LINK_TITLE, choose_payload, contact_links, with_links
from knowledge import KnowledgeBase
from knowledge.language import load_languages

logger = logging.getLogger(__name__)

# Who a parent can talk to, in order: the reply's paragraph, and the topic with the contact
# settings and the button for more.
PEOPLE = (
    ("person_care_team", "care_team", None),
    ("person_social_services", "service_social_services", "service_social_services"),
    ("person_spiritual_care", "service_spiritual_care", "service_spiritual_care"),
)


def person_message(kb: KnowledgeBase) -> Dict[str, Any]:
    paragraphs = [kb.replies["person_intro"].text]
    buttons = []
    for reply, contact, topic_id in PEOPLE:
        lines = kb.contact(contact).lines()
        paragraphs.append(kb.replies[reply].text + ("\n" + "\n".join(lines) if lines else ""))
        if topic_id:
            buttons.append({"title": kb.topic(topic_id).title, "payload": choose_payload(topic_id)})
    paragraphs.append(kb.replies["person_interpreter"].text)
    paragraphs.append(kb.replies["person_emergency"].text)
    buttons.append(request_button(kb))
    links = contact_links(kb, [(contact, kb.topic(topic_id).title if topic_id else CARE_TEAM_LINK_TITLE)
                               for _, contact, topic_id in PEOPLE])
    return with_links({"text": "\n\n".join(paragraphs), "buttons": buttons,
                       "json_message": {"type": "talk_to_person", "topic_id": "service_social_services",
                                        "source_section": kb.topic("service_social_services").section}}, links)


class TalkToPerson(Action):
    def name(self) -> Text:
        return "action_talk_to_person"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        logger.info("conversation %s: asked for a person", tracker.sender_id)
        dispatcher.utter_message(**person_message(knowledge_base()))
        return []


class OtherLanguage(Action):
    """The reply in the language the NLU recognised (bot/language.py puts its code in the parse)."""

    def name(self) -> Text:
        return "action_other_language"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        kb = knowledge_base()
        code = str((tracker.latest_message or {}).get("message_language") or "")
        language = load_languages().get(code)
        if language is None:  # cannot happen with the NLU's codes; say it in English rather than guess
            logger.warning("conversation %s: no reply for language code %r", tracker.sender_id, code)
            dispatcher.utter_message(text=kb.replies["person_interpreter"].text, buttons=[request_button(kb)],
                                     json_message={"type": "other_language", "language": None})
            return []
        logger.info("conversation %s: message in %s", tracker.sender_id, language.name)
        request = request_button(kb, language.interpreter_language)
        request["title"] = language.button_request
        dispatcher.utter_message(
            text=language.reply,
            buttons=[request, {"title": language.button_english, "payload": "/greet"}],
            json_message={"type": "other_language", "language": code, "name": language.name,
                          "reviewed": language.reviewed, "topic_id": "service_interpreter",
                          "source_section": kb.topic("service_interpreter").section})
        return []
