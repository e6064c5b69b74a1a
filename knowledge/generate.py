"""Command-line entry shared by the files generated from knowledge/ (NLU data, review page)."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Callable

from knowledge.loader import KnowledgeBase, load


def write_generated(render: Callable[[KnowledgeBase], str], description: str, what: str) -> None:
    """Parse the output path, render the loaded knowledge base into it and say where it went."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("output", type=Path)
    args = parser.parse_args()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(load()), encoding="utf-8")
    print(f"{what} written to {args.output}")
