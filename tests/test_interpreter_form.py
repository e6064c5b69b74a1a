"""Action unit tests for the interpreter request form, talking to a person, messages in other
languages and trials by situation: trackers as Rasa sends them (JSON), run with a
CollectingDispatcher against the real knowledge base and a real SQLite database."""
from __future__ import annotations

import json
import sqlite3
from typing import List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import AnswerQuestion
from actions.content import knowledge_base
from actions.interpreter_requests import Outbox
from actions.interpreter_form import (NOT_GIVEN, SLOTS, AskInterpreterConfirmed, CancelInterpreterRequest,
                                      SubmitInterpreterRequest, ValidateInterpreterForm)
from actions.person import OtherLanguage, TalkToPerson
from knowledge.loader import Contact

EMPTY_SLOTS = {slot: None for slot in SLOTS}


def tracker_json(text: str, requested: Optional[str], intent: str = "inform", entities: list = None,
                 slots: dict = None, active: bool = True, after_user: List[str] = (), extra: dict = None) -> dict:
    """The tracker JSON the Rasa server sends with a form's validation call: the parent's message,
    then any actions that ran after it."""
    parse = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or [],
             "intent_ranking": [{"name": intent, "confidence": 0.9}], **(extra or {})}
    events = [{"event": "user", "timestamp": 1.0, "text": text, "parse_data": parse}]
    events += [{"event": "action", "timestamp": 2.0, "name": name} for name in after_user]
    return {"sender_id": "form-test", "slots": {"last_topic": None, "shown_topics": None, **EMPTY_SLOTS,
                                                "requested_slot": requested, **(slots or {})},
            "latest_message": parse, "events": events, "paused": False, "followup_action": None,
            "active_loop": {"name": "interpreter_form"} if active else {},
            "latest_action_name": after_user[-1] if after_user else "action_listen"}


def run(action, state: dict):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, Tracker.from_dict(state), domain={})
    return dispatcher.messages, events


def slots_set(events) -> dict:
    return {event["name"]: event["value"] for event in events if event.get("event") == "slot"}


def validate(text: str, requested: Optional[str], **kwargs):
    return run(ValidateInterpreterForm(), tracker_json(text, requested, **kwargs))


# --- the language ---------------------------------------------------------------------------
def test_a_language_the_page_names_is_taken_from_the_ruler_entity():
    messages, events = validate("Spanish", "interpreter_language",
                                entities=[{"entity": "LANGUAGE", "value": "Spanish", "start": 0, "end": 7}])
    assert slots_set(events) == {"interpreter_language": "Spanish"}
    assert messages == []


@pytest.mark.parametrize("text, language", [
    ("we speak vietnamese", "Vietnamese"),
    ("Hmong please", "Hmong"),
    ("español", "Spanish"),
    ("sign language", "American Sign Language"),
    ("my husband is deaf, he uses a TTY", "TDD (text telephone)"),
    ("do you have tagalog interpreters?", "Tagalog"),  # a question that answers the form
])
def test_other_languages_and_tdd_are_accepted_by_name(text, language):
    _, events = validate(text, "interpreter_language")
    assert slots_set(events) == {"interpreter_language": language}


def test_chinese_alone_asks_mandarin_or_cantonese():
    messages, events = validate("chinese", "interpreter_language")
    assert slots_set(events) == {"interpreter_language": None}
    assert "Mandarin or Cantonese" in messages[0]["text"]
    assert [button["title"] for button in messages[0]["buttons"]] == ["Mandarin", "Cantonese"]


def test_an_unknown_language_is_asked_again_with_another_language_offered():
    messages, events = validate("klingon", "interpreter_language")
    assert slots_set(events) == {"interpreter_language": None}
    assert "didn't recognize that language" in messages[0]["text"]
    assert messages[0]["buttons"][0]["title"] == "Another language"
    _, events = validate("Another language", "interpreter_language")
    assert slots_set(events)["interpreter_language"].startswith("Another language")


@pytest.mark.parametrize("text, intent", [
    ("what is mibg therapy?", "ask_question"),
    ("how long does the transplant take", "ask_question"),
    ("never mind", "stop"),
    ("he stopped breathing", "emergency"),
])
def test_a_question_stop_or_emergency_is_left_to_the_dialogue_rules(text, intent):
    messages, events = validate(text, "interpreter_language", intent=intent)
    assert events == [] and messages == []


def test_the_form_coming_back_after_an_answer_does_not_read_the_question_again():
    _, events = validate("what is mibg therapy?", "interpreter_language", intent="ask_question",
                         after_user=["action_answer_question"])
    assert events == []


