"""Scrub personal details out of a message before it is kept anywhere.

Replaced: email addresses ([email]), phone numbers and other long digit runs such as record
numbers ([number]), and names ([name]). Names are found three ways:
- after an introduction: "my name is ...", "I'm called ...", "this is ...", "named ...";
- after a title: "Dr. Smith", "nurse Kim";
- after a family word: "my son Leo", "our daughter, maya", "my baby boy Sam";
- any capitalised word that is not the first word of a sentence and is not a word the knowledge
  base itself uses (so "MIBG", "Oakland" or "Camp Okizu" stay, and "Emma" goes).
It errs on the side of removing too much: a stray capitalised word is a small loss for a review
list, and a child's name in it is not.
"""
from __future__ import annotations

import re
from typing import Iterable, Set

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", re.UNICODE)
# A phone number: optional +country, then digits in groups separated by spaces, dots, dashes or
# brackets, 7 digits or more in all. Also any run of 5+ digits (record numbers, zip codes).
PHONE = re.compile(r"(?<![\w(+])(\(?\+?\d[\d\s().-]{5,}\d)(?![\w])")
LONG_NUMBER = re.compile(r"\d{5,}")
_WORD = r"[^\W\d_][^\W\d_'’-]*(?:['’-][^\W\d_]+)?"
INTRODUCTION = re.compile(
    rf"\b(my name is|my name's|i am called|i'm called|im called|call me|this is|named|called|name is)\s+({_WORD})"
    rf"(\s+{_WORD})?",
    re.IGNORECASE,
)
FAMILY = re.compile(
    rf"\b(my|our)\s+((little|baby|big|older|younger|oldest|youngest|\d+\s*(yo|year old|yr old|month old))\s+)*"
    rf"(son|daughter|child|kid|baby|boy|girl|grandson|granddaughter|niece|nephew|brother|sister|husband|wife|"
    rf"partner)\s*,?\s+({_WORD})",
    re.IGNORECASE,
)
TITLE = re.compile(r"\b((?i:dr|mr|mrs|ms|miss|doctor|nurse|prof))\.?\s+([A-ZÀ-Þ][^\W\d_]*)")
CAPITALISED = re.compile(r"(?<![\w'’])([A-ZÀ-Þ][^\W\d_]*(?:-[^\W\d_]+)?)")
SENTENCE_START = re.compile(r"^|[.!?]\s+|\n\s*")

# Words that may follow "my son" and similar without being a name.
_NOT_NAMES = {
    "is", "was", "has", "had", "have", "and", "who", "with", "just", "also", "will", "can", "could",
    "does", "did", "got", "gets", "had", "keeps", "started", "seems", "needs", "said", "says",
    "the", "a", "an", "in", "at", "on", "for", "to", "of", "from", "after", "before", "since",
    "because", "but", "so", "or", "when", "if", "that", "this", "still", "already", "now", "really",
    "being", "been", "be", "isn't", "wasn't", "doesn't", "didn't", "can't", "won't", "hasn't",
    "might", "may", "should", "would", "must", "goes", "went", "feels", "felt", "looks", "looked",
    "dr", "mr", "mrs", "ms", "miss", "doctor", "nurse", "prof",
}


def _names_allowed(vocabulary: Iterable[str]) -> Set[str]:
    return {word.lower() for word in vocabulary} | _NOT_NAMES


def scrub(text: str, vocabulary: Iterable[str] = ()) -> str:
    """The text with emails, phone numbers, long numbers and names replaced by placeholders.

    `vocabulary` is the set of words the knowledge base uses; a capitalised word in it is kept.
    """
    known = _names_allowed(vocabulary)
    text = EMAIL.sub("[email]", text)
    text = PHONE.sub(lambda m: "[number]" if sum(c.isdigit() for c in m.group(1)) >= 7 else m.group(0), text)
    text = LONG_NUMBER.sub("[number]", text)

    def introduction(match: re.Match) -> str:
        name, surname = match.group(2), match.group(3) or ""
        if name.lower() in known:
            return match.group(0)
        if surname and surname.strip().lower() not in known:
            surname = " [name]"  # an unknown word right after a name is taken as a surname
        return f"{match.group(1)} [name]{surname}"

    text = INTRODUCTION.sub(introduction, text)
    text = TITLE.sub(lambda match: match.group(0)[: match.start(2) - match.start(0)] + "[name]", text)

    def family(match: re.Match) -> str:
        name = match.group(match.lastindex)
        if name.lower() in known:
            return match.group(0)
        return match.group(0)[: match.start(match.lastindex) - match.start(0)] + "[name]"

    text = FAMILY.sub(family, text)

    # Where sentences start, found once: searching the text before each capitalised word took time
    # that grew with the square of the message's length.
    sentence_starts = {match.end() for match in SENTENCE_START.finditer(text)}

    def capitalised(match: re.Match) -> str:
        word = match.group(1)
        if word.lower() in known or word == "I" or match.start(1) in sentence_starts:
            return word
        return "[name]"

    return CAPITALISED.sub(capitalised, text)


def knowledge_words(texts: Iterable[str]) -> Set[str]:
    """Every word in the given texts, lower-cased: the vocabulary that is never taken for a name."""
    words: Set[str] = set()
    for text in texts:
        words.update(word.lower() for word in re.findall(r"[^\W\d_]+", text))
    return words
