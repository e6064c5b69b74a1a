"""The clinic finder (actions/clinics.py): the answer action run on trackers, with the real knowledge
base and the real sentence-transformers model. Every place, city and treatment it names must come
from knowledge/."""
from __future__ import annotations

import json

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import clinics
from actions.answer import AnswerQuestion
from actions.content import knowledge_base
from actions.replies import choose_payload
from evaluation.run import read_reply
from knowledge.loader import Contact
from tests.conftest import load_tracker_json, make_tracker

KB = knowledge_base()


def entity(label: str, value: str) -> dict:
    return {"entity": label, "value": value}


def run(tracker: Tracker):
    dispatcher = CollectingDispatcher()
    events = AnswerQuestion().run(dispatcher, tracker, domain={})
    assert len(dispatcher.messages) == 1
    return dispatcher.messages[0], events


def in_city(city: str) -> list:
    return [topic for topic in KB.topics.values() if topic.kind == "program" and city in topic.cities]


def test_a_program_in_a_city_it_is_in_gets_yes_with_both_named():
    message, events = run(Tracker.from_dict(load_tracker_json("clinic_program_and_city")))
    assert message["text"].startswith("Yes. The hospital's page lists the Infusion Center in Walnut Creek. "
                                      "It is also listed in San Francisco and Oakland.")
    assert "care team" in message["text"]
    assert "buttons" not in message or not message["buttons"]
    payload = message["custom"]
    assert payload["type"] == "clinic"
    assert payload["topic_id"] == "program_infusion_center"
    assert payload["source_section"] == "Where to get care (5)"
    assert payload["cities"] == ["Walnut Creek"]
    assert payload["programs"] == [{"topic_id": "program_infusion_center", "title": "Infusion Center",
                                    "cities": ["San Francisco", "Oakland", "Walnut Creek"]}]
    assert events == [SlotSet("last_topic", "program_infusion_center"),
                      SlotSet("shown_topics", ["program_infusion_center"])]


def test_a_program_not_in_the_city_says_where_it_is_and_what_the_city_has():
    message, _ = run(make_tracker("is the brain tumor program in walnut creek",
                                  entities=[entity("PROGRAM", "Brain Tumor Program"), entity("CITY", "Walnut Creek")],
                                  selector={"program_brain_tumor": 0.84}))
    assert message["text"].startswith("The hospital's page lists the Brain Tumor Program in San Francisco and "
                                      "Oakland. It does not list it in Walnut Creek.")
    assert not message["text"].startswith("Yes")
    here = in_city("Walnut Creek")
    assert {topic.id for topic in here} == {"program_infusion_center", "program_oncology_clinic"}
    for topic in here:
        assert f"- {topic.title}" in message["text"]
    assert "- Brain Tumor Program" not in message["text"]
    assert message["buttons"] == [{"title": topic.title, "payload": choose_payload(topic.id)} for topic in here]


@pytest.mark.parametrize("city", ["San Francisco", "Oakland", "Walnut Creek"])
def test_a_city_alone_lists_exactly_its_programs_with_a_button_each(city):
    message, events = run(make_tracker(f"which clinics are in {city.lower()}", entities=[entity("CITY", city)],
                                       selector={"care_programs_overview": 0.5}))
    listed = [line[2:] for line in message["text"].splitlines() if line.startswith("- ")]
    assert listed == [topic.title for topic in in_city(city)]
    assert [button["title"] for button in message["buttons"]] == listed
    assert message["custom"]["cities"] == [city]
    assert events[0] == SlotSet("last_topic", "care_programs_overview")


def test_a_city_synonym_is_read_as_the_city():
    assert clinics.request_from(KB, [entity("CITY", "SF"), entity("CITY", "sf")]).cities == ("San Francisco",)


def test_values_the_knowledge_base_does_not_list_are_ignored():
    request = clinics.request_from(KB, [entity("CITY", "Sacramento"), entity("PROGRAM", "Cardiology"),
                                        entity("topic_id", "program_bmt_clinic")])
    assert not request


def test_a_city_the_parent_does_not_want_is_not_the_city_searched():
    text = "do you have clinics outside of san francisco"
    start = text.index("san francisco")
    request = clinics.request_from(KB, [{"entity": "CITY", "value": "San Francisco", "start": start,
                                         "end": start + 13}], text)
    assert request.cities == ()


def test_a_city_in_a_message_about_something_else_entirely_is_not_a_clinic_search():
    message, _ = run(make_tracker("whats the weather in san francisco tomorrow",
                                  entities=[entity("CITY", "San Francisco")], selector={"how_common_neuroblastoma": 0.1}))
    assert message["custom"]["type"] == "defer"


def test_a_transplant_leads_to_the_bmt_clinic_and_mibg_therapy_to_no_invented_place():
    message, events = run(make_tracker("where do kids get MIBG therapy or a transplant?",
                                       entities=[entity("TREATMENT", "MIBG therapy"), entity("TREATMENT", "transplant")],
                                       selector={"program_bmt_clinic": 0.3}))
    text = message["text"]
    assert "The hospital's page does not say which clinic or program gives MIBG therapy." in text
    assert ("For bone marrow transplant, the hospital's page names the Blood & Marrow Transplant (BMT) Clinic. "
            "It is in San Francisco and Oakland.") in text
    # Only the BMT Clinic is named; MIBG therapy is tied to no program.
    assert [program["topic_id"] for program in message["custom"]["programs"]] == ["program_bmt_clinic"]
    for topic in KB.topics.values():
        if topic.kind == "program" and topic.id != "program_bmt_clinic":
            assert topic.title not in text
    # What the page does say about MIBG therapy is a button away.
    assert message["buttons"] == [{"title": "MIBG therapy", "payload": choose_payload("treatment_mibg_therapy")}]
    assert events[0] == SlotSet("last_topic", "program_bmt_clinic")


