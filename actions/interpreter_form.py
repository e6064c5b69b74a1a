"""The interpreter request: a Rasa form that asks for the language, what it is for (optional), how
to reach the family, their consent to be contacted, and a last check, then files the request in a
database (actions/interpreter_requests.py) and gives a reference number.

Every answer is read here, by the form's validation action, from the message itself: a button's
title, a typed answer, or the entities the spaCy ruler found. The NLU's intent decides nothing
while a slot is asked for, because "Spanish", "yes" or a phone number are not intents. Two kinds of
message are left to the dialogue rules instead (the action returns no slot, so Rasa rejects the
form for this turn): an emergency or "stop", and a question that is not an answer ("what is mibg
therapy?"). The rules answer it, and the form asks its question again.

The request stores the minimum: the language, a purpose from a fixed list (never free text), the
contact method and value, and when consent was given. The slots are cleared once it is filed or
cancelled.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple

import phonenumbers
import yaml
from email_validator import EmailNotValidError, validate_email
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.content import knowledge_base
from knowledge import KnowledgeBase
from knowledge.loader import KNOWLEDGE_DIR, KnowledgeError
from knowledge.messages import with_contact

logger = logging.getLogger(__name__)

FORM = "interpreter_form"
SLOTS = ("interpreter_language", "interpreter_purpose", "contact_method", "contact_value",
         "contact_consent", "interpreter_confirmed")
NOT_GIVEN = "Not given"  # the optional purpose, skipped
DEFAULT_REGION = "US"  # phone numbers without a country code
# Intents the form never takes an answer from: the dialogue rules handle them first.
LEFT_TO_RULES = ("emergency", "stop")
# Actions that run inside the form's own turn; any other action after the parent's message means
# the form is coming back after answering a question, and there is no new answer to read.
_FORM_TURN = ("action_listen", "action_extract_slots", FORM, f"validate_{FORM}")

_QUESTION_START = re.compile(
    r"^\s*(what|whats|what's|how|why|when|where|which|who|whom|whose|is|are|can|could|does|do|did|"
    r"will|would|should|shall|may|tell me|explain)\b", re.IGNORECASE)
_YES = re.compile(r"^\s*(yes|y|yeah|yep|yup|sure|ok|okay|i agree|agree|agreed|of course|please do|"
                  r"go ahead|send it|yes,? send it|that's right|thats right|correct|si|sí)\b", re.IGNORECASE)
_NO = re.compile(r"^\s*(no|n|nope|nah|i don'?t agree|do not|don'?t|not ok|no thanks)\b", re.IGNORECASE)
_CHANGE = re.compile(r"\b(change|edit|fix|wrong|start over|start again|redo|correct it)\b", re.IGNORECASE)
_CANCEL = re.compile(r"^\s*(cancel|stop|never ?mind|forget it)\b", re.IGNORECASE)
_PHONE_WORDS = re.compile(r"\b(phone|call|cell|mobile|text|number|telephone)\b", re.IGNORECASE)
_EMAIL_WORDS = re.compile(r"\b(e-?mail|mail)\b", re.IGNORECASE)
_EMAIL_LIKE = re.compile(r"[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+")


# --- what the answers can be (knowledge/interpreter.yml and the LANGUAGE terms) --------------
@dataclass(frozen=True)
class Choices:
    languages: Dict[str, str]  # a lower-case name or synonym -> the name the request stores
    chinese: Tuple[str, ...]   # words that mean Chinese without saying Mandarin or Cantonese
    tdd: str
    purposes: Dict[str, str]   # a lower-case word -> the purpose the request stores
    purpose_names: Dict[str, str]  # a lower-case stored value -> itself (a button's title)
    skip_words: Tuple[str, ...]
    other_purpose: str  # what the request stores for an answer not on the list


def _words_pattern(words) -> re.Pattern:
    """Whole words or phrases, longest first, in any case ("Spanish", "ASL", "中文")."""
    alternatives = sorted({re.escape(word.lower()) for word in words if word}, key=len, reverse=True)
    return re.compile(r"(?<![\w])(" + "|".join(alternatives) + r")(?![\w])", re.IGNORECASE)


@lru_cache(maxsize=4)
def _read(path: Path, mtime: float) -> dict:
    """knowledge/interpreter.yml, read again when it changes (like the rest of knowledge/)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data.get("interpreter"), dict):
        raise KnowledgeError(f"{path.name}: expected a top-level 'interpreter' mapping")
    return data["interpreter"]


