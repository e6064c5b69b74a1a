"""Follow-ups resolved against the last topic, "tell me more", "did you mean" buttons and the
record of unanswered questions: the answer action with the real knowledge base and model."""
from __future__ import annotations

import json
import stat

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import followups
from actions.answer import AnswerQuestion
from actions.decision import Decision
from actions.content import knowledge_base
from actions.replies import choose_payload
from tests.conftest import make_tracker


def answer(tracker):
    dispatcher = CollectingDispatcher()
    events = AnswerQuestion().run(dispatcher, tracker, domain={})
    return dispatcher.messages, events


def reply_of(text, **slots):
    messages, events = answer(make_tracker(text, slots=slots))
    assert len(messages) == 1
    return messages[0]["custom"], events


@pytest.mark.parametrize("last_topic, follow_up, expected", [
    ("treatment_mibg_therapy", "what are its side effects?", "treatment_mibg_side_effects"),
    ("treatment_mibg_therapy", "how is it given?", "treatment_mibg_how_given"),
    ("treatment_regional_over_1", "and for babies?", "treatment_regional_under_1"),
    ("treatment_iort", "what are the benefits of it", "treatment_iort_benefits"),
    # short and elliptic: no pronoun, no subject of its own
    ("treatment_mibg_therapy", "are there side effects", "treatment_mibg_side_effects"),
    ("treatment_chemo_adjuvant_neoadjuvant", "what about neoadjuvant?", "treatment_chemo_adjuvant_neoadjuvant"),
    ("treatment_radiation", "how is the kind given during an operation different?", "treatment_iort"),
])
def test_follow_up_resolves_against_the_last_topic(last_topic, follow_up, expected):
    payload, events = reply_of(follow_up, last_topic=last_topic)
    assert (payload["type"], payload.get("topic_id")) == ("answer", expected)
    assert SlotSet("last_topic", expected) in events


def test_a_follow_up_that_names_a_treatment_of_its_own_is_about_that_treatment():
    """"and radiation, how does that work?" after surgery: radiation therapy, not the radiation given
    during an operation, which the conversation would lift. A name that is part of what was just read
    ("the biopsy" after the bone marrow biopsy) is still a follow-up."""
    radiation = make_tracker("and radiation, how does that work", slots={"last_topic": "treatment_surgery"},
                             entities=[{"entity": "TREATMENT", "value": "radiation therapy", "start": 4, "end": 13}],
                             selector={"treatment_radiation": 0.86})
    messages, _ = answer(radiation)
    assert (messages[0]["custom"]["type"], messages[0]["custom"].get("topic_id")) == ("answer", "treatment_radiation")
    biopsy = make_tracker("and the biopsy with the bigger needle, is that a separate thing",
                          slots={"last_topic": "bone_marrow_biopsy_aspiration"},
                          entities=[{"entity": "TEST", "value": "biopsy", "start": 8, "end": 14}])
    messages, _ = answer(biopsy)
    assert messages[0]["custom"].get("topic_id") == "bone_marrow_biopsy_aspiration"


def test_more_of_what_was_just_said_is_a_follow_up():
    """"can his big sister come along too?" after Camp Okizu: the camp, whose answer names brothers and sisters.
    Alone, the words are no clear question (the ResponseSelector is unsure of the camp)."""
    assert followups.leans_on_context("can his big sister come along too?")
    assert followups.leans_on_context("does that go for her brother as well")
    tracker = make_tracker("can his big sister come along too", slots={"last_topic": "service_camp_okizu"},
                           selector={"service_camp_okizu": 0.16, "how_neuroblastoma_spreads": 0.08})
    messages, events = answer(tracker)
    assert messages[0]["custom"]["type"] == "answer", messages[0]["custom"]
    assert messages[0]["custom"]["topic_id"] == "service_camp_okizu"
    assert "brothers and sisters" in messages[0]["text"]


def test_an_ambiguous_follow_up_offers_the_last_topics_relative_first():
    payload, _ = reply_of("how is it treated?", last_topic="stage_4s")
    first = payload.get("topic_id") or payload["options"][0]["topic_id"]
    assert first == "treatment_stage_4s"


def test_the_other_scan_is_about_the_other_scans_not_the_one_just_read():
    payload, _ = reply_of("what about the other scan?", last_topic="imaging_mibg_scan")
    offered = [option["topic_id"] for option in payload.get("options") or []] or [payload.get("topic_id")]
    assert payload["type"] in ("answer", "clarify")
    assert set(offered) <= {"imaging_pet_scan", "imaging_overview", "imaging_ct_scan", "imaging_mri",
                            "imaging_ultrasound", "imaging_xray"}