def test_a_treatment_asked_as_a_place_is_found_even_when_a_treatment_topic_scores_high():
    message, _ = run(make_tracker("Where do kids get MIBG therapy or a transplant?",
                                  entities=[entity("TREATMENT", "MIBG therapy"),
                                            entity("TREATMENT", "bone marrow transplant")],
                                  selector={"treatment_mibg_therapy": 0.99}))
    assert message["custom"]["type"] == "clinic"
    assert "Blood & Marrow Transplant (BMT) Clinic" in message["text"]


def test_where_to_get_a_treatment_no_program_is_named_for_gets_its_topic_when_that_is_confident():
    message, _ = run(make_tracker("where do kids get mibg therapy", entities=[entity("TREATMENT", "MIBG therapy")],
                                  selector={"treatment_mibg_therapy": 0.99}))
    assert message["custom"]["type"] == "answer"
    assert message["text"] == KB.topic("treatment_mibg_therapy").answer


def test_a_treatment_not_asked_as_a_place_is_left_to_the_question_answerer():
    message, _ = run(make_tracker("what are the side effects of mibg therapy",
                                  entities=[entity("TREATMENT", "MIBG therapy")],
                                  selector={"treatment_mibg_side_effects": 0.95}))
    assert message["custom"]["type"] == "answer"
    assert message["custom"]["topic_id"] == "treatment_mibg_side_effects"


def test_a_city_in_a_question_about_something_else_does_not_hijack_the_answer():
    message, _ = run(make_tracker("my son was diagnosed in oakland, what are the symptoms",
                                  entities=[entity("CITY", "Oakland")], selector={"symptoms_common": 0.95}))
    assert message["custom"]["type"] == "answer"
    assert message["text"] == KB.topic("symptoms_common").answer


def test_an_out_of_scope_question_naming_a_city_is_still_deferred():
    tracker = make_tracker("is there parking at the oakland clinic", intent="out_of_scope", confidence=0.99,
                           entities=[entity("CITY", "Oakland")])
    message, events = run(tracker)
    assert message["custom"]["type"] == "defer"
    assert events == []


def test_the_overview_of_places_offers_a_button_per_city_and_a_city_button_narrows_it():
    message, _ = run(make_tracker("where can we get care", selector={"care_programs_overview": 0.9}))
    assert message["text"].startswith(KB.topic("care_programs_overview").answer)
    cities = [term.value for term in KB.terms_with_label("CITY")]
    assert [button["title"] for button in message["buttons"]] == [f"Care in {city}" for city in cities]
    oakland = message["buttons"][cities.index("Oakland")]["payload"]
    assert oakland == '/ask_question{"CITY":"Oakland"}'

    # Rasa parses the button's payload into the intent and the entity; the text stays the payload.
    pressed, events = run(make_tracker(oakland, entities=[entity("CITY", "Oakland")]))
    listed = [line[2:] for line in pressed["text"].splitlines() if line.startswith("- ")]
    assert listed == [topic.title for topic in in_city("Oakland")]
    assert pressed["custom"]["type"] == "clinic"


def test_contact_settings_are_added_for_named_programs_and_left_out_when_empty(monkeypatch):
    message, _ = run(make_tracker("is there an infusion center in walnut creek",
                                  entities=[entity("PROGRAM", "Infusion Center"), entity("CITY", "Walnut Creek")]))
    assert "Phone" not in message["text"]  # contacts.yml ships empty
    monkeypatch.setitem(KB.contacts, "program_infusion_center", Contact(phone="(555) 010-0199"))
    message, _ = run(make_tracker("is there an infusion center in walnut creek",
                                  entities=[entity("PROGRAM", "Infusion Center"), entity("CITY", "Walnut Creek")]))
    assert message["text"].endswith("Infusion Center: Phone: (555) 010-0199")


def test_evaluation_counts_a_clinic_reply_as_an_answer_with_its_topic():
    message = clinics.find(KB, clinics.Request(programs=("program_infusion_center",), cities=("Walnut Creek",)))
    record = read_reply([{"text": message["text"], "custom": message["json_message"]}])
    assert (record["outcome"], record["topic_id"]) == ("answer", "program_infusion_center")


def test_city_button_payload_is_valid_json_after_the_intent():
    button = clinics.city_button(KB, "Walnut Creek")
    assert json.loads(button["payload"][len("/ask_question"):]) == {"CITY": "Walnut Creek"}


@pytest.mark.parametrize("text, expected", [
    ("where do kids get mibg therapy", True),
    ("where will she have her transplant", True),
    ("which hospital does stem cell transplants", True),
    ("who gives mibg therapy", True),
    ("where does the radiation go", False),
    ("what does a transplant do", False),
])
def test_treatment_place_wording(text, expected):
    assert clinics.asks_where_given(text) is expected


@pytest.mark.parametrize("text, expected", [
    ("where is the infusion center", True),
    ("which clinic does transplants", True),
    ("is there one near us", True),
    ("what is the closest location", True),
    ("what are the side effects", False),
    ("how is the transplant done", False),
])
def test_place_wording(text, expected):
    assert clinics.asks_where(text) is expected
