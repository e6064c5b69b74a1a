"""Scrubbing personal details out of unanswered questions before they are kept."""
from __future__ import annotations

import pytest

from actions.privacy import scrub
from actions.unanswered import vocabulary
from knowledge import load

WORDS = vocabulary(load())


@pytest.mark.parametrize("text, expected", [
    ("call me at (415) 555-0134 please", "call me at [number] please"),
    ("my cell is +1 415 555 0134", "my cell is [number]"),
    ("email maria.lopez@example.org with results", "email [email] with results"),
    ("his record number is 12345678", "his record number is [number]"),
    ("My name is Maria Lopez and I am worried", "My name is [name] [name] and I am worried"),
    ("my son Jake has a lump in his belly", "my son [name] has a lump in his belly"),
    ("our daughter, emma, starts chemo", "our daughter, [name], starts chemo"),
    ("my 3 year old son noah is scared of the mri", "my 3 year old son [name] is scared of the mri"),
    ("We saw Dr. Smith yesterday", "We saw Dr. [name] yesterday"),
    ("what did Sofia's scan show", "what did [name]'s scan show"),
])
def test_personal_details_are_replaced(text, expected):
    assert scrub(text, WORDS) == expected


@pytest.mark.parametrize("text", [
    "What is the MIBG scan?",
    "is there an infusion center in Walnut Creek or Oakland",
    "does Camp Okizu take siblings",
    "my son has stage 4 at 18 months",
    "what does Stage 4S mean",
])
def test_questions_without_personal_details_are_kept_as_they_are(text):
    assert scrub(text, WORDS) == text