def choices(kb: KnowledgeBase, path: Path = KNOWLEDGE_DIR / "interpreter.yml") -> Choices:
    """The answers the form understands: the page's LANGUAGE terms, knowledge/interpreter.yml's
    other languages and purposes, and the PROGRAM terms (a program is a purpose too)."""
    data = _read(path, path.stat().st_mtime)
    try:
        languages: Dict[str, str] = {}
        for term in kb.terms_with_label("LANGUAGE"):
            for name in (term.value, *term.synonyms):
                languages[name.lower()] = term.value
        for name in data["more_languages"]:
            languages.setdefault(str(name).lower(), str(name))
        tdd = str(data["tdd"]["value"])
        for word in data["tdd"]["words"]:
            languages[str(word).lower()] = tdd
        purposes: Dict[str, str] = {}
        purpose_names: Dict[str, str] = {}
        for entry in data["purposes"].values():
            purpose_names[str(entry["value"]).lower()] = str(entry["value"])
            for word in entry["words"]:
                purposes[str(word).lower()] = str(entry["value"])
        for term in kb.terms_with_label("PROGRAM"):
            purpose_names[term.value.lower()] = term.value
            for name in term.synonyms:
                purposes[name.lower()] = term.value
        return Choices(languages, tuple(str(w).lower() for w in data["chinese"]["words"]), tdd,
                       purposes, purpose_names, tuple(str(w).lower() for w in data["skip_words"]),
                       str(data["purposes"]["other"]["value"]))
    except (KeyError, TypeError, AttributeError) as error:
        raise KnowledgeError(f"{path.name}: the interpreter section is incomplete ({error!r})") from error


def _first_match(words: Dict[str, str], text: str) -> Optional[str]:
    if not words:
        return None
    match = _words_pattern(words).search(text)
    return words[match.group(1).lower()] if match else None


def language_from(kb: KnowledgeBase, text: str, entities: List[Dict[str, Any]]) -> Optional[str]:
    """The language named in the message, as the request stores it; `None` when none is named."""
    found = choices(kb)
    for entity in entities:
        if entity.get("entity") == "LANGUAGE":
            name = found.languages.get(str(entity.get("value") or "").lower())
            if name:
                return name
    return _first_match(found.languages, text)


def asks_which_chinese(kb: KnowledgeBase, text: str) -> bool:
    return bool(_first_match({word: word for word in choices(kb).chinese}, text))


def purpose_from(kb: KnowledgeBase, text: str, entities: List[Dict[str, Any]]) -> Optional[str]:
    """The purpose from the fixed list; NOT_GIVEN when the parent skips; `None` otherwise."""
    found = choices(kb)
    stripped = text.strip().lower()
    if stripped in found.purpose_names:  # a button
        return found.purpose_names[stripped]
    for entity in entities:
        if entity.get("entity") == "PROGRAM":
            name = found.purpose_names.get(str(entity.get("value") or "").lower())
            if name:
                return name
    program = _first_match({name: name for name in found.purpose_names}, text)
    if program:
        return found.purpose_names[program.lower()]
    purpose = _first_match(found.purposes, text)
    if purpose:
        return purpose
    if re.sub(r"[^\w' /-]", "", stripped) in found.skip_words:
        return NOT_GIVEN
    return None


def phone_from(text: str) -> Optional[str]:
    """The first valid phone number in the message, in E.164 ("+14155550100")."""
    for match in phonenumbers.PhoneNumberMatcher(text, DEFAULT_REGION):
        if phonenumbers.is_valid_number(match.number):
            return phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
    return None


