"""Action unit tests: trackers built from saved JSON, run with a CollectingDispatcher, with the
real knowledge base and the real sentence-transformers model."""
from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import AnswerQuestion, Defer
from actions.content import knowledge_base
from actions.decision import Thresholds
from actions.session import StartSession
from knowledge import load
from tests.conftest import load_tracker_json


def run(action, tracker_name: str):
    dispatcher = CollectingDispatcher()
    tracker = Tracker.from_dict(load_tracker_json(tracker_name))
    events = action.run(dispatcher, tracker, domain={})
    return dispatcher.messages, events


def test_symptoms_question_is_answered_from_knowledge():
    kb = knowledge_base()
    messages, events = run(AnswerQuestion(), "symptoms_question")
    assert len(messages) == 1
    assert messages[0]["text"] == kb.topic("symptoms_common").answer
    payload = messages[0]["custom"]
    assert {key: payload[key] for key in ("type", "topic_id", "title", "source_section")} == {
        "type": "answer",
        "topic_id": "symptoms_common",
        "title": kb.topic("symptoms_common").title,
        "source_section": "Symptoms of neuroblastoma",
    }
    assert payload["confidence"] >= Thresholds().answer
    assert payload["signals"]["candidates"][0][0] == "symptoms_common"
    assert events == [SlotSet("last_topic", "symptoms_common"), SlotSet("shown_topics", ["symptoms_common"])]


def test_lay_words_find_the_mibg_scan():
    messages, events = run(AnswerQuestion(), "lay_words_question")
    assert messages[0]["custom"]["topic_id"] == "imaging_mibg_scan"
    assert events[0] == SlotSet("last_topic", "imaging_mibg_scan")


@pytest.mark.parametrize("tracker_name", ["unrelated_question", "empty_message"])
def test_question_the_knowledge_base_cannot_answer_is_deferred(tracker_name, unanswered_log):
    kb = knowledge_base()
    messages, events = run(AnswerQuestion(), tracker_name)
    assert [message["text"] for message in messages] == [kb.replies["defer"].text]
    assert messages[0]["custom"]["type"] == "defer"
    assert events == []


def test_defer_points_to_the_care_team_and_leaves_out_empty_contacts():
    messages, events = run(Defer(), "out_of_scope")
    assert len(messages) == 1
    assert "care team" in messages[0]["text"]
    assert "Phone:" not in messages[0]["text"]  # contacts.yml ships empty
    assert events == []


def test_defer_adds_contact_details_a_deployment_filled_in(monkeypatch):
    from knowledge.loader import Contact

    kb = knowledge_base()
    monkeypatch.setitem(kb.contacts, "care_team", Contact(phone="(555) 010-0000", url="", hours="24 hours"))
    messages, _ = run(Defer(), "out_of_scope")
    assert messages[0]["text"].endswith("Phone: (555) 010-0000\nHours: 24 hours")
    assert "Website" not in messages[0]["text"]


def test_session_start_sends_the_disclaimer_and_keeps_the_last_topic():
    kb = knowledge_base()
    messages, events = run(StartSession(), "returning_parent")
    assert [message["text"] for message in messages] == [kb.replies["disclaimer"].text]
    assert "educational purposes only" in messages[0]["text"]
    assert events == [SessionStarted(), SlotSet("last_topic", "imaging_mibg_scan"), ActionExecuted("action_listen")]


def test_contact_websites_become_links_for_the_widget_and_empty_ones_are_left_out(tmp_path):
    from actions.person import person_message
    from actions.replies import answer_message, defer_message, emergency_message

    contacts = tmp_path / "contacts.yml"
    contacts.write_text("contacts:\n  care_team: {url: 'https://care.example.org/'}\n"
                        "  program_oncology_clinic: {url: 'https://clinic.example.org/oncology'}\n", encoding="utf-8")
    kb = load(contacts_file=contacts)
    clinic = kb.topic("program_oncology_clinic")
    assert answer_message(kb, clinic)["json_message"]["links"] == [
        {"title": clinic.title, "url": "https://clinic.example.org/oncology"}]
    care_team = [{"title": "Your child's care team", "url": "https://care.example.org/"}]
    assert defer_message(kb)["json_message"]["links"] == care_team
    assert emergency_message(kb, "breathing")["json_message"]["links"] == care_team
    assert person_message(kb)["json_message"]["links"] == care_team
    assert "links" not in answer_message(kb, kb.topic("what_is_neuroblastoma"))["json_message"]
    assert "links" not in defer_message(load())["json_message"]
