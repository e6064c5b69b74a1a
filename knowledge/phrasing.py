"""How parents ask for more about what the bot just said ("tell me more", "go on", "what else?"),
and how they ask for an interpreter to be booked ("we need a Spanish interpreter for Monday").

Shared by the Rasa server's NLU (bot/follow_up.py), which makes sure such a message reaches the
question action, or the interpreter request, whatever the classifier guessed, and by the action
server (actions/followups.py), which answers "more" with the last topic's next related topic.
"""
from __future__ import annotations

import re

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
