"""The wordings that decide an intent whatever the classifier read (knowledge/phrasing.py): a
request to book an interpreter, as against a question about the service."""
from __future__ import annotations

import pytest

from knowledge.loader import load
from knowledge.phrasing import asks_to_book_interpreter, bare_term_topics

KB = load()


@pytest.mark.parametrize("text", [
    "I need an interpreter for my daughter's appointment",
    "we need a spanish interpreter on monday",
    "my husband needs a translator for the visit",
    "need an interpreter please",
    "can we get a mandarin interpreter for tomorrow",
    "could you book us an interpreter",
    "I'd like to request an interpreter",
])
def test_a_request_to_book_an_interpreter_starts_the_request(text):
    assert asks_to_book_interpreter(text)


@pytest.mark.parametrize("text", [
    "do I need an interpreter?",
    "how do I get an interpreter",
    "is there an interpreter for spanish",
    "what languages do your interpreters speak",
    "which interpreter services are there",
    "my son needs chemo, what are the side effects",
    "",
])
def test_a_question_about_interpreters_stays_a_question(text):
    assert not asks_to_book_interpreter(text)


@pytest.mark.parametrize("text, topics", [
    ("mibg", {"imaging_mibg_scan", "treatment_mibg_therapy"}),
    ("MIBG??", {"imaging_mibg_scan", "treatment_mibg_therapy"}),
    ("what is mibg", {"imaging_mibg_scan", "treatment_mibg_therapy"}),
    ("bone marrow", {"bone_marrow_biopsy_aspiration", "treatment_bone_marrow_transplant"}),
])
def test_a_word_several_tests_or_treatments_share_names_each_of_them(text, topics):
    assert set(bare_term_topics(KB.terms, text)) == topics


@pytest.mark.parametrize("text", [
    "mibg therapy", "what is a pet scan", "mibg scan side effects", "chemo", "radiation",
    "clinic", "how does mibg therapy work and what are the side effects", "", "???",
])
def test_a_whole_name_or_a_real_question_is_not_a_bare_word(text):
    assert bare_term_topics(KB.terms, text) == ()
