"""Question files: a YAML list of {text, expect}. `expect` is optional; it is a topic id, `defer`,
`emergency`, or a list of topic ids when a message asks several questions (an answer with any of
them is right, and so are several answers that are all among them)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple, Union

import yaml

from knowledge import KnowledgeBase

OUTCOMES = ("answer", "clarify", "defer", "emergency", "other")
SPECIAL = ("defer", "emergency")


class QuestionFileError(ValueError):
    """A question file that cannot be used; the message names the file and the item."""


@dataclass(frozen=True)
class Question:
    text: str
    expect: Tuple[str, ...] = ()  # empty when not labelled

    @property
    def category(self) -> Optional[str]:
        """answer, defer or emergency: what kind of reply is right (None when not labelled)."""
        if not self.expect:
            return None
        return self.expect[0] if self.expect[0] in SPECIAL else "answer"


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
        raw = item.get("expect")
        expect = tuple(raw) if isinstance(raw, list) else ((raw,) if raw else ())
        for label in expect:
            if not isinstance(label, str) or (label not in SPECIAL and label not in kb.topics):
                raise QuestionFileError(f"{where}: expect {label!r} is not a topic id, 'defer' or 'emergency'")
        if len(expect) > 1 and any(label in SPECIAL for label in expect):
            raise QuestionFileError(f"{where}: a list in expect may hold topic ids only")
        questions.append(Question(item["text"], expect))
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
