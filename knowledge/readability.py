"""Reading grade of an answer, as a parent reads it (bullet marks removed).

Uses textstat 0.7.4, which works offline (newer releases try to download NLTK data). Installed
in the action-server environment only; the loader does not need it.
"""
from __future__ import annotations

import re

import textstat

_BULLET = re.compile(r"^\s*-\s+", re.MULTILINE)


def reading_grade(answer: str) -> float:
    """Flesch-Kincaid grade level; each bullet counts as its own sentence."""
    lines = [_BULLET.sub("", line).strip() for line in answer.splitlines()]
    sentences = [line if line.endswith((".", "?", "!", ":")) else line + "." for line in lines if line]
    return float(textstat.flesch_kincaid_grade(" ".join(sentences)))
