"""How parents ask for more about what the bot just said ("tell me more", "go on", "what else?"),
and how they ask for an interpreter to be booked ("we need a Spanish interpreter for Monday").

Shared by the Rasa server's NLU (bot/follow_up.py), which makes sure such a message reaches the
question action, or the interpreter request, whatever the classifier guessed, and by the action
server (actions/followups.py), which answers "more" with the last topic's next related topic.
"""
from __future__ import annotations

import re

from knowledge.loader import AGE_GROUPS

UNDER_1, OVER_1 = AGE_GROUPS

_MORE = re.compile(
    r"^\W*(ok(ay)?\W+|and\W+|please\W+|can you\W+|could you\W+)*"
    r"(tell me (a (little|bit) )?more( about (it|that|this))?|more( info(rmation)?| details)?( please)?|go on|"
    r"what else( should i know| can you tell me)?|keep going|anything else( i should know)?|"
    r"explain (more|further)|say more)\W*(?:please\W*)?$",  # not "\W*(please)?\W*": that tries every split of "!!!..."
    re.IGNORECASE,
)


def wants_more(text: str) -> bool:
    return bool(_MORE.match(text or ""))


# "I need / we need / can we get / could you book an interpreter (for ...)": a request to start,
# not a question about the service. A question about it ("do I need an interpreter?", "how do I
# get one?", "is there an interpreter?") starts with a question word and stays a question.
_INTERPRETER = r"(interpreter|interpeter|interprter|translator|translater)s?\b"
_BOOK_INTERPRETER = re.compile(
    r"\b(i|we|my \w+|he|she|they)(\s+|(?='d\b))(really\s+|will\s+|would\s+|still\s+)?"
    r"(need|needs|want|wants|would like|'d like)\s+(to\s+(get|book|have|request|schedule)\s+)?"
    rf"(an?\s+|one\s+)?(\w+\s+){{0,3}}{_INTERPRETER}"
    rf"|^\W*(need|want)\s+(an?\s+)?(\w+\s+){{0,2}}{_INTERPRETER}"
    r"|\b(can|could|may|would)\s+(we|i|you)\s+(please\s+)?(get|have|book|arrange|schedule|set up|request)\s+"
    rf"(us\s+|me\s+|him\s+|her\s+)?(an?\s+|one\s+)?(\w+\s+){{0,3}}{_INTERPRETER}",
    re.IGNORECASE,
)
_QUESTION_ABOUT = re.compile(r"^\W*(do|does|did|how|what|which|is|are|when|where|why|who|will)\b", re.IGNORECASE)


def asks_to_book_interpreter(text: str) -> bool:
    text = " ".join((text or "").split())[:300]
    return bool(_BOOK_INTERPRETER.search(text)) and not _QUESTION_ABOUT.match(text)


# "stage 4", "stage IV", "stage four", "stage 2b": a numbered stage, which the page does not use
# (it names categories). "stage 4S" is a category of the page and is not matched.
_NUMBERED_STAGE = re.compile(
    r"\bstage\s*(?P<number>[1-4]|iv|iii|ii|one|two|three|four)(?P<letter>[abc])?(?![\w-])", re.IGNORECASE)
_SPREAD_STAGES = ("4", "iv", "four")
_STAGE_4S = re.compile(r"\b(4|iv|four)\s*-?\s*s\b", re.IGNORECASE)


def numbered_stage(text: str) -> "tuple[str, bool] | None":
    """(the stage as written, whether it is stage 4) for a message naming a numbered stage."""
    text = " ".join((text or "").split())[:1000]
    found = _NUMBERED_STAGE.search(text)
    if not found or _STAGE_4S.search(text):  # "how can it be 4S and not stage 4": about stage 4S
        return None
    number = found.group("number")
    return number + (found.group("letter") or ""), number.lower() in _SPREAD_STAGES


