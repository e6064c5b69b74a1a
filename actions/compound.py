"""Messages that ask several questions at once.

Parents often ask two things in one breath: "what is mibg therapy and what are the side effects?",
"where is the bmt clinic and what even is a bone marrow transplant". Read as a whole, such a
message sits between two topics, so the bot could only ask which one was meant. Here it is cut
into its questions, so each can be decided on its own (actions/decision.py, `several_answers`).

A part counts as a question when it ends with "?" or starts like one ("what", "how", "is there",
"can", ...). Statements around them ("my son has stage 4, ...") are left out: they give context
to a person, but alone they would only match a topic nobody asked about.
"""
from __future__ import annotations

import re
from typing import List

MAX_PARTS = 3
MIN_WORDS = 2

_WH_WORDS = r"what|whats|what's|how|hows|how's|where|wheres|where's|who|whos|who's|why|when|which"
_AUXILIARIES = r"is|are|was|were|can|could|does|do|did|will|would|should|has|have"
_QUESTION_WORDS = rf"{_WH_WORDS}|{_AUXILIARIES}|any"
# After "and", an auxiliary starts a new question only with its subject next: "and is there",
# "and does it"; "we speak cantonese and are coming from hong kong" is one statement.
_NEXT_QUESTION = (rf"(?:{_WH_WORDS})\b|(?:{_AUXILIARIES})\s+(?:there|it|he|she|they|we|i|you|this|that|"
                  r"my|his|her|our|their|the|a|an)\b")
_LEAD_IN = r"(?:(?:and|also|plus|so|but|then|ok|okay|please|sorry|oh)\W+)*"
# Where a message is cut: after "?", "!", ";" or a sentence's end, or before "and what ...",
# ", how ...", "and also is there ...".
_SPLIT = re.compile(
    r"(?<=[?!;])\s*|(?<=\.)\s+|\n+"
    rf"|\s*,?\s+(?:and|also|plus)\s+(?:also\s+)?(?={_NEXT_QUESTION})"
    rf"|\s*,\s*(?={_NEXT_QUESTION})",
    re.IGNORECASE,
)
_STARTS_LIKE_A_QUESTION = re.compile(rf"^\W*{_LEAD_IN}(?:{_QUESTION_WORDS}|tell me|explain)\b", re.IGNORECASE)


def is_question(part: str) -> bool:
    return part.rstrip().endswith("?") or bool(_STARTS_LIKE_A_QUESTION.match(part))


_SPACES = re.compile(r"[^\S\n]+")
_BREAKS = re.compile(r"\s*\n\s*")


def split_questions(text: str) -> List[str]:
    """The questions in a message, when it holds two or more; otherwise an empty list."""
    # One space or one line break between words: _SPLIT's "\s*,?\s+" would otherwise try every way
    # of dividing a long run of spaces, and 1,000 of them took 12 seconds.
    text = _BREAKS.sub("\n", _SPACES.sub(" ", text or ""))
    parts = [part.strip(" ,.;!?") + ("?" if part.rstrip().endswith("?") else "")
             for part in _SPLIT.split(text) if part and part.strip(" ,.;!?")]
    questions = [part for part in parts if len(part.split()) >= MIN_WORDS and is_question(part)]
    return questions[:MAX_PARTS] if len(questions) >= 2 else []