def test_starting_with_a_language_and_a_program_fills_both():
    _, events = validate('/request_interpreter{"LANGUAGE": "Russian"}', None, intent="request_interpreter",
                         entities=[{"entity": "LANGUAGE", "value": "Russian"},
                                   {"entity": "PROGRAM", "value": "Oncology Clinic"}])
    assert slots_set(events) == {"interpreter_language": "Russian", "interpreter_purpose": "Oncology Clinic"}


def test_starting_without_details_fills_nothing():
    _, events = validate("i want to request an interpreter", None, intent="request_interpreter")
    assert events == []


# --- the purpose (optional, from a fixed list) ----------------------------------------------
@pytest.mark.parametrize("text, purpose", [
    ("Skip", NOT_GIVEN),
    ("not sure", NOT_GIVEN),
    ("An appointment", "An appointment"),
    ("his scan next week", "An appointment"),
    ("she is admitted on the ward", "A hospital stay"),
    ("the onc clinic", "Oncology Clinic"),
    ("Blood & Marrow Transplant (BMT) Clinic", "Blood & Marrow Transplant (BMT) Clinic"),
    ("my sister maria will come with us", "Something else"),  # free text is never stored
])
def test_the_purpose_is_one_of_a_fixed_list(text, purpose):
    _, events = validate(text, "interpreter_purpose")
    assert slots_set(events) == {"interpreter_purpose": purpose}


# --- the contact ----------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("Phone", {"contact_method": "phone"}),
    ("by email please", {"contact_method": "email"}),
    ("call me at 415 555 0100", {"contact_method": "phone", "contact_value": "+14155550100"}),
    ("maria@example.org", {"contact_method": "email", "contact_value": "maria@example.org"}),
])
def test_the_contact_method(text, expected):
    _, events = validate(text, "contact_method")
    assert slots_set(events) == expected


def test_an_unclear_contact_method_is_asked_again():
    messages, events = validate("carrier pigeon", "contact_method")
    assert slots_set(events) == {"contact_method": None}
    assert [button["title"] for button in messages[0]["buttons"]] == ["Phone", "Email"]


@pytest.mark.parametrize("text, stored", [
    ("(415) 555-0199", "+14155550199"),
    ("my cell is 510.555.0123", "+15105550123"),
    ("+52 55 1234 5678", "+525512345678"),
])
def test_a_valid_phone_number_is_stored_in_international_form(text, stored):
    messages, events = validate(text, "contact_value", slots={"contact_method": "phone"})
    assert slots_set(events) == {"contact_value": stored}
    assert messages == []


@pytest.mark.parametrize("text", ["12345", "555-1234", "call me maybe"])
def test_an_invalid_phone_number_is_asked_again(text):
    messages, events = validate(text, "contact_value", slots={"contact_method": "phone"})
    assert slots_set(events) == {"contact_value": None}
    assert "area code" in messages[0]["text"]


def test_an_invalid_email_is_asked_again():
    messages, events = validate("maria at example", "contact_value", slots={"contact_method": "email"})
    assert slots_set(events) == {"contact_value": None}
    assert "email address" in messages[0]["text"]


def test_a_valid_email_is_normalised():
    _, events = validate("Maria@Example.ORG", "contact_value", slots={"contact_method": "email"})
    assert slots_set(events) == {"contact_value": "Maria@example.org"}


def test_a_phone_number_given_when_an_email_was_asked_for_is_taken_as_a_phone():
    _, events = validate("just call 415 555 0100", "contact_value", slots={"contact_method": "email"})
    assert slots_set(events) == {"contact_method": "phone", "contact_value": "+14155550100"}


def test_a_question_instead_of_the_number_is_left_to_the_rules():
    _, events = validate("why do you need my number?", "contact_value", intent="out_of_scope",
                         slots={"contact_method": "phone"})
    assert events == []


# --- consent and the last check -------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("Yes", {"contact_consent": True}),
    ("yes i agree", {"contact_consent": True}),
    ("No", {"contact_consent": False, "interpreter_confirmed": False}),
    ("no, i don't agree", {"contact_consent": False, "interpreter_confirmed": False}),
])
def test_consent(text, expected):
    _, events = validate(text, "contact_consent")
    assert slots_set(events) == expected


def test_an_unclear_consent_is_asked_again():
    messages, events = validate("maybe later", "contact_consent")
    assert slots_set(events) == {"contact_consent": None}
    assert messages[0]["text"] == "Please answer yes or no."


