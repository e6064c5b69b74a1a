"""Build the project's own spaCy pipeline for Rasa's SpacyNLP.

There is no English spaCy model for spaCy 3.4 on PyPI, so we build one: a blank English
tokenizer, a lookup lemmatizer (tables from spacy-lookups-data) and an entity ruler whose
patterns are generated from knowledge/vocabulary.yml. Saved to disk and loaded by path.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Dict, List

import spacy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from knowledge import load  # noqa: E402


def ruler_patterns(kb) -> List[Dict[str, object]]:
    """One case-insensitive token pattern per name; `id` carries the canonical value."""
    tokenizer = spacy.blank("en").tokenizer
    patterns = []
    for term in kb.terms:
        for name in (term.value, *term.synonyms):
            tokens = [{"LOWER": token.lower_} for token in tokenizer(name)]
            patterns.append({"label": term.label, "pattern": tokens, "id": term.value})
    return patterns


def build(output: Path) -> Path:
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    nlp.initialize()  # loads the lookup tables; clears ruler patterns, so add them after
    ruler.add_patterns(ruler_patterns(load()))
    nlp.meta["name"] = "caregiver"
    nlp.meta["description"] = "Blank English + lookup lemmatizer + entity ruler from knowledge/"
    output.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    return output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("output", type=Path)
    args = parser.parse_args()
    path = build(args.output)
    print(f"spaCy pipeline written to {path}")


if __name__ == "__main__":
    main()
