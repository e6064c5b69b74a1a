"""Draw the evaluation's plots from its JSON (runs in the Rasa environment, which has matplotlib).

    python -m evaluation.plots results/evaluate

tradeoff.png: handled right and confidently wrong as the answer threshold moves, for the bot (its
other thresholds as in use) and for the baseline; the threshold in use is marked.
confusion.png: what kind of question (rows) got what kind of reply (columns).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLUMNS = ("right topic", "wrong topic", "clarify", "defer", "emergency", "other")
ROWS = ("answer", "defer", "emergency")


def tradeoff(data: dict, path: Path) -> None:
    figure, axis = plt.subplots(figsize=(8, 5))
    bot, base = data["bot"], data["baseline"]
    axis.plot([p["answer"] for p in bot], [100 * p["right_rate"] for p in bot], label="bot: handled right")
    axis.plot([p["answer"] for p in bot], [100 * p["confidently_wrong_rate"] for p in bot],
              label="bot: confidently wrong")
    axis.plot([p["threshold"] for p in base], [100 * p["right_rate"] for p in base], "--",
              label="baseline: handled right")
    axis.plot([p["threshold"] for p in base], [100 * p["confidently_wrong_rate"] for p in base], "--",
              label="baseline: confidently wrong")
    in_use = data["in_use"]
    axis.axvline(in_use["answer"], color="grey", linewidth=0.8)
    axis.annotate(f"in use: {in_use['answer']}", (in_use["answer"], 50), rotation=90, va="center",
                  ha="right", fontsize=8)
    axis.axhline(92, color="green", linewidth=0.5, linestyle=":")
    axis.axhline(2, color="red", linewidth=0.5, linestyle=":")
    axis.set_xlabel("answer threshold (bot: combined topic score; baseline: cosine similarity)")
    axis.set_ylabel("% of labelled questions")
    axis.set_ylim(0, 100)
    axis.set_title("Answer threshold trade-off on the dev set")
    axis.legend(fontsize=8, loc="center left")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def confusion(data: dict, path: Path) -> None:
    rows = [row for row in ROWS if row in data]
    matrix = [[data[row].get(column, 0) for column in COLUMNS] for row in rows]
    figure, axis = plt.subplots(figsize=(8, 3.5))
    axis.imshow(matrix, cmap="Blues")
    axis.set_xticks(range(len(COLUMNS)), COLUMNS, rotation=20)
    axis.set_yticks(range(len(rows)), [f"expected {row}" for row in rows])
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            axis.text(j, i, str(value), ha="center", va="center", fontsize=10)
    axis.set_title("Expected kind of reply (rows) and the reply given (columns)")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def main(directory: str) -> int:
    """The plots of each question file's results: in the directory or its subdirectories."""
    top = Path(directory)
    for folder in [top, *sorted(path for path in top.glob("*") if path.is_dir())]:
        if (folder / "tradeoff.json").exists():
            tradeoff(json.loads((folder / "tradeoff.json").read_text()), folder / "tradeoff.png")
        if (folder / "confusion.json").exists():
            confusion(json.loads((folder / "confusion.json").read_text()), folder / "confusion.png")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "results/evaluate"))