# A child's age as parents state it ("my 8 month old", "she is only eight months", "a two year
# old", "3yo", "younger than one"), for the topics the page splits by age (a topic's `age` in
# knowledge/). "a year ago" or "for two years" is not an age: a number of months or years is one
# when "old" follows it or a word such as "is", "only", "aged" or "turned" comes before it; a bare
# number after "turned" is years ("she just turned two").
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "eighteen": 18}
_AMOUNT = r"(?P<amount>\d{1,2}|" + "|".join(_NUMBER_WORDS) + r")"
_UNIT = r"(?P<unit>months?|mos?|mths?|years?|yrs?|yo|y/o|m/o)"
_AGE = re.compile(
    rf"\b{_AMOUNT}\s*-?\s*{_UNIT}(?:\s*-?\s*(?P<old>old)\b|(?![\w/]))"
    rf"|\b(?:is|was|only|just|aged?|turned|turns|turning)\s+(?:about\s+|nearly\s+|almost\s+)?"
    rf"{_AMOUNT.replace('amount', 'amount2')}\s*-?\s*{_UNIT.replace('unit', 'unit2')}(?![\w/])"
    # "she just turned two": a child's birthday counts years
    rf"|\b(?:turned|turns|turning)\s+{_AMOUNT.replace('amount', 'years')}\b(?!\s*-?\s*(?:{_UNIT[9:-1]}))",
    re.IGNORECASE,
)
# "younger than one" is an age; "under a year" only with "old" ("under a year since ..." is not).
# Babies as an age group ("and for babies?", "how do they treat it in a baby", "if he was still a
# baby"), not a parent's name for their child ("my baby is 3").
_UNDER_1 = re.compile(r"\byounger than\s+(a|one|1)\b|\b(under|less than)\s+(a|one|1)\s*(years?|yrs?)\s*old\b"
                      r"|\b(infant|newborn)s?\b|\bbabies\b|\b(for|in)\s+an?\s+baby\b"
                      r"|\b(was|were|is)\s+(still\s+|only\s+|just\s+)?an?\s+baby\b", re.IGNORECASE)
_OVER_1 = re.compile(r"\bolder than\s+(a|one|1)\b|\b(over|more than)\s+(a|one|1)\s*(years?|yrs?)\s*old\b"
                     r"|\btoddlers?\b", re.IGNORECASE)


def stated_age_group(text: str) -> "str | None":
    """'under_1' or 'over_1' for a message that states a child's age, else None (also for an
    age of exactly one year, which the page's "younger than 1" and "older than 1" leave open)."""
    text = " ".join((text or "").split())[:1000]
    for found in _AGE.finditer(text):
        compact = found.group("unit") in ("yo", "y/o", "m/o", "mo", "mos")
        if found.group("amount") and not (found.group("old") or compact):
            continue
        amount = (found.group("amount") or found.group("amount2") or found.group("years")).lower()
        unit = (found.group("unit") or found.group("unit2") or "years").lower()
        number = int(amount) if amount.isdigit() else _NUMBER_WORDS[amount]
        months = number if unit.startswith("m") else number * 12
        if months != 12:
            return UNDER_1 if months < 12 else OVER_1
    if _UNDER_1.search(text):
        return UNDER_1
    if _OVER_1.search(text):
        return OVER_1
    return None


# A message that is only a word shared by several tests' or treatments' names ("mibg", "scan",
# "bone marrow?", "what is therapy"): which one the parent means is theirs to say.
_BARE_FILLER = {"what", "whats", "what's", "is", "are", "about", "the", "a", "an", "and", "tell", "me", "explain",
                "please", "so", "ok", "okay", "um", "uh"}
# The labels of the terms that name a test or a treatment (knowledge/vocabulary.yml).
SUBJECT_LABELS = ("TEST", "TREATMENT")
_WORD = re.compile(r"[\w'-]+")


def bare_term_topics(terms: "list", text: str) -> "tuple[str, ...]":
    """The topics whose test or treatment names (knowledge/vocabulary.yml) all share the words of
    a message that says nothing else, when there are at least two of them and the words are not a
    whole name of their own; else (). `terms` are the knowledge base's terms."""
    words = [word for word in _WORD.findall((text or "")[:200].lower()) if word not in _BARE_FILLER]
    if not words or len(words) > 3:
        return ()
    phrase = " ".join(words)
    topics: "dict[str, None]" = {}
    for term in terms:
        if term.label not in SUBJECT_LABELS or not term.topic:
            continue
        for name in (term.value, *term.synonyms):
            name_words = _WORD.findall(name.lower())
            if " ".join(name_words) == phrase:
                return ()  # a whole name: the retrieval knows it
            if any(name_words[start:start + len(words)] == words for start in range(len(name_words))):
                topics[term.topic] = None
    return tuple(topics) if len(topics) >= 2 else ()