FILLED = {"interpreter_language": "Spanish", "interpreter_purpose": "An appointment", "contact_method": "phone",
          "contact_value": "+14155550100", "contact_consent": True}


def test_the_summary_shows_the_whole_request_with_send_change_and_cancel():
    messages, _ = run(AskInterpreterConfirmed(), tracker_json("Yes", "interpreter_confirmed", slots=FILLED))
    text = messages[0]["text"]
    assert "Language: Spanish" in text and "For: An appointment" in text
    assert "Contact by phone: (415) 555-0100" in text
    assert [b["title"] for b in messages[0]["buttons"]] == ["Yes, send it", "Change something", "Cancel"]


@pytest.mark.parametrize("text, confirmed", [("Yes, send it", True), ("Cancel", False), ("no", False)])
def test_the_last_check(text, confirmed):
    _, events = validate(text, "interpreter_confirmed", slots=FILLED)
    assert slots_set(events) == {"interpreter_confirmed": confirmed}


def test_change_something_starts_the_form_again():
    messages, events = validate("Change something", "interpreter_confirmed", slots=FILLED)
    assert slots_set(events) == EMPTY_SLOTS
    assert "start again" in messages[0]["text"]


# --- filing ---------------------------------------------------------------------------------
@pytest.fixture
def database(tmp_path, monkeypatch):
    path = tmp_path / "requests.db"
    monkeypatch.setenv("INTERPRETER_DB_URL", f"sqlite:///{path}")
    return path


def stored_rows(path) -> list:
    if not path.exists():
        return []
    with sqlite3.connect(path) as connection:
        return connection.execute("select reference, language, purpose, contact_method, contact_value "
                                  "from interpreter_requests").fetchall()


def test_a_confirmed_request_is_filed_with_a_reference_number(database):
    messages, events = run(SubmitInterpreterRequest(),
                           tracker_json("Yes, send it", None, slots={**FILLED, "interpreter_confirmed": True}))
    rows = stored_rows(database)
    assert len(rows) == 1
    reference, language, purpose, method, value = rows[0]
    assert (language, purpose, method, value) == ("Spanish", "An appointment", "phone", "+14155550100")
    assert f"Your reference number is {reference}" in messages[0]["text"]
    assert messages[0]["custom"] == {"type": "interpreter_request", "status": "filed", "reference": reference,
                                     "queued": False, "topic_id": "service_interpreter",
                                     "source_section": "Support services"}
    assert all(value is None for value in slots_set(events).values())  # the tracker keeps nothing


def test_a_skipped_purpose_is_stored_as_empty(database):
    run(SubmitInterpreterRequest(), tracker_json("Yes", None, slots={
        **FILLED, "interpreter_purpose": NOT_GIVEN, "interpreter_confirmed": True}))
    assert stored_rows(database)[0][2] is None


def test_without_consent_nothing_is_filed(database):
    messages, events = run(SubmitInterpreterRequest(), tracker_json("No", None, slots={
        **FILLED, "contact_consent": False, "interpreter_confirmed": False}))
    assert stored_rows(database) == []
    assert "Without your agreement" in messages[0]["text"]
    assert messages[0]["custom"]["status"] == "no_consent"


def test_a_cancelled_request_is_not_filed(database):
    messages, _ = run(SubmitInterpreterRequest(), tracker_json("Cancel", None, slots={
        **FILLED, "interpreter_confirmed": False}))
    assert stored_rows(database) == []
    assert "Nothing was saved" in messages[0]["text"]


def test_a_database_outage_keeps_the_request_in_the_outbox_and_the_family_gets_its_reference(
        tmp_path, monkeypatch, caplog):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the database's directory should be")
    monkeypatch.setenv("INTERPRETER_DB_URL", f"sqlite:///{blocked}/requests.db")
    messages, events = run(SubmitInterpreterRequest(),
                           tracker_json("Yes", None, slots={**FILLED, "interpreter_confirmed": True}))
    waiting = Outbox().waiting()
    assert [(r.language, r.purpose, r.contact_method, r.contact_value) for r in waiting] == [
        ("Spanish", "An appointment", "phone", "+14155550100")]
    assert f"Your reference number is {waiting[0].reference}" in messages[0]["text"]
    assert messages[0]["custom"]["status"] == "filed" and messages[0]["custom"]["queued"] is True
    assert "+14155550100" not in caplog.text
    assert all(value is None for value in slots_set(events).values())


