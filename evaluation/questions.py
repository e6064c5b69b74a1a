"""Question files: a YAML list of {text, expect, language}. `expect` is optional; it is a topic id,
one of the other outcomes in SPECIAL (`defer`, `emergency`, `other_language`, ...), or a list of
topic ids when a message asks several questions (an answer with any of them is right, and so are
several answers that are all among them). `language` (optional) names the language of a message
that is not in English, so the figures can be given per language."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple, Union

import yaml

from knowledge import KnowledgeBase

# What a reply can be (evaluation/run.py reads it from the reply's payloads): "other" is an empty
# reply or one that none of the others describe.
SPECIAL = (
    "defer",                  # the page does not answer it: the bot says so and points to the care team
    "emergency",              # the "call 911 / your care team" reply
    "other_language",         # a message in another language: the interpreter offer, in that language
    "interpreter_form",       # the interpreter request form asks its next question
    "interpreter_summary",    # the form shows what it will send
    "interpreter_filed",      # the request is filed, with a reference number
    "interpreter_cancelled",  # the request is stopped or consent refused: nothing filed
    "talk_to_person",         # how to reach a person
    "small_talk",             # a greeting, thanks, goodbye or "are you a bot" reply
)
OUTCOMES = ("answer", "clarify", *SPECIAL, "other")


class QuestionFileError(ValueError):
    """A question file that cannot be used; the message names the file and the item."""


@dataclass(frozen=True)
class Question:
    text: str
    expect: Tuple[str, ...] = ()  # empty when not labelled
    language: str = "en"

    @property
    def category(self) -> Optional[str]:
        """answer or one of SPECIAL: what kind of reply is right (None when not labelled)."""
        if not self.expect:
            return None
        return self.expect[0] if self.expect[0] in SPECIAL else "answer"


def parse_expect(raw: object, kb: KnowledgeBase, where: str) -> Tuple[str, ...]:
    """The labels of an `expect` value, checked: topic ids, or one label of SPECIAL."""
    expect = tuple(raw) if isinstance(raw, list) else ((raw,) if raw else ())
    for label in expect:
        if not isinstance(label, str) or (label not in SPECIAL and label not in kb.topics):
            raise QuestionFileError(f"{where}: expect {label!r} is not a topic id or one of {', '.join(SPECIAL)}")
    if len(expect) > 1 and any(label in SPECIAL for label in expect):
        raise QuestionFileError(f"{where}: a list in expect may hold topic ids only")
    return expect


def load_questions(path: Path, kb: KnowledgeBase) -> List[Question]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise QuestionFileError(f"{path}: cannot be read as YAML: {error}") from error
    if not isinstance(data, list) or not data:
        raise QuestionFileError(f"{path}: must be a non-empty YAML list of {{text, expect}}")
    questions = []
    for number, item in enumerate(data, start=1):
        where = f"{path}: item {number}"
        if isinstance(item, str):
            item = {"text": item}
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or not item["text"].strip():
            raise QuestionFileError(f"{where}: needs a non-empty 'text'")
        expect = parse_expect(item.get("expect"), kb, where)
        questions.append(Question(item["text"], expect, str(item.get("language") or "en")))
    return questions


def judge(question: Question, outcome: str,
          topic_id: Union[None, str, Sequence[str]]) -> Tuple[Optional[bool], bool]:
    """(handled right, confidently wrong). Handled right is None for an unlabelled question.

    Right: the expected topic answered, or a correct deferral or escalation. A clarifying
    question is not counted as right. Confidently wrong: answered with a topic that is not expected.
    A message answered with several topics (one per question in it) is right only when every one
    of them is expected, and confidently wrong when any one is not.
    """
    if not question.expect:
        return None, False
    answered = [topic_id] if isinstance(topic_id, str) or topic_id is None else list(topic_id)
    unexpected = outcome == "answer" and any(topic not in question.expect for topic in answered)
    if question.category == "answer":
        right = outcome == "answer" and bool(answered) and not unexpected
    else:
        right = outcome == question.category
    return right, unexpected
