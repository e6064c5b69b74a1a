"""The frozen test set (tests/test_set.yml, tests/conversations_test.yml): big enough, in the dev
set's mix plus follow-ups, button clicks and other languages, independent of everything the bot
was trained or calibrated on, and unchanged since it was frozen.

It is used to report (`make evaluate`, README), never to tune: a change to it must be deliberate,
so its sha256 is recorded here. A changed test set is a new test set, and the figures quoted for
the old one no longer hold."""
from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

from evaluation.conversations import load_conversations
from evaluation.near_copy import Index, dev_texts, measured_texts, near_copies, training_texts
from evaluation.questions import load_questions
from knowledge import load

ROOT = Path(__file__).resolve().parent.parent
TEST_SET = ROOT / "tests" / "test_set.yml"
CONVERSATIONS = ROOT / "tests" / "conversations_test.yml"
DEV_SET = ROOT / "tests" / "dev_set.yml"
KB = load()
FROZEN = {
    "test_set.yml": "113cb4e4b408f74d1d71f072ca751cb33f6fa0885421e188a587102573b614aa",
    "conversations_test.yml": "d0b15fe5a0bd2101a50ad7549f84498023309149b74a123637ca99c7246d8d4b",
}
OTHER_LANGUAGES = ("es", "zh-Hans", "zh-Hant", "ru", "vi", "tl", "ko", "ar")


def test_the_test_set_is_frozen():
    for path in (TEST_SET, CONVERSATIONS):
        assert hashlib.sha256(path.read_bytes()).hexdigest() == FROZEN[path.name], (
            f"{path.name} changed: the test set is frozen (see this file's docstring)")


def test_the_test_questions_have_the_dev_sets_mix_and_other_languages():
    questions = load_questions(TEST_SET, KB)
    kinds = Counter(question.category for question in questions)
    assert len(questions) >= 250
    assert kinds["answer"] >= 150 and kinds["defer"] >= 50 and kinds["emergency"] >= 40
    assert len({label for question in questions for label in question.expect if label in KB.topics}) >= 60
    assert sum(len(question.expect) > 1 for question in questions) >= 15
    emergencies = Counter(question.language for question in questions if question.category == "emergency")
    assert all(emergencies[language] >= 2 for language in OTHER_LANGUAGES), emergencies
    assert kinds["other_language"] >= 8
    assert len({" ".join(question.text.lower().split()) for question in questions}) == len(questions)


def test_the_test_conversations_have_follow_ups_clicks_forms_and_emergencies():
    conversations = load_conversations(CONVERSATIONS, KB)
    turns = [turn for conversation in conversations for turn in conversation.turns]
    assert len(conversations) >= 40
    assert all(len(conversation.turns) >= 2 for conversation in conversations)
    assert sum(turn.clicked for turn in turns) >= 10
    later = [turn for conversation in conversations for turn in conversation.turns[1:]]
    assert sum(turn.question.category == "answer" and not turn.clicked for turn in later) >= 40
    labels = Counter(turn.expect[0] for turn in turns)
    assert labels["interpreter_filed"] >= 3 and labels["emergency"] >= 5 and labels["defer"] >= 4


def test_no_test_question_or_typed_turn_is_a_near_copy_of_training_or_dev_data():
    index = Index(training_texts() + dev_texts(DEV_SET))
    found = near_copies(measured_texts(TEST_SET) + measured_texts(CONVERSATIONS), index)
    assert found == []


def test_no_dev_question_is_a_near_copy_of_training_data():
    assert near_copies(dev_texts(DEV_SET), Index(training_texts())) == []


def test_a_near_copy_is_at_most_two_words_away_or_half_a_short_question():
    index = Index(["what are the side effects of mibg therapy", "stage 4s"])
    assert index.near_copy("what r the side effects of the mibg therapy") is not None  # two words
    assert index.near_copy("Stage 4S?") is not None  # the same words
    assert index.near_copy("what are the long term side effects of the mibg therapy") is None  # three words
    assert index.near_copy("stage 4") == "stage 4s"  # one word of two
    assert index.near_copy("stage four please") is None  # two words of three
    assert index.near_copy("how does mibg therapy work") is None


def test_no_dev_conversation_question_is_a_near_copy_of_the_test_set():
    """The calibration conversations are tuned on, so their questions stay away from the test set
    (form answers such as an e-mail address, and small talk, are alike everywhere)."""
    conversations = load_conversations(ROOT / "tests" / "conversations_dev.yml", KB)
    asked = [turn.question.text for conversation in conversations for turn in conversation.turns
             if not turn.clicked and turn.question.category in ("answer", "defer", "emergency")]
    assert len(asked) >= 60
    index = Index(measured_texts(TEST_SET) + measured_texts(CONVERSATIONS))
    assert near_copies(asked, index) == []
