"""Topics the page splits by the child's age (regional neuroblastoma, younger and older than 1):
the age a parent states, in the message or earlier in the conversation, picks the topic."""
from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import ages
from actions.answer import AnswerQuestion
from actions.content import knowledge_base
from actions.decision import Decision
from knowledge.phrasing import stated_age_group
from tests.conftest import make_tracker

KB = knowledge_base()
UNDER, OVER = "treatment_regional_under_1", "treatment_regional_over_1"


@pytest.mark.parametrize("text, group", [
    ("my 8 month old", "under_1"), ("she is only eight months", "under_1"), ("11 months old", "under_1"),
    ("a two year old", "over_1"), ("3yo with regional nb", "over_1"), ("he is 14 months", "over_1"),
    ("18-month-old son", "over_1"), ("younger than one", "under_1"), ("older than 1", "over_1"),
    ("our newborn", "under_1"), ("my toddler", "over_1"),
    ("and for babies?", "under_1"), ("how do they treat it in a baby", "under_1"),
    ("and if he was still a baby would it be different", "under_1"), ("my baby is 3 years old", "over_1"),
    ("my baby has regional nb", None),
    ("a kid who just turned two", "over_1"), ("she turns 3 next week", "over_1"),
    ("he turned eight months today", "under_1"), ("things turned a corner", None), ("she turned 1", None),
    # not an age, or one the page's "younger than 1" / "older than 1" leaves open
    ("diagnosed a year ago", None), ("for two years now", None), ("it has been more than a year since", None),
    ("1 year old", None), ("she is 5", None), ("stage 4", None),
])
def test_a_stated_age_is_read_as_the_pages_age_groups(text, group):
    assert stated_age_group(text) == group


def test_the_age_picks_between_the_topics_of_an_age_split():
    clarify = Decision("clarify", "close", options=(OVER, UNDER), confidence=0.7)
    assert ages.by_age(KB, clarify, "under_1").topic_id == UNDER
    assert ages.by_age(KB, Decision("answer", "confident", UNDER, confidence=0.7), "over_1").topic_id == OVER
    assert ages.by_age(KB, clarify, None) == clarify
    other = Decision("answer", "confident", "treatment_surgery", confidence=0.7)
    assert ages.by_age(KB, other, "under_1") == other
    assert ages.by_age(KB, other, "under_1", last_topic=OVER).topic_id == UNDER
    out = Decision("defer", "out_of_scope", confidence=0.4)
    assert ages.by_age(KB, out, "under_1", last_topic=OVER) == out


def test_an_age_stated_earlier_in_the_session_counts_and_a_new_session_forgets_it():
    events = [{"event": "user", "text": "my son is 3 years old and has regional neuroblastoma"},
              {"event": "bot", "text": "..."}, {"event": "user", "text": "how is it treated?"}]
    assert ages.conversation_age_group("how is it treated?", events) == "over_1"
    assert ages.conversation_age_group("how is it treated?", events[:1] + [{"event": "session_started"}]
                                       + events[2:]) is None


def reply(tracker):
    dispatcher = CollectingDispatcher()
    AnswerQuestion().run(dispatcher, tracker, domain={})
    return dispatcher.messages[-1]["custom"]


@pytest.mark.parametrize("text, expected", [
    ("how is regional neuroblastoma treated in a baby who is 7 months old", UNDER),
    ("how is regional neuroblastoma treated in our 4 year old", OVER),
])
def test_a_question_that_states_the_age_gets_that_ages_answer(text, expected):
    payload = reply(make_tracker(text))
    assert (payload["type"], payload.get("topic_id")) == ("answer", expected)


def test_a_follow_up_with_another_age_gets_that_ages_answer():
    payload = reply(make_tracker("what if she was only 9 months", slots={"last_topic": OVER}))
    assert (payload["type"], payload.get("topic_id")) == ("answer", UNDER)


def test_babies_asked_about_after_an_older_childs_age_get_the_babies_answer():
    """The parent said "he just turned 3" earlier; "and if he was still a baby?" asks about the other
    age group, which the age stated earlier must not override."""
    before = [{"event": "user", "timestamp": 1699999990.0, "text": "ok he just turned 3 what would they do for it"}]
    for text in ("and if he was still a baby would it be different", "and for babies?"):
        payload = reply(make_tracker(text, slots={"last_topic": OVER}, before=before))
        assert (payload["type"], payload.get("topic_id")) == ("answer", UNDER), text
