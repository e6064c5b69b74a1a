"""Kinds of questions the page does not answer (knowledge/deferrals.yml): what to say plainly, and
the closest topics it does cover. Pure Python and PyYAML, like the loader."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional, Tuple

import yaml

from knowledge.loader import KNOWLEDGE_DIR, KnowledgeError

DEFERRALS_FILE = KNOWLEDGE_DIR / "deferrals.yml"


@dataclass(frozen=True)
class DeferralKind:
    id: str
    patterns: Tuple["re.Pattern[str]", ...]
    text: str
    close_topics: Tuple[str, ...]
    # What an answer of the page has when it does say this ("how long": a span of time). A question
    # of the kind is answered only with a topic whose answer has it. None: no such check.
    answered_when: Optional["re.Pattern[str]"] = None
    answering_topics: Tuple[str, ...] = ()  # topics that answer such a question all the same

    def answered_by(self, topic_id: str, answer: str) -> bool:
        """Whether a topic's answer says what a question of this kind asks."""
        return self.answered_when is None or topic_id in self.answering_topics \
            or self.answered_when.search(" ".join(answer.split())) is not None


def load_deferrals(topic_ids: Iterable[str], path: Path = DEFERRALS_FILE) -> Tuple[DeferralKind, ...]:
    """The kinds, checked: valid patterns, a sentence, and close topics that exist."""
    known = set(topic_ids)
    return _load(path, path.stat().st_mtime, frozenset(known))


@lru_cache(maxsize=4)
def _load(path: Path, mtime: float, known: frozenset) -> Tuple[DeferralKind, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    kinds = []
    for index, raw in enumerate(data.get("deferrals") or []):
        where = f"{path.name}: deferral '{raw.get('id', index + 1) if isinstance(raw, dict) else index + 1}'"
        if not isinstance(raw, dict) or not str(raw.get("id") or "").strip() or not str(raw.get("text") or "").strip():
            raise KnowledgeError(f"{where}: needs an id and a text")
        try:
            patterns = tuple(re.compile(text, re.IGNORECASE) for text in raw.get("patterns") or [])
            answered_when = re.compile(raw["answered_when"], re.IGNORECASE) if raw.get("answered_when") else None
        except (re.error, TypeError) as error:
            raise KnowledgeError(f"{where}: a pattern is not a valid regular expression: {error}") from error
        if not patterns:
            raise KnowledgeError(f"{where}: needs at least one pattern")
        close = tuple(raw.get("close_topics") or [])
        answering = tuple(raw.get("answered_by") or [])
        unknown = [topic for topic in close + answering if topic not in known]
        if unknown or not close:
            raise KnowledgeError(f"{where}: close_topics and answered_by must name topics that exist "
                                 f"(unknown: {unknown})")
        kinds.append(DeferralKind(str(raw["id"]), patterns, " ".join(str(raw["text"]).split()), close,
                                  answered_when, answering))
    return tuple(kinds)


def deferral_kind(kinds: Iterable[DeferralKind], text: str) -> Optional[DeferralKind]:
    text = " ".join((text or "").split())[:1000]
    return next((kind for kind in kinds if any(pattern.search(text) for pattern in kind.patterns)), None)
