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
        except (re.error, TypeError) as error:
            raise KnowledgeError(f"{where}: a pattern is not a valid regular expression: {error}") from error
        if not patterns:
            raise KnowledgeError(f"{where}: needs at least one pattern")
        close = tuple(raw.get("close_topics") or [])
        unknown = [topic for topic in close if topic not in known]
        if unknown or not close:
            raise KnowledgeError(f"{where}: close_topics must name topics that exist (unknown: {unknown})")
        kinds.append(DeferralKind(str(raw["id"]), patterns, " ".join(str(raw["text"]).split()), close))
    return tuple(kinds)


def deferral_kind(kinds: Iterable[DeferralKind], text: str) -> Optional[DeferralKind]:
    text = " ".join((text or "").split())[:1000]
    return next((kind for kind in kinds if any(pattern.search(text) for pattern in kind.patterns)), None)
