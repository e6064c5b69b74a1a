"""Emergency signs from knowledge/emergencies.yml: caught in many wordings, and ordinary
questions about symptoms are not mistaken for emergencies."""
from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.emergency import EscalateEmergency
from knowledge import KnowledgeError, load
from tests.conftest import load_tracker_json

KB = load()

MUST_ESCALATE = {
    "my son is not breathing": "not_breathing",
    "HELP he stopped breathing!!": "not_breathing",
    "she can't breathe": "not_breathing",
    "my baby’s lips are blue": "turning_blue",
    "he is turning blue what do i do": "turning_blue",
    "she won't wake up": "unresponsive",
    "my daughter is unresponsive": "unresponsive",
    "he is having a seizure right now": "seizure",
    "my kid is seizing": "seizure",
    "she has a fever of 102 and had chemo on monday": "fever_during_chemo",
    "fever after chemotherapy what should i do": "fever_during_chemo",
    "the bleeding won't stop": "heavy_bleeding",
    "he is bleeding a lot from his port": "heavy_bleeding",
    "suddenly she can't move her legs": "sudden_weakness_or_paralysis",
    "he can't feel his legs": "sudden_weakness_or_paralysis",
    "i want to end my life": "suicidal_thoughts",
    "i am having suicidal thoughts": "suicidal_thoughts",
}

MUST_NOT_ESCALATE = [
    "is difficulty breathing a symptom of neuroblastoma",
    "can neuroblastoma cause paralysis",
    "what is chemotherapy",
    "what are the side effects of mibg therapy",
    "does neuroblastoma cause fever",
    "what does stage 4s mean",
    "is there help for his sister",
    "what is a bone marrow biopsy",
]


@pytest.mark.parametrize("message,sign", sorted(MUST_ESCALATE.items()))
def test_emergency_wordings_are_caught(message, sign):
    assert KB.emergency.match(message) == sign


@pytest.mark.parametrize("message", MUST_NOT_ESCALATE)
def test_questions_about_symptoms_are_not_emergencies(message):
    assert KB.emergency.match(message) is None


def test_every_example_is_caught_by_its_own_sign():
    wrong = [(sign.id, example, KB.emergency.match(example))
             for sign in KB.emergency.signs for example in sign.examples
             if KB.emergency.match(example) != sign.id]
    assert wrong == []


def test_no_topic_example_looks_like_an_emergency():
    hits = [(topic.id, example) for topic in KB.topics.values() for example in topic.examples
            if KB.emergency.match(example)]
    assert hits == []


def test_the_required_signs_are_all_there():
    assert {sign.id for sign in KB.emergency.signs} >= {
        "not_breathing", "turning_blue", "unresponsive", "seizure", "fever_during_chemo",
        "heavy_bleeding", "sudden_weakness_or_paralysis", "suicidal_thoughts"}


def test_a_broken_pattern_names_the_file_and_the_sign(tmp_path):
    from tests.test_knowledge_loader import GOOD_TOPIC, write_topics

    write_topics(tmp_path, "topics_a.yml", GOOD_TOPIC.format(id="first", related="", last="first"))
    (tmp_path / "emergencies.yml").write_text(
        "emergency:\n  reply: Call 911.\n  signs:\n    - {id: bad, patterns: ['(unclosed'], examples: []}\n",
        encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"emergencies.yml: sign 'bad': pattern '\(unclosed' is not a valid"):
        load(tmp_path)


def test_escalation_action_says_call_911_first():
    dispatcher = CollectingDispatcher()
    tracker = Tracker.from_dict(load_tracker_json("emergency"))
    events = EscalateEmergency().run(dispatcher, tracker, domain={})
    assert events == []
    assert len(dispatcher.messages) == 1
    assert dispatcher.messages[0]["text"] == KB.emergency.reply
    assert dispatcher.messages[0]["text"].startswith("This may be an emergency. Call 911 now")
    assert dispatcher.messages[0]["custom"] == {"type": "emergency", "sign": "not_breathing"}