def test_a_follow_up_did_you_mean_that_offers_the_topic_just_read_answers_it():
    clarify = Decision("clarify", "close", options=("imaging_mibg_scan", "treatment_mibg_therapy"), confidence=0.7)
    settled = followups.settle(clarify, "imaging_mibg_scan", ["imaging_pet_scan", "imaging_mibg_scan"], another=False)
    assert (settled.outcome, settled.topic_id) == ("answer", "imaging_mibg_scan")
    other = followups.settle(clarify, "imaging_pet_scan", ["imaging_pet_scan"], another=False)
    assert other == clarify
    # the topic just read a close second: the message is more about the other one
    assert followups.settle(clarify, "treatment_mibg_therapy", ["treatment_mibg_therapy"], another=False) == clarify


def test_asking_for_another_one_leaves_out_what_was_shown():
    clarify = Decision("clarify", "close", options=("symptoms_other", "symptoms_common"), confidence=0.7)
    settled = followups.settle(clarify, "symptoms_less_common", ["symptoms_common", "symptoms_less_common"],
                               another=True)
    assert (settled.outcome, settled.topic_id) == ("answer", "symptoms_other")
    three = Decision("clarify", "close", options=("imaging_ct_scan", "imaging_mri", "imaging_mibg_scan"))
    assert followups.settle(three, "imaging_pet_scan", ["imaging_mibg_scan"], another=True).options == (
        "imaging_ct_scan", "imaging_mri")
    assert followups.settle(three, "imaging_pet_scan", [], another=True) == three


def test_what_else_after_two_kinds_of_symptoms_is_the_third():
    payload, _ = reply_of("anything else that shows up?", last_topic="symptoms_less_common",
                          shown_topics=["symptoms_common", "symptoms_less_common"])
    assert (payload["type"], payload.get("topic_id")) == ("answer", "symptoms_other")


def test_a_follow_up_that_names_its_subject_is_read_as_it_is():
    tracker = make_tracker("what about mibg therapy?", slots={"last_topic": "symptoms_common"},
                           selector={"treatment_mibg_therapy": 0.9, "treatment_mibg_how_given": 0.05})
    messages, _ = answer(tracker)
    assert messages[0]["custom"].get("topic_id") == "treatment_mibg_therapy"


def test_a_follow_up_the_nlu_finds_out_of_scope_is_deferred():
    tracker = make_tracker("what causes it?", intent="out_of_scope", confidence=0.8,
                           ranking=[{"name": "out_of_scope", "confidence": 0.8}],
                           slots={"last_topic": "what_is_neuroblastoma"})
    messages, _ = answer(tracker)
    assert messages[0]["custom"]["type"] == "defer"


def test_a_follow_up_that_points_back_is_read_with_the_conversation_despite_the_nlus_doubt():
    # The NLU learned `out_of_scope` from messages that stand alone; read after the topic just
    # answered, this one is clearly about its neighbour.
    tracker = make_tracker("and how is that treated for a two year old", intent="out_of_scope", confidence=0.99,
                           ranking=[{"name": "out_of_scope", "confidence": 0.99}],
                           slots={"last_topic": "stage_regional"})
    messages, _ = answer(tracker)
    assert (messages[0]["custom"]["type"], messages[0]["custom"].get("topic_id")) == (
        "answer", "treatment_regional_over_1")
    # one of a kind the page does not answer stays deferred, whatever the conversation
    tracker = make_tracker("does that hurt?", intent="out_of_scope", confidence=0.99,
                           ranking=[{"name": "out_of_scope", "confidence": 0.99}],
                           slots={"last_topic": "bone_marrow_biopsy_aspiration"})
    messages, _ = answer(tracker)
    assert messages[0]["custom"]["type"] == "defer"


def test_tell_me_more_moves_on_to_related_topics_without_repeating():
    kb = knowledge_base()
    related = kb.topic("treatment_mibg_therapy").related
    payload, events = reply_of("tell me more", last_topic="treatment_mibg_therapy",
                               shown_topics=["treatment_mibg_therapy"])
    assert payload["topic_id"] == related[0]
    shown = ["treatment_mibg_therapy", *related]
    payload, events = reply_of("tell me more please", last_topic="treatment_mibg_therapy", shown_topics=shown)
    assert (payload["type"], payload["reason"]) == ("defer", "no_more")
    assert events == []