def email_from(text: str) -> Optional[str]:
    """The first valid email address in the message, normalised. Deliverability is not checked:
    the action server has no network access to check it with, and a typo'd domain is the
    parent's to correct on the summary."""
    for candidate in _EMAIL_LIKE.findall(text):
        try:
            return validate_email(candidate.strip(".!?"), check_deliverability=False).normalized
        except EmailNotValidError:
            continue
    return None


def shown_contact(method: Optional[str], value: Optional[str]) -> str:
    """A phone number as people read it ("(415) 555-0100", "+52 55 1234 5678")."""
    if method == "phone" and value:
        try:
            number = phonenumbers.parse(value, DEFAULT_REGION)
            fmt = (phonenumbers.PhoneNumberFormat.NATIONAL
                   if phonenumbers.region_code_for_number(number) == DEFAULT_REGION
                   else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
            return phonenumbers.format_number(number, fmt)
        except phonenumbers.NumberParseException:
            return value
    return value or ""


def looks_like_question(text: str) -> bool:
    return text.rstrip().endswith("?") or bool(_QUESTION_START.match(text))


def yes_or_no(text: str) -> Optional[bool]:
    if _NO.match(text):
        return False
    if _YES.match(text):
        return True
    return None


def _button(title: str, payload: Optional[str] = None) -> Dict[str, str]:
    return {"title": title, "payload": payload or title}


# --- the form's validation action ------------------------------------------------------------
def _is_return_to_form(tracker: Tracker) -> bool:
    """True when the form comes back after the rules answered the parent's message: that message
    was not an answer to the form, so it must not be read again."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action" and event.get("name") not in _FORM_TURN:
            return True
    return False


class ValidateInterpreterForm(Action):
    """Reads the answer to the slot the form asked for, and checks it.

    Returns the slots it could fill; `SlotSet(slot, None)` with a message for an answer it could
    not use (the form asks again); nothing at all for a message that is not an answer, so the
    dialogue rules take it (a question, an emergency, "stop").
    """

    def name(self) -> Text:
        return f"validate_{FORM}"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if _is_return_to_form(tracker):
            return []
        kb = knowledge_base()
        message = tracker.latest_message or {}
        text = " ".join(str(message.get("text") or "").split())[:500]
        entities = list(message.get("entities") or [])
        intent = (message.get("intent") or {}).get("name")
        requested = tracker.get_slot("requested_slot")

        if requested is None:  # the form starts: take what the request already says
            return self._on_start(kb, text, entities)
        if intent in LEFT_TO_RULES:
            return []
        if requested == "interpreter_confirmed" and _CANCEL.match(text):
            return [SlotSet("interpreter_confirmed", False)]
        reader = getattr(self, f"_read_{requested}", None)
        if reader is None:
            return []
        return reader(dispatcher, tracker, kb, text, entities)

    @staticmethod
    def _on_start(kb: KnowledgeBase, text: str, entities: List[Dict[str, Any]]) -> List[Dict[Text, Any]]:
        events: List[Dict[Text, Any]] = []
        language = language_from(kb, text, entities)
        if language:
            events.append(SlotSet("interpreter_language", language))
        program = next((e for e in entities if e.get("entity") == "PROGRAM"), None)
        if program is not None:
            purpose = purpose_from(kb, str(program.get("value") or ""), [program])
            if purpose:
                events.append(SlotSet("interpreter_purpose", purpose))
        return events

    @staticmethod
    def _unanswered(text: str, found: bool) -> bool:
        """A message that answers nothing and asks something: the rules answer it."""
        return not found and looks_like_question(text)

    def _read_interpreter_language(self, dispatcher, tracker, kb, text, entities):
        language = language_from(kb, text, entities)
        if language is None and text.strip().lower() == kb.replies["interpreter_another_language_button"].text.lower():
            language = kb.replies["interpreter_another_language"].text
        if language:
            return [SlotSet("interpreter_language", language)]
        if asks_which_chinese(kb, text):
            dispatcher.utter_message(text=kb.replies["interpreter_which_chinese"].text,
                                     buttons=[_button("Mandarin"), _button("Cantonese")])
            return [SlotSet("interpreter_language", None)]
        if self._unanswered(text, False):
            return []
        dispatcher.utter_message(text=kb.replies["interpreter_unknown_language"].text,
                                 buttons=[_button(kb.replies["interpreter_another_language_button"].text)])
        return [SlotSet("interpreter_language", None)]

    def _read_interpreter_purpose(self, dispatcher, tracker, kb, text, entities):
        purpose = purpose_from(kb, text, entities)
        if purpose:
            return [SlotSet("interpreter_purpose", purpose)]
        if self._unanswered(text, False):
            return []
        # Anything else is kept as "something else": free text could hold details the request
        # does not need.
        return [SlotSet("interpreter_purpose", choices(kb).other_purpose)]

    def _read_contact_method(self, dispatcher, tracker, kb, text, entities):
        phone, email = phone_from(text), email_from(text)
        if email:  # the parent skipped ahead and typed the address
            return [SlotSet("contact_method", "email"), SlotSet("contact_value", email)]
        if phone:
            return [SlotSet("contact_method", "phone"), SlotSet("contact_value", phone)]
        if _EMAIL_WORDS.search(text):
            return [SlotSet("contact_method", "email")]
        if _PHONE_WORDS.search(text):
            return [SlotSet("contact_method", "phone")]
        if self._unanswered(text, False):
            return []
        dispatcher.utter_message(text=kb.replies["interpreter_bad_method"].text,
                                 buttons=[_button("Phone"), _button("Email")])
        return [SlotSet("contact_method", None)]

    def _read_contact_value(self, dispatcher, tracker, kb, text, entities):
        method = tracker.get_slot("contact_method")
        phone, email = phone_from(text), email_from(text)
        if method == "email" and email:
            return [SlotSet("contact_value", email)]
        if method == "phone" and phone:
            return [SlotSet("contact_value", phone)]
        if email:  # the other kind than asked for: take it, it is what they gave
            return [SlotSet("contact_method", "email"), SlotSet("contact_value", email)]
        if phone:
            return [SlotSet("contact_method", "phone"), SlotSet("contact_value", phone)]
        if self._unanswered(text, False):
            return []
        key = "interpreter_bad_email" if method == "email" else "interpreter_bad_phone"
        dispatcher.utter_message(text=kb.replies[key].text)
        return [SlotSet("contact_value", None)]

    def _read_contact_consent(self, dispatcher, tracker, kb, text, entities):
        answer = yes_or_no(text)
        if answer is True:
            return [SlotSet("contact_consent", True)]
        if answer is False:  # no consent: nothing to confirm, the request ends without filing
            return [SlotSet("contact_consent", False), SlotSet("interpreter_confirmed", False)]
        if self._unanswered(text, False):
            return []
        dispatcher.utter_message(text=kb.replies["interpreter_yes_or_no"].text,
                                 buttons=[_button("Yes"), _button("No")])
        return [SlotSet("contact_consent", None)]

    def _read_interpreter_confirmed(self, dispatcher, tracker, kb, text, entities):
        if _CHANGE.search(text):
            dispatcher.utter_message(text=kb.replies["interpreter_start_over"].text)
            return [SlotSet(slot, None) for slot in SLOTS]
        answer = yes_or_no(text)
        if answer is not None:
            return [SlotSet("interpreter_confirmed", answer)]
        if self._unanswered(text, False):
            return []
        dispatcher.utter_message(text=kb.replies["interpreter_yes_or_no"].text)
        return [SlotSet("interpreter_confirmed", None)]


def summary_message(kb: KnowledgeBase, tracker: Tracker) -> Dict[str, Any]:
    method = tracker.get_slot("contact_method") or "phone"
    text = kb.replies["interpreter_summary"].text.format(
        language=tracker.get_slot("interpreter_language") or "",
        purpose=tracker.get_slot("interpreter_purpose") or NOT_GIVEN,
        method=method,
        value=shown_contact(method, tracker.get_slot("contact_value")))
    return {
        "text": text,
        "buttons": [_button(kb.replies["interpreter_send_button"].text),
                    _button(kb.replies["interpreter_change_button"].text),
                    _button(kb.replies["interpreter_cancel_button"].text)],
        "json_message": {"type": "interpreter_summary"},
    }


class AskInterpreterConfirmed(Action):
    """The last question: the whole request, to check before it is filed."""

    def name(self) -> Text:
        return "action_ask_interpreter_confirmed"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(**summary_message(knowledge_base(), tracker))
        return []


def _cleared() -> List[Dict[Text, Any]]:
    return [SlotSet(slot, None) for slot in SLOTS] + [SlotSet("requested_slot", None)]


class SubmitInterpreterRequest(Action):
    """Files a complete, consented and confirmed request; otherwise says why nothing was filed."""

    def name(self) -> Text:
        return "action_submit_interpreter_request"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        from actions.interpreter_requests import file_request  # SQLAlchemy loads on first use

        kb = knowledge_base()
        if tracker.get_slot("contact_consent") is not True:
            dispatcher.utter_message(text=with_contact(kb, kb.replies["interpreter_no_consent"].text, "care_team"),
                                     json_message={"type": "interpreter_request", "status": "no_consent"})
            return _cleared()
        if tracker.get_slot("interpreter_confirmed") is not True:
            dispatcher.utter_message(text=kb.replies["interpreter_cancelled"].text,
                                     json_message={"type": "interpreter_request", "status": "cancelled"})
            return _cleared()
        language = tracker.get_slot("interpreter_language")
        purpose = tracker.get_slot("interpreter_purpose")
        try:
            # A database outage keeps the request in the outbox: the family still gets its reference.
            filed = file_request(language=language,
                                 purpose=None if purpose in (None, NOT_GIVEN) else purpose,
                                 contact_method=tracker.get_slot("contact_method"),
                                 contact_value=tracker.get_slot("contact_value"),
                                 consent=True)
        except Exception as error:  # noqa: BLE001  (the family must hear that nothing was filed)
            logger.error("conversation %s: the interpreter request could not be stored or kept (%s)",
                         tracker.sender_id, type(error).__name__)
            dispatcher.utter_message(text=with_contact(kb, kb.replies["interpreter_failed"].text, "care_team"),
                                     json_message={"type": "interpreter_request", "status": "failed"})
            return _cleared()
        reference = filed.request.reference
        logger.info("conversation %s: interpreter request %s %s", tracker.sender_id, reference,
                    "kept in the outbox until the database is back" if filed.queued else "filed")
        text = kb.replies["interpreter_filed"].text.format(language=language, reference=reference)
        dispatcher.utter_message(
            text=with_contact(kb, text, "service_interpreter"),
            json_message={"type": "interpreter_request", "status": "filed", "reference": reference,
                          "queued": filed.queued, "topic_id": "service_interpreter",
                          "source_section": kb.topic("service_interpreter").section})
        return _cleared()


class CancelInterpreterRequest(Action):
    """ "stop", "never mind": ends the form without filing anything."""

    def name(self) -> Text:
        return "action_cancel_interpreter_request"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        kb = knowledge_base()
        if tracker.active_loop.get("name") == FORM:
            logger.info("conversation %s: interpreter request cancelled", tracker.sender_id)
            dispatcher.utter_message(text=kb.replies["interpreter_cancelled"].text,
                                     json_message={"type": "interpreter_request", "status": "cancelled"})
            return [ActiveLoop(None)] + _cleared()
        dispatcher.utter_message(text=kb.replies["interpreter_nothing_to_stop"].text)
        return [ActiveLoop(None)]  # no form is running; the dialogue rules expect the same event


def request_button(kb: KnowledgeBase, language: Optional[str] = None) -> Dict[str, str]:
    """A button that starts the form, with the language filled in when it is known."""
    payload = "/request_interpreter"
    if language:
        payload += '{"LANGUAGE": "%s"}' % language.replace('"', "")
    return {"title": kb.replies["interpreter_request_button"].text, "payload": payload}
