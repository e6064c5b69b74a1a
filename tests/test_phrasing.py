"""The wordings that decide an intent whatever the classifier read (knowledge/phrasing.py): a
request to book an interpreter, as against a question about the service."""
from __future__ import annotations

import pytest

from knowledge.phrasing import asks_to_book_interpreter


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
