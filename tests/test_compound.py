"""Messages that ask several questions at once: cut into questions, each decided, one answer each."""
from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import AnswerQuestion
from actions.compound import split_questions
from actions.decision import (Candidate, Decision, Signals, Thresholds, decide_message, decide_part,
                              several_answers)
from tests.conftest import make_tracker

T = Thresholds()


@pytest.mark.parametrize("text, questions", [
    ("what is mibg therapy and what are the side effects",
     ["what is mibg therapy", "what are the side effects"]),
    ("where is the bmt clinic and what even is a bone marrow transplant",
     ["where is the bmt clinic", "what even is a bone marrow transplant"]),
    ("what is neuroblastoma? is it cancer?", ["what is neuroblastoma?", "is it cancer?"]),
    ("we speak cantonese, is there an interpreter and who sets up the visits",
     ["is there an interpreter", "who sets up the visits"]),
    ("what does recurrent mean and what can be done, and are there trials",
     ["what does recurrent mean", "what can be done", "are there trials"]),
])
def test_a_message_is_cut_into_its_questions(text, questions):
    assert split_questions(text) == questions


@pytest.mark.parametrize("text", [
    "what is neuroblastoma",
    "can it start in the neck or chest or only in the tummy",
    "we speak cantonese and are coming from hong kong, is there an interpreter",  # one question
    "is there a chaplain and also somewhere to shower",  # one question with two objects
    "my son has stage 4. he is so tired.",  # no question at all
])
def test_one_question_is_not_cut(text):
    assert split_questions(text) == []


def test_never_more_than_three_questions():
    assert len(split_questions("what is a ct scan? what is an mri? what is a pet scan? what is mibg?")) == 3


def clear(topic_id, score=0.9):
    return Signals((Candidate(topic_id, score, score), Candidate("runner_up", 0.3, 0.3)))


def test_several_answers_need_two_different_confident_topics():
    whole = Decision("clarify", "close")
    answer = lambda topic: Decision("answer", "confident", topic)  # noqa: E731
    unsure = Decision("clarify", "unsure")
    assert several_answers(whole, [answer("a"), answer("b")]) == ("a", "b")
    assert several_answers(whole, [answer("a"), answer("a")]) == ()
    assert several_answers(whole, [answer("a"), unsure]) == ()
    assert several_answers(Decision("defer", "out_of_scope"), [answer("a"), answer("b")]) == ()


def test_a_question_that_is_unclear_alone_is_read_after_the_one_before():
    unclear = Signals((Candidate("x", 0.5, 0.5), Candidate("y", 0.5, 0.5)))
    assert decide_part(unclear, None, T).outcome == "clarify"
    assert decide_part(unclear, clear("y"), T).topic_id == "y"
    assert decide_part(clear("x"), clear("y"), T).topic_id == "x"  # clear alone: no context needed


def test_the_parts_go_with_the_signals_so_the_decision_can_be_replayed():
    signals = Signals(clear("a").candidates, parts=((clear("a"), None), (clear("c", 0.5), clear("b"))))
    replayed = Signals.from_dict(signals.as_dict())
    assert replayed == signals
    assert decide_message(replayed, T)[1] == ("a", "b")


def ask(text, selector):
    dispatcher = CollectingDispatcher()
    events = AnswerQuestion().run(dispatcher, make_tracker(text, selector=selector), domain={})
    return [message["custom"] for message in dispatcher.messages], events


@pytest.mark.parametrize("text, topics", [
    ("what is mibg therapy and what are the side effects",
     ["treatment_mibg_therapy", "treatment_mibg_side_effects"]),
    ("what is a ct scan and what is an mri, he has both next week", ["imaging_ct_scan", "imaging_mri"]),
])
def test_each_question_gets_its_own_answer_in_the_order_asked(text, topics):
    # The ResponseSelector spreads its confidence over the topics of the whole message, as it does.
    payloads, events = ask(text, selector={topics[0]: 0.5, topics[1]: 0.45})
    assert [(payload["type"], payload["topic_id"]) for payload in payloads] == [("answer", t) for t in topics]
    assert all(payload["of_several"] == len(topics) for payload in payloads)
    assert "parts" in payloads[0]["signals"]
    assert SlotSet("last_topic", topics[-1]) in events


def test_a_message_the_nlu_finds_out_of_scope_is_deferred_whole(monkeypatch):
    monkeypatch.setenv("OVERRIDE_THRESHOLD", "1.01")  # the NLU's doubt is not overruled here
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("what is mibg therapy and what is a ct scan", intent="out_of_scope", confidence=0.9)
    AnswerQuestion().run(dispatcher, tracker, domain={})
    assert [message["custom"]["type"] for message in dispatcher.messages] == ["defer"]