def test_tell_me_more_with_nothing_said_yet_is_not_answered_with_a_guess():
    payload, _ = reply_of("tell me more")
    assert payload["type"] in ("defer", "clarify")


def test_close_topics_get_did_you_mean_buttons_that_answer_when_pressed():
    kb = knowledge_base()
    messages, _ = answer(make_tracker("mibg"))
    payload = messages[0]["custom"]
    if payload["type"] != "clarify":
        pytest.fail(f"'mibg' alone should ask whether the scan or the therapy is meant, got {payload}")
    buttons = messages[0]["buttons"]
    assert 2 <= len(buttons) <= 3
    assert [button["title"] for button in buttons] == [kb.topic(o["topic_id"]).title for o in payload["options"]]
    chosen = payload["options"][1]["topic_id"]
    assert buttons[1]["payload"] == choose_payload(chosen)
    pressed = make_tracker(buttons[1]["payload"], entities=[{"entity": "topic_id", "value": chosen}])
    messages, events = answer(pressed)
    assert messages[0]["custom"]["topic_id"] == chosen
    assert messages[0]["text"] == kb.topic(chosen).answer


def test_a_button_for_a_topic_that_no_longer_exists_is_deferred():
    messages, _ = answer(make_tracker("/ask_question", entities=[{"entity": "topic_id", "value": "gone"}]))
    assert messages[0]["custom"]["type"] == "defer"


def test_deferred_question_is_recorded_scrubbed(unanswered_log):
    text = "My name is Maria, my son Leo needs a dose of tylenol, call 415-555-0134 or maria@example.org"
    messages, _ = answer(make_tracker(text, intent="out_of_scope", confidence=0.95,
                                      ranking=[{"name": "out_of_scope", "confidence": 0.95}]))
    assert messages[0]["custom"]["type"] == "defer"
    lines = unanswered_log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["reason"] == "out_of_scope"
    assert entry["text"] == "My name is [name], my son [name] needs a dose of tylenol, call [number] or [email]"
    assert set(entry) == {"time", "reason", "text", "closest"}
    assert stat.S_IMODE(unanswered_log.stat().st_mode) == 0o600


def test_answered_questions_are_not_recorded(unanswered_log):
    answer(make_tracker("what are the symptoms of neuroblastoma"))
    assert not unanswered_log.exists()


def test_a_message_typed_after_did_you_mean_leans_on_the_topics_offered():
    offered = {"event": "bot", "text": "Did you mean one of these?", "data": {"custom": {
        "type": "clarify", "options": [{"topic_id": "symptoms_common", "title": "t"},
                                       {"topic_id": "symptoms_less_common", "title": "t"}]}}}
    events = [{"event": "user", "text": "usual symptoms?"}, offered, {"event": "user", "text": "any rarer ones?"}]
    assert followups.offered_before(events) == ["symptoms_common", "symptoms_less_common"]
    # an answer came in between: the offer is no longer the context
    later = events + [{"event": "bot", "data": {"custom": {"type": "answer", "topic_id": "symptoms_less_common"}}},
                      {"event": "user", "text": "and what else?"}]
    assert followups.offered_before(later) == []


def test_a_message_typed_after_did_you_mean_is_read_after_every_topic_offered():
    """"whats the treatment for that kind" after surgery, localized unresectable and resectable were
    offered: a treatment of one of the kinds offered, not surgery's nor the general one, which the
    first option alone would give."""
    offered = {"event": "bot", "text": "Did you mean one of these?", "data": {"custom": {
        "type": "clarify", "options": [{"topic_id": topic, "title": "t"} for topic in (
            "treatment_surgery", "stage_localized_unresectable", "stage_localized_resectable")]}}}
    before = [{"event": "user", "text": "what does it mean when the surgeon cannot take the whole tumor out"}, offered]
    messages, _ = answer(make_tracker("whats the treatment for that kind", confidence=1.0, before=before))
    payload = messages[0]["custom"]
    offered_now = [payload.get("topic_id")] if payload["type"] == "answer" else \
        [option["topic_id"] for option in payload.get("options") or []]
    assert payload["type"] in ("answer", "clarify") and offered_now, payload
    assert set(offered_now) <= {"treatment_localized_unresectable", "treatment_localized_resectable"}, payload
