"""Near-copies: a question that differs from a training example by at most two words.

A measurement set says how the bot does on wordings it has not seen only when none of its
questions is one of the training examples with a word or two changed. Two texts are compared as
words (lower case, punctuation dropped) by word edit distance: the fewest words inserted, deleted
or replaced to turn one into the other. A question is a near-copy of an example when that distance
is at most two; for a question of three words or fewer, where two words would be most of it, at
most half its words (rounded down: 0 for one word, 1 for two or three).

    python -m evaluation.near_copy tests/test_set.yml [tests/conversations_test.yml ...]

lists every question or typed conversation turn of the files that is a near-copy of a training
example (knowledge/ and nlu/) or of a dev-set question, and exits with 1 when there is one.
With --against-test, the frozen test set's questions and typed turns count as references too
(for new calibration data, which must not come near the test set either).
"""
from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEV_SET = ROOT / "tests" / "dev_set.yml"
TEST_FILES = (ROOT / "tests" / "test_set.yml", ROOT / "tests" / "conversations_test.yml")
MAX_WORDS_CHANGED = 2


def words(text: str) -> Tuple[str, ...]:
    return tuple(re.findall(r"[^\W_]+", text.lower()))


def allowed_distance(length: int) -> int:
    """The most words a question of `length` words may differ by and still be a near-copy."""
    return MAX_WORDS_CHANGED if length > 3 else length // 2


def distance_at_most(a: Sequence[str], b: Sequence[str], limit: int) -> bool:
    """Whether the word edit distance between a and b is at most `limit` (a banded Levenshtein)."""
    if abs(len(a) - len(b)) > limit:
        return False
    if limit == 0:
        return tuple(a) == tuple(b)
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [limit + 1] * len(b)
        low, high = max(1, i - limit), min(len(b), i + limit)
        for j in range(low, high + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        if min(current[max(0, low - 1):high + 1]) > limit:
            return False
        previous = current
    return previous[len(b)] <= limit


class Index:
    """Texts grouped by their word count, so a question is compared only with texts whose length
    is within the allowed distance of its own."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._by_length: Dict[int, List[Tuple[Tuple[str, ...], str]]] = defaultdict(list)
        seen = set()
        for text in texts:
            key = words(text)
            if key and key not in seen:
                seen.add(key)
                self._by_length[len(key)].append((key, text))

    def near_copy(self, text: str) -> Optional[str]:
        """The first text of the index that `text` is a near-copy of, or None."""
        key = words(text)
        limit = allowed_distance(len(key))
        for length in range(len(key) - limit, len(key) + limit + 1):
            for other, original in self._by_length.get(length, ()):
                if distance_at_most(key, other, limit):
                    return original
        return None


def _examples(block: dict) -> List[str]:
    return [line.strip()[2:] for line in str(block.get("examples") or "").splitlines() if line.strip().startswith("- ")]


def training_texts(root: Path = ROOT) -> List[str]:
    """Every example the bot is trained on: the knowledge base's example questions and emergency
    signs (the generated NLU data), and the hand-written NLU files."""
    sys.path.insert(0, str(root))
    from knowledge import load

    kb = load()
    texts = [example for topic in kb.topics.values() for example in (topic.title, *topic.examples)]
    if kb.emergency:
        texts += [example for sign in kb.emergency.signs for example in sign.examples]
    for path in sorted((root / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            texts += _examples(block)
    return texts


def dev_texts(path: Path = DEV_SET) -> List[str]:
    return [item["text"] for item in yaml.safe_load(path.read_text(encoding="utf-8"))]


def measured_texts(path: Path) -> List[str]:
    """The typed texts of a question file (a list of {text}) or a conversation file (a list of
    {turns: [{say}|{click}]}); clicked buttons are not typed and are left out."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    texts = []
    for item in data:
        if isinstance(item, dict) and "turns" in item:
            texts += [turn["say"] for turn in item["turns"] if isinstance(turn, dict) and "say" in turn]
        elif isinstance(item, dict):
            texts.append(item["text"])
        else:
            texts.append(str(item))
    return texts


def near_copies(texts: Iterable[str], index: Index) -> List[Tuple[str, str]]:
    """(text, the example it nearly copies) for every near-copy among `texts`."""
    found = []
    for text in texts:
        original = index.near_copy(text)
        if original is not None:
            found.append((text, original))
    return found


def main(argv: Optional[Sequence[str]] = None) -> int:
    names = list(argv if argv is not None else sys.argv[1:])
    against_test = "--against-test" in names
    files = [Path(name) for name in names if name != "--against-test"]
    if not files:
        print(__doc__)
        return 2
    checked = [path.resolve() for path in files]
    references = training_texts()
    references += [text for text in dev_texts() if DEV_SET.resolve() not in checked]
    if against_test:
        references += [text for path in TEST_FILES if path.resolve() not in checked for text in measured_texts(path)]
    index = Index(references)
    found = 0
    for path in files:
        for text, original in near_copies(measured_texts(path), index):
            found += 1
            print(f"{path}: {text!r} is a near-copy of {original!r}")
    print(f"{found} near-copies")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
