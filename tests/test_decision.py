"""The answer / clarify / defer decision, on hand-made signals."""
from __future__ import annotations

import pytest

from actions.decision import Candidate, Signals, Thresholds, decide, out_of_scope_confidence, selector_ranking

T = Thresholds()


def signals(*scores, out_of_scope=0.0):
    """Candidates whose two topic scores agree, so the combined score is `score` whatever the weight."""
    return Signals(tuple(Candidate(f"topic_{i}", score, score) for i, score in enumerate(scores)), out_of_scope)


def test_a_clear_best_topic_is_answered():
    decision = decide(signals(T.answer + 0.1, T.answer + 0.1 - T.margin - 0.01), T)
    assert (decision.outcome, decision.topic_id) == ("answer", "topic_0")


def test_two_close_topics_get_did_you_mean_buttons_best_first():
    best = max(T.answer, T.clarify + T.spread) + 0.05
    decision = decide(signals(best, best - T.margin / 2, best - T.spread + 0.01, best - 0.5), T)
    assert decision.outcome == "clarify"
    assert decision.options == ("topic_0", "topic_1", "topic_2")


def test_never_more_than_three_buttons():
    decision = decide(signals(*([T.answer] * 5)), T)
    assert decision.outcome == "clarify" and len(decision.options) == 3


def test_a_middling_score_with_one_candidate_is_deferred_with_it_as_the_closest_topic():
    """One option is no choice: "did you mean X?" would half-answer a question the page may not
    cover. The deferral says so and offers X."""
    decision = decide(signals(T.clarify + 0.01, 0.1), T)
    assert (decision.outcome, decision.reason, decision.options) == ("defer", "unsure", ("topic_0",))


def test_a_middling_score_with_two_candidates_asks_which():
    decision = decide(signals(T.clarify + 0.02, T.clarify + 0.01, 0.1), T)
    assert (decision.outcome, decision.options) == ("clarify", ("topic_0", "topic_1"))


def test_a_weak_match_offers_only_topics_above_the_close_topic_score():
    decision = decide(signals(T.clarify - 0.01, T.close_topic - 0.01), T)
    assert decision.options == (("topic_0",) if T.clarify - 0.01 >= T.close_topic else ())


def test_a_weak_match_is_deferred():
    decision = decide(signals(T.clarify - 0.01, 0.1), T)
    assert (decision.outcome, decision.reason) == ("defer", "no_match")


def test_out_of_scope_defers_unless_retrieval_is_very_sure():
    assert decide(signals(T.answer + 0.05, 0.1, out_of_scope=T.out_of_scope), T).reason == "out_of_scope"
    assert decide(signals(T.override, 0.1, out_of_scope=T.out_of_scope), T).outcome == "answer"
    assert decide(signals(T.answer + 0.05, 0.1, out_of_scope=T.out_of_scope - 0.01), T).outcome == "answer"


def test_no_candidates_is_deferred():
    assert decide(Signals(()), T).outcome == "defer"


def test_out_of_scope_confidence_is_read_behind_a_fallback_prediction():
    parse = {"intent": {"name": "nlu_fallback", "confidence": 0.5},
             "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.5},
                                {"name": "ask_question", "confidence": 0.45},
                                {"name": "out_of_scope", "confidence": 0.4}]}
    assert out_of_scope_confidence(parse) == pytest.approx(0.4)
    assert out_of_scope_confidence({"intent": {"name": "out_of_scope", "confidence": 0.9}}) == pytest.approx(0.9)
    assert out_of_scope_confidence({}) == 0.0


def test_thresholds_can_be_set_in_the_environment():
    thresholds = Thresholds.from_env({"ANSWER_THRESHOLD": "0.7", "MARGIN_THRESHOLD": "0.1", "SELECTOR_WEIGHT": "0.2"})
    assert (thresholds.answer, thresholds.margin, thresholds.clarify) == (0.7, 0.1, T.clarify)
    assert thresholds.selector_weight == 0.2


def test_signals_round_trip_through_the_reply_payload():
    original = Signals((Candidate("a", 0.81234, 0.3), Candidate("b", 0.5, 0.7)), 0.25)
    assert Signals.from_dict(original.as_dict()) == Signals((Candidate("a", 0.8123, 0.3), Candidate("b", 0.5, 0.7)), 0.25)


def test_the_selector_can_overturn_a_close_retrieval_ranking():
    close = Signals((Candidate("resectable", 0.80, 0.05), Candidate("unresectable", 0.78, 0.90)))
    assert decide(close, Thresholds(selector_weight=0.0)).outcome == "clarify"
    decision = decide(close, Thresholds(selector_weight=0.5))
    assert (decision.outcome, decision.topic_id) == ("answer", "unresectable")


def test_signals_from_rasa_parse_take_both_rankings():
    parse = {"intent_ranking": [{"name": "ask_question", "confidence": 0.9}, {"name": "out_of_scope", "confidence": 0.1}],
             "response_selector": {"ask_question": {"ranking": [
                 {"intent_response_key": "ask_question/b", "confidence": 0.8},
                 {"intent_response_key": "ask_question/c", "confidence": 0.2}]}}}
    retrieval = {"a": 0.9, "b": 0.5, "c": 0.1, "d": 0.05}
    assert selector_ranking(parse) == {"b": 0.8, "c": 0.2}
    made = Signals.from_parse(parse, retrieval, limit=1)
    assert made.candidates == (Candidate("a", 0.9, 0.0), Candidate("b", 0.5, 0.8))
    assert made.out_of_scope == pytest.approx(0.1)
    assert made.selector_used


def test_without_a_selector_ranking_retrieval_decides_alone():
    alone = Signals.from_parse({"intent_ranking": []}, {"a": 0.9, "b": 0.5})
    assert not alone.selector_used
    assert decide(alone, Thresholds(selector_weight=0.5)).topic_id == "a"
    assert alone.ranked(0.5)[0].score == pytest.approx(0.9)


def test_a_repeated_example_question_gets_its_topic_whatever_the_selector_says():
    # "what are the less common symptoms of neuroblastoma" is an example of symptoms_less_common;
    # the ResponseSelector ranked the most common symptoms higher, which made the two too close.
    repeated = Signals((Candidate("symptoms_less_common", 1.0, 0.305), Candidate("symptoms_common", 0.9248, 0.4976)))
    without_the_rule = Thresholds(known_question=1.01)
    assert decide(repeated, without_the_rule).outcome == "clarify"  # the two are within the margin
    decision = decide(repeated, T)
    assert (decision.outcome, decision.topic_id, decision.reason) == ("answer", "symptoms_less_common", "known_question")
    out_of_scope = Signals(repeated.candidates, out_of_scope=0.99)
    assert decide(out_of_scope, T).topic_id == "symptoms_less_common"


def test_a_message_close_to_examples_of_two_topics_is_decided_as_usual():
    both = Signals((Candidate("topic_a", 0.995, 0.5), Candidate("topic_b", 0.992, 0.5)))
    assert decide(both, T).outcome == "clarify"


def test_a_close_but_not_repeated_question_is_decided_as_usual():
    close = Signals((Candidate("topic_a", T.known_question - 0.02, 0.1), Candidate("topic_b", 0.95, 0.6)))
    assert decide(close, T).reason != "known_question"
