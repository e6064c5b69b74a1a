"""The worst case of one message: how long each server spends on hostile or unusual text, by length,
up to the channel's cap (MAX_MESSAGE_CHARS, 1,000) and beyond it, to show what grows faster than
the text.

    make worst-case        (both servers' code in their own environments; results/worst_case/)

The Rasa side loads the trained model as the server does and times the NLU of each message, node by
node of Rasa's graph. The action side times the question action on the same messages, and the
interpreter form's validation at each of its questions. Each time is the best of a few runs, so the
figures show the code's cost, not the machine's noise. Not a test: tests/test_worst_case.py checks
the bound that matters to families (no reply delayed by more than a second).

    python -m evaluation.worst_case rasa --out FILE        (in the Rasa environment)
    python -m evaluation.worst_case actions --out FILE     (in the action server's environment)
    python -m evaluation.worst_case report DIRECTORY       (results/worst_case/report.md)
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LENGTHS = (250, 500, 1000, 2000, 4000)
CAP = 1000
RUNS = 3


def _repeat(unit: str) -> Callable[[int], str]:
    return lambda n: (unit * (n // len(unit) + 1))[:n]


# Text families that make regular expressions, tokenizers and detectors work hardest.
FAMILIES: Dict[str, Callable[[int], str]] = {
    "one long word": lambda n: "a" * n,
    "one long mixed word": lambda n: ("neuroblastomamibgtherapy" * (n // 24 + 1))[:n],
    "a run of spaces": lambda n: "what" + " " * (n - 8) + "mibg",
    "a run of line breaks and tabs": lambda n: "what" + "\n \t" * ((n - 8) // 3) + "mibg",
    "a run of punctuation": lambda n: "tell me more" + "!" * (n - 13) + "x",
    "repeated 'ok '": _repeat("ok "),
    "repeated 'and what '": _repeat("and what "),
    "repeated 'my son '": _repeat("my son "),
    "repeated 'not '": _repeat("not "),
    "repeated digits": _repeat("1 "),
    "repeated 'Ab '": _repeat("Ab "),
    "repeated '+1'": _repeat("+1"),
    "repeated 'a@b.'": _repeat("a@b."),
    "repeated 'A-'": _repeat("A-"),
    "repeated '(('": _repeat("(("),
    "repeated questions": _repeat("what is mibg therapy? "),
    "a long parent's story": _repeat("my son has neuroblastoma and we are scared, what happens next? "),
    "Spanish": _repeat("mi hijo tiene fiebre y que es la quimioterapia "),
    "Chinese": _repeat("孩子呼吸困难嘴唇发紫"),
    "Russian": _repeat("мой сын не дышит "),
    "emoji": _repeat("\U0001F600"),
}


def best_of(function: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(RUNS):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def machine() -> Dict[str, object]:
    import os

    return {"python": platform.python_version(), "cores": os.cpu_count(), "machine": platform.machine(),
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d")}


# --- the Rasa server ---------------------------------------------------------------------------
def measure_rasa() -> Dict[str, object]:
    import asyncio
    import logging

    import structlog

    # Rasa logs each message at DEBUG when loaded this way, with the standard library and with
    # structlog (whose default prints everything).
    logging.disable(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))

    from rasa.core.agent import Agent
    from rasa.engine import graph

    timings: Dict[str, float] = defaultdict(float)
    call = graph.GraphNode.__call__

    def timed(node, *inputs):
        started = time.perf_counter()
        try:
            return call(node, *inputs)
        finally:
            timings[node._node_name] += time.perf_counter() - started

    graph.GraphNode.__call__ = timed
    agent = Agent.load(str(ROOT / "models" / "caregiver.tar.gz"))
    loop = asyncio.new_event_loop()
    loop.run_until_complete(agent.parse_message("warm up"))
    results = []
    for family, make in FAMILIES.items():
        for length in LENGTHS:
            text = make(length)
            best_nodes: Dict[str, float] = {}
            best_total = float("inf")
            for _ in range(RUNS):
                timings.clear()
                started = time.perf_counter()
                loop.run_until_complete(agent.parse_message(text))
                total = time.perf_counter() - started
                if total < best_total:
                    best_total, best_nodes = total, dict(timings)
            results.append({"family": family, "length": length, "seconds": best_total, "parts": best_nodes})
            print(f"rasa  {family:32s} {length:5d}  {best_total * 1000:8.1f} ms", flush=True)
    return {"side": "rasa", "machine": machine(), "results": results}


# --- the action server -------------------------------------------------------------------------
def measure_actions() -> Dict[str, object]:
    import os
    import tempfile

    # Deferred texts go to a scratch file, not the content team's list of unanswered questions.
    os.environ["UNANSWERED_LOG"] = str(Path(tempfile.mkdtemp(prefix="worst-case-")) / "unanswered.jsonl")
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.answer import AnswerQuestion
    from actions.content import store
    from actions.interpreter_form import ValidateInterpreterForm

    store()

    def tracker(text: str, slots: Dict[str, object], requested: object = None) -> Tracker:
        parse = {"text": text, "intent": {"name": "ask_question", "confidence": 0.9}, "entities": [],
                 "intent_ranking": [{"name": "ask_question", "confidence": 0.9}]}
        active = {"name": "interpreter_form"} if requested else {}
        return Tracker("worst-case", {"last_topic": "treatment_mibg_therapy", "shown_topics": [],
                                      "requested_slot": requested, **slots}, parse,
                       [{"event": "user", "timestamp": 0.0, "text": text, "parse_data": parse}], False, None,
                       active, "action_listen")

    answer, validate = AnswerQuestion(), ValidateInterpreterForm()
    form_steps = [("interpreter_language", {}), ("interpreter_purpose", {"interpreter_language": "Spanish"}),
                  ("contact_method", {"interpreter_language": "Spanish", "interpreter_purpose": "-"}),
                  ("contact_value", {"interpreter_language": "Spanish", "interpreter_purpose": "-",
                                     "contact_method": "phone"})]
    answer.run(CollectingDispatcher(), tracker("warm up", {}), {})
    results = []
    for family, make in FAMILIES.items():
        for length in LENGTHS:
            text = make(length)
            parts = {"answer a question": best_of(lambda: answer.run(CollectingDispatcher(), tracker(text, {}), {}))}
            for slot, slots in form_steps:
                parts[f"form: {slot}"] = best_of(
                    lambda: validate.run(CollectingDispatcher(), tracker(text, slots, slot), {}))
            worst = max(parts.values())
            results.append({"family": family, "length": length, "seconds": worst, "parts": parts})
            print(f"action {family:32s} {length:5d}  {worst * 1000:8.1f} ms", flush=True)
    return {"side": "actions", "machine": machine(), "results": results}


# --- the report --------------------------------------------------------------------------------
def report(directory: Path) -> str:
    lines = ["# Worst case of one message", ""]
    for side, title in (("rasa", "Rasa server: the NLU"), ("actions", "Action server: the question action and the form")):
        path = directory / f"{side}.json"
        if not path.exists():
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        info = data["machine"]
        lines += [f"## {title}", "",
                  f"Measured {info['date']} on {info['cores']} cores ({info['machine']}), Python {info['python']}; "
                  f"best of {RUNS} runs, in milliseconds. The channel's cap is {CAP:,} characters.", "",
                  "| text | " + " | ".join(f"{n:,} chars" for n in LENGTHS) + " | 4,000 / 1,000 |",
                  "| --- | " + " | ".join("---:" for _ in LENGTHS) + " | ---: |"]
        by_family: Dict[str, Dict[int, dict]] = defaultdict(dict)
        for row in data["results"]:
            by_family[row["family"]][row["length"]] = row
        for family, rows in by_family.items():
            growth = rows[4000]["seconds"] / max(rows[1000]["seconds"], 1e-9)
            lines.append(f"| {family} | " + " | ".join(f"{rows[n]['seconds'] * 1000:.1f}" for n in LENGTHS)
                         + f" | {growth:.1f}x |")
        at_cap = [row for row in data["results"] if row["length"] == CAP]
        worst = max(at_cap, key=lambda row: row["seconds"])
        parts = sorted(worst["parts"].items(), key=lambda item: -item[1])[:6]
        lines += ["", f"Worst at the cap: {worst['family']}, {worst['seconds'] * 1000:.1f} ms. Its largest parts: "
                  + ", ".join(f"{name} {seconds * 1000:.1f} ms" for name, seconds in parts) + ".", ""]
    text = "\n".join(lines)
    (directory / "report.md").write_text(text + "\n", encoding="utf-8")
    return text


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("side", choices=("rasa", "actions", "report"))
    parser.add_argument("target", nargs="?", default="results/worst_case")
    parser.add_argument("--out")
    arguments = parser.parse_args(argv)
    if arguments.side == "report":
        print(report(Path(arguments.target)))
        return 0
    data = measure_rasa() if arguments.side == "rasa" else measure_actions()
    out = Path(arguments.out or f"results/worst_case/{arguments.side}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