def test_when_neither_the_database_nor_the_outbox_can_keep_it_the_family_is_told(tmp_path, monkeypatch, caplog):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the database's directory should be")
    monkeypatch.setenv("INTERPRETER_DB_URL", f"sqlite:///{blocked}/requests.db")
    monkeypatch.setenv("INTERPRETER_OUTBOX", str(blocked / "outbox.db"))
    messages, events = run(SubmitInterpreterRequest(),
                           tracker_json("Yes", None, slots={**FILLED, "interpreter_confirmed": True}))
    assert "couldn't file your request" in messages[0]["text"]
    assert messages[0]["custom"]["status"] == "failed"
    assert "+14155550100" not in caplog.text
    assert all(value is None for value in slots_set(events).values())


def test_stop_in_the_form_cancels_it_and_clears_the_slots():
    messages, events = run(CancelInterpreterRequest(), tracker_json("never mind", "contact_value", intent="stop",
                                                                     slots=FILLED))
    assert ActiveLoop(None) in events
    assert all(value is None for value in slots_set(events).values())
    assert "Nothing was saved" in messages[0]["text"]


def test_stop_outside_the_form_says_so_gently():
    messages, events = run(CancelInterpreterRequest(), tracker_json("stop", None, intent="stop", active=False))
    assert slots_set(events) == {}
    assert messages[0]["text"] == "All right. What else can I help you with?"


# --- answers that lead to the form, people and other languages ------------------------------
def chosen(topic_id: str, entities: list = ()) -> dict:
    return tracker_json(f'/ask_question{{"topic_id": "{topic_id}"}}', None, intent="ask_question", active=False,
                        entities=[{"entity": "topic_id", "value": topic_id}, *entities])


def test_the_interpreter_answer_offers_the_request_with_the_language_asked_about():
    messages, _ = run(AnswerQuestion(), chosen("interpreter_languages", [{"entity": "LANGUAGE", "value": "Spanish"}]))
    assert messages[0]["buttons"] == [{"title": "Request an interpreter",
                                       "payload": '/request_interpreter{"LANGUAGE": "Spanish"}'}]


def test_the_trials_answer_offers_each_trial_by_situation():
    messages, _ = run(AnswerQuestion(), chosen("trials_overview"))
    titles = [button["title"] for button in messages[0]["buttons"]]
    assert {"Newly diagnosed, high-risk", "Relapsed or refractory", "Maintenance therapy"} <= set(titles)
    payloads = [json.loads(button["payload"][len("/ask_question"):])["topic_id"] for button in messages[0]["buttons"]]
    assert "trial_dfmo_etoposide" in payloads and "trial_naxitamab_newly_diagnosed" in payloads


def test_talking_to_a_person_never_pretends_a_person_is_here():
    messages, _ = run(TalkToPerson(), tracker_json("can i talk to a real person", None, intent="talk_to_person",
                                                   active=False))
    text = messages[0]["text"]
    assert "no person in this chat" in text
    assert "Social workers" in text and "Chaplains" in text and "911" in text
    assert "Phone:" not in text  # contacts.yml ships empty
    assert messages[0]["buttons"][-1]["payload"] == "/request_interpreter"


def test_talking_to_a_person_gives_the_contacts_a_deployment_filled_in(monkeypatch):
    kb = knowledge_base()
    monkeypatch.setitem(kb.contacts, "care_team", Contact(phone="(555) 010-0000", url="", hours=""))
    messages, _ = run(TalkToPerson(), tracker_json("human please", None, intent="talk_to_person", active=False))
    assert "Your child's care team can answer questions about your child.\nPhone: (555) 010-0000" in messages[0]["text"]


def test_a_message_in_spanish_gets_the_spanish_sentences_and_a_prefilled_request():
    messages, _ = run(OtherLanguage(), tracker_json("¿Tienen intérpretes?", None, intent="other_language",
                                                    active=False, extra={"message_language": "es"}))
    message = messages[0]
    assert "intérprete" in message["text"] and "911" in message["text"]
    assert message["buttons"][0]["payload"] == '/request_interpreter{"LANGUAGE": "Spanish"}'
    assert message["buttons"][1]["payload"] == "/greet"
    assert message["custom"]["language"] == "es"


def test_a_message_in_chinese_gets_the_chinese_sentences():
    messages, _ = run(OtherLanguage(), tracker_json("你们有翻译吗", None, intent="other_language",
                                                    active=False, extra={"message_language": "zh-Hans"}))
    assert "911" in messages[0]["text"]
    assert any("\u4e00" <= char <= "\u9fff" for char in messages[0]["text"])
    assert messages[0]["buttons"][0]["payload"] == '/request_interpreter{"LANGUAGE": "Mandarin"}'
