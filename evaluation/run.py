"""Send every question through the real servers over REST, exactly as the web page does, and
measure the outcome; replay the decision offline to draw the thresholds' trade-off; compare with a
baseline (plain MiniLM retrieval over the answers, no NLU, one threshold).

    python -m evaluation.run --questions tests/dev_set.yml --test-questions tests/test_set.yml \
        --test-conversations tests/conversations_test.yml --out results/evaluate [--cv results/cv]

`--questions` files calibrate: the thresholds' grid search runs on them (the dev set). The
`--test-*` files are frozen: they are sent and reported the same way, never calibrated on.
Writes, for each file, to --out/<file name>/:
  questions.jsonl   one line per question: text, expect, outcome, topic id, confidence, reply, ...
                    (conversations.jsonl for a conversation file: one line per conversation)
  summary.json      the figures, the baseline's, the calibration grid's best and the CV macro F1
  tradeoff.json     the curves for the plot (evaluation/plots.py draws them; calibration sets only)
  summary.md        the same, for people
and --out/summary.json with every file's figures; prints a summary line per file.
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, replace
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import httpx
import numpy as np
import yaml

from actions.decision import Signals, Thresholds, decide_message
from evaluation.questions import Question, QuestionFileError, judge, load_questions
from knowledge import KnowledgeBase, load

PAYLOAD_OUTCOMES = ("emergency", "answer", "clarify", "defer")
# Replies that are not a decision on a question, by the type of their payload.
OTHER_PAYLOADS = {"other_language": "other_language", "interpreter_summary": "interpreter_summary",
                  "talk_to_person": "talk_to_person"}
REQUEST_STATUSES = {"filed": "interpreter_filed", "cancelled": "interpreter_cancelled",
                    "no_consent": "interpreter_cancelled"}
MAX_CONFIDENTLY_WRONG = 0.015  # the calibration keeps a safety margin under the 2% goal
ROOT = Path(__file__).resolve().parent.parent


# --- talking to the bot ----------------------------------------------------------------------
@lru_cache(maxsize=1)
def form_prompts() -> Tuple[str, ...]:
    """How the interpreter request form's questions begin: the domain's `utter_ask_*` responses
    and the form's own prompts in knowledge/replies.yml (the text before any placeholder)."""
    domain = yaml.safe_load((ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
    texts = [variant.get("text") or "" for name, variants in (domain.get("responses") or {}).items()
             if name.startswith("utter_ask_") for variant in variants]
    texts += [reply.text for key, reply in load().replies.items() if key.startswith("interpreter_")]
    prefixes = {" ".join(text.split("{")[0].split())[:60] for text in texts}
    return tuple(sorted(prefix for prefix in prefixes if len(prefix) >= 15))


def _plain_outcome(text: str) -> str:
    """A reply without a payload: the form asking its next question, small talk, or nothing."""
    if not text.strip():
        return "other"
    flat = " ".join(text.split())
    return "interpreter_form" if any(prefix in flat for prefix in form_prompts()) else "small_talk"


def read_reply(replies: Sequence[dict]) -> dict:
    """What kind of reply the bot gave, from the `custom` payloads its actions attach."""
    payloads = [reply["custom"] for reply in replies if isinstance(reply.get("custom"), dict)]
    # The clinic finder's reply (actions/clinics.py) answers with a program or the overview of places.
    payloads = [{**payload, "type": "answer"} if payload.get("type") == "clinic" else payload
                for payload in payloads]
    text = "\n\n".join(reply["text"] for reply in replies if reply.get("text"))
    for kind in PAYLOAD_OUTCOMES:
        for payload in payloads:
            if payload.get("type") == kind:
                # A message with several questions gets one answer each: its topic is all of them.
                answered = tuple(p["topic_id"] for p in payloads if p.get("type") == "answer")
                topic = (answered[0] if len(answered) == 1 else list(answered)) if kind == "answer" else None
                return {"outcome": kind, "topic_id": topic,
                        "confidence": payload.get("confidence"), "options": payload.get("options"),
                        "signals": payload.get("signals"), "reply": text}
    outcome = None
    for payload in payloads:
        kind = payload.get("type")
        if kind == "interpreter_request":
            outcome = REQUEST_STATUSES.get(str(payload.get("status")), "other")
        elif kind in OTHER_PAYLOADS:
            outcome = OTHER_PAYLOADS[kind]
        if outcome:
            break
    return {"outcome": outcome or _plain_outcome(text), "topic_id": None, "confidence": None, "options": None,
            "signals": None, "reply": text}


def ask_all(rest_url: str, questions: Sequence[Question]) -> List[dict]:
    """Each question in its own new conversation. The session is opened first, as the widget does,
    so the reply read is the reply to the question."""
    records = []
    with httpx.Client(timeout=60) as client:
        for question in questions:
            sender = f"evaluate-{uuid.uuid4()}"
            client.post(rest_url, json={"sender": sender, "message": "/session_start"}).raise_for_status()
            started = time.perf_counter()
            response = client.post(rest_url, json={"sender": sender, "message": question.text})
            response.raise_for_status()
            record = {"text": question.text, "expect": list(question.expect) or None}
            record.update(read_reply(response.json()))
            record["seconds"] = round(time.perf_counter() - started, 3)
            right, wrong = judge(question, record["outcome"], record["topic_id"])
            record["right"], record["confidently_wrong"] = right, wrong
            records.append(record)
    return records


# --- figures -------------------------------------------------------------------------------
def figures(questions: Sequence[Question], outcomes: Sequence[str], topics: Sequence[Optional[str]]) -> dict:
    counts = {name: 0 for name in ("answer", "clarify", "defer", "emergency", "other")}
    right = wrong = labelled = 0
    by_category: Dict[str, Dict[str, int]] = {}
    by_language: Dict[str, Dict[str, int]] = {}
    for question, outcome, topic in zip(questions, outcomes, topics):
        counts[outcome] = counts.get(outcome, 0) + 1
        is_right, is_wrong = judge(question, outcome, topic)
        wrong += is_wrong
        if is_right is None:
            continue
        labelled += 1
        right += is_right
        for table, key in ((by_category, question.category), (by_language, question.language)):
            cell = table.setdefault(key, {"total": 0, "right": 0, "confidently_wrong": 0})
            cell["total"] += 1
            cell["right"] += is_right
            cell["confidently_wrong"] += is_wrong
    result = {"questions": len(questions), "outcomes": counts, "labelled": labelled,
              "right": right, "confidently_wrong": wrong, "by_category": by_category,
              "by_language": by_language}
    if labelled:
        result["right_rate"] = right / labelled
        result["confidently_wrong_rate"] = wrong / labelled
    return result


def replay(records: Sequence[dict], thresholds: Thresholds):
    """The outcomes the decision would give with other thresholds, from the recorded signals.
    Replies that did not come from the decision (emergencies, small talk) keep their outcome."""
    outcomes, topics = [], []
    for record in records:
        if record.get("signals"):  # only replies the decision gave carry its signals
            decision, several = decide_message(Signals.from_dict(record["signals"]), thresholds)
            outcomes.append("answer" if several else decision.outcome)
            topics.append(list(several) if several else decision.topic_id)
        else:
            outcomes.append(record["outcome"])
            topics.append(record["topic_id"])
    return outcomes, topics


def _ranked(questions: Sequence[Question], records: Sequence[dict], current: Thresholds, grid: dict) -> list:
    """(key, thresholds, figures) for each grid point within MAX_CONFIDENTLY_WRONG, best first:
    the most right answers, then the fewest confidently wrong, then the strictest answer threshold."""
    kept = []
    for weight, answer, margin, out_of_scope, override in itertools.product(*grid.values()):
        candidate = replace(current, selector_weight=float(weight), answer=float(answer), margin=float(margin),
                            out_of_scope=float(out_of_scope), override=float(override),
                            clarify=min(current.clarify, float(answer)))
        result = figures(questions, *replay(records, candidate))
        if result["confidently_wrong_rate"] <= MAX_CONFIDENTLY_WRONG:
            kept.append(((result["right"], -result["confidently_wrong"], float(answer)), candidate, result))
    return sorted(kept, key=lambda item: item[0], reverse=True)


def _around(value: float, step: float, low: float = 0.0, high: float = 1.0) -> List[float]:
    return sorted({round(min(high, max(low, value + k * step)), 3) for k in (-2, -1, 0, 1, 2)})


def calibrate(questions: Sequence[Question], records: Sequence[dict], current: Thresholds) -> dict:
    """A coarse grid over the thresholds, then finer steps around its best points. The best is the
    one that handles the most questions right while keeping confidently wrong answers at or under
    MAX_CONFIDENTLY_WRONG."""
    grid = {
        "selector_weight": (0.0, 0.15, 0.25, 0.35, 0.5, 0.7),
        "answer": np.round(np.arange(0.40, 0.801, 0.05), 3),
        "margin": (0.0, 0.03, 0.06, 0.1, 0.15, 0.2),
        "out_of_scope": (0.01, 0.05, 0.5),
        "override": (0.8, 0.9, 1.01),
    }
    ranked = _ranked(questions, records, current, grid)
    # The coarse grid's steps are wider than the differences that matter, so around the best point
    # of each selector weight the search goes on with finer steps.
    seeds: Dict[float, Thresholds] = {}
    for _, point, _ in ranked:
        seeds.setdefault(point.selector_weight, point)
    for point in seeds.values():
        fine = {
            "selector_weight": _around(point.selector_weight, 0.05),
            "answer": _around(point.answer, 0.02),
            "margin": _around(point.margin, 0.01),
            "out_of_scope": (point.out_of_scope,),
            "override": (point.override,),
        }
        ranked = sorted(ranked + _ranked(questions, records, current, fine), key=lambda item: item[0], reverse=True)
    best = ranked[0] if ranked else None
    curve = []
    for answer in np.round(np.arange(0.30, 0.951, 0.025), 3):
        candidate = replace(current, answer=float(answer), clarify=min(current.clarify, float(answer)))
        result = figures(questions, *replay(records, candidate))
        curve.append({"answer": float(answer), "right_rate": result["right_rate"],
                      "confidently_wrong_rate": result["confidently_wrong_rate"],
                      "clarify": result["outcomes"]["clarify"] / len(questions),
                      "defer": result["outcomes"]["defer"] / len(questions)})
    return {"grid": {name: [float(v) for v in values] for name, values in grid.items()},
            "best": asdict(best[1]) if best else None, "best_figures": best[2] if best else None,
            "curve": curve}


# --- baseline ------------------------------------------------------------------------------
class Baseline:
    """Plain semantic search: each topic's title and answer embedded with the same MiniLM model,
    the closest one answered when its cosine similarity reaches one threshold, else deferred.
    No NLU, no example questions, no emergency rules."""

    def __init__(self, kb: KnowledgeBase, model) -> None:
        self.topic_ids = list(kb.topics)
        passages = [f"{topic.title}. {topic.answer}" for topic in kb.topics.values()]
        self._model = model
        self._passages = model.encode(passages)

    def closest(self, texts: Sequence[str]):
        queries = self._model.encode(list(texts), batch_size=64)
        similarities = queries @ self._passages.T
        best = similarities.argmax(axis=1)
        return [self.topic_ids[i] for i in best], similarities[np.arange(len(texts)), best]


def evaluate_baseline(questions: Sequence[Question], kb: KnowledgeBase, model) -> dict:
    topics, scores = Baseline(kb, model).closest([question.text for question in questions])
    curve, best = [], None
    for threshold in np.round(np.arange(0.0, 0.951, 0.025), 3):
        outcomes = ["answer" if score >= threshold else "defer" for score in scores]
        answered = [topic if outcome == "answer" else None for topic, outcome in zip(topics, outcomes)]
        result = figures(questions, outcomes, answered)
        curve.append({"threshold": float(threshold), "right_rate": result["right_rate"],
                      "confidently_wrong_rate": result["confidently_wrong_rate"]})
        if best is None or result["right"] > best[1]["right"]:
            best = (float(threshold), result)
    return {"threshold": best[0], "figures": best[1], "curve": curve}


# --- cross-validation ------------------------------------------------------------------------
def cross_validation(directory: Optional[Path]) -> Optional[dict]:
    if not directory:
        return None
    report_file = Path(directory) / "intent_report.json"
    if not report_file.exists():
        return None
    report = json.loads(report_file.read_text(encoding="utf-8"))
    intents = {name: values for name, values in report.items() if isinstance(values, dict) and "f1-score" in values
               and name not in ("micro avg", "macro avg", "weighted avg")}
    return {"macro_f1": report["macro avg"]["f1-score"], "accuracy": report.get("accuracy"),
            "per_intent_f1": {name: values["f1-score"] for name, values in sorted(intents.items())}}


# --- output ----------------------------------------------------------------------------------
def percent(value: Optional[float]) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def summary_line(name: str, result: dict) -> str:
    counts = ", ".join(f"{outcome} {count}" for outcome, count in result["outcomes"].items())
    line = f"{name}: {result['questions']} questions ({counts})"
    if result["labelled"]:
        line += (f"; handled right {percent(result['right_rate'])} ({result['right']}/{result['labelled']})"
                 f", confidently wrong {percent(result['confidently_wrong_rate'])}"
                 f" ({result['confidently_wrong']}/{result['labelled']})")
        emergencies = result["by_category"].get("emergency")
        if emergencies:
            line += f", emergencies escalated {emergencies['right']}/{emergencies['total']}"
    return line


def markdown(summary: dict) -> str:
    bot, base = summary["bot"], summary["baseline"]
    lines = [f"# Evaluation: {summary['questions_file']}", "",
             f"Run {summary['finished']} through the real Rasa and action servers over REST.", "",
             "| | the bot | baseline (MiniLM over the answers, one threshold) |", "|---|---|---|"]
    if bot["labelled"]:
        lines += [f"| handled right | {percent(bot['right_rate'])} | {percent(base['figures'].get('right_rate'))} |",
                  f"| confidently wrong | {percent(bot['confidently_wrong_rate'])} | "
                  f"{percent(base['figures'].get('confidently_wrong_rate'))} |"]
        for category in ("answer", "defer", "emergency"):
            mine, theirs = bot["by_category"].get(category), base["figures"]["by_category"].get(category)
            if mine:
                lines.append(f"| {category}: right | {mine['right']}/{mine['total']} | "
                             f"{theirs['right']}/{theirs['total']} |")
    lines += ["", "Outcomes: " + ", ".join(f"{k} {v}" for k, v in bot["outcomes"].items()), "",
              f"Baseline threshold (its best on this set): {base['threshold']}", ""]
    if summary.get("gap"):
        lines += [f"Gap to the baseline: {summary['gap']}", ""]
    lines += ["## Thresholds", "", "| threshold | in use | calibration's best |", "|---|---|---|"]
    best = (summary.get("calibration") or {}).get("best") or {}
    for name, value in summary["thresholds"].items():
        lines.append(f"| {name} | {value} | {best.get(name, 'n/a')} |")
    cv = summary.get("cross_validation")
    if cv:
        lines += ["", "## Intent classification, 5-fold cross-validation (no FallbackClassifier)", "",
                  f"Macro F1 {cv['macro_f1']:.3f}; accuracy {cv['accuracy']:.3f}" if cv.get("accuracy") is not None
                  else f"Macro F1 {cv['macro_f1']:.3f}", "", "| intent | F1 |", "|---|---|"]
        lines += [f"| {name} | {f1:.3f} |" for name, f1 in cv["per_intent_f1"].items()]
    wrong = [record for record in summary.get("_records", []) if record["confidently_wrong"]]
    if wrong:
        lines += ["", "## Confidently wrong", ""]
        lines += [f"- \"{record['text']}\": expected {', '.join(record['expect'])}, answered {record['topic_id']}"
                  for record in wrong]
    return "\n".join(lines) + "\n"


def report_questions(questions_file: Path, questions: Sequence[Question], records: Sequence[dict], out: Path,
                     kb: KnowledgeBase, cv_dir: Optional[Path], calibrate_on_it: bool) -> dict:
    """The figures of one question file's records, written under `out`. Only a calibration set
    (the dev set) gets the thresholds' grid search: a test set is reported, never tuned on."""
    from knowledge.minilm import get_encoder

    out.mkdir(parents=True, exist_ok=True)
    with (out / "questions.jsonl").open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    thresholds = Thresholds.from_env()
    bot = figures(questions, [r["outcome"] for r in records], [r["topic_id"] for r in records])
    baseline = evaluate_baseline(questions, kb, get_encoder())
    summary = {"questions_file": str(questions_file), "finished": time.strftime("%Y-%m-%d %H:%M"),
               "role": "calibration" if calibrate_on_it else "report only (frozen: never tuned on)",
               "bot": bot, "baseline": baseline, "thresholds": asdict(thresholds),
               "cross_validation": cross_validation(cv_dir)}
    if bot["labelled"]:
        summary["gap"] = (f"{100 * (bot['right_rate'] - baseline['figures']['right_rate']):+.1f} points handled right, "
                          f"{100 * (bot['confidently_wrong_rate'] - baseline['figures']['confidently_wrong_rate']):+.1f}"
                          " points confidently wrong")
        confusion = {}
        for record, question in zip(records, questions):
            column = record["outcome"]
            if column == "answer":
                column = "right topic" if record["right"] else "wrong topic"
            row = confusion.setdefault(question.category, {})
            row[column] = row.get(column, 0) + 1
        (out / "confusion.json").write_text(json.dumps(confusion, indent=1))
    if bot["labelled"] and calibrate_on_it:
        calibration = calibrate(questions, records, thresholds)
        summary["calibration"] = {key: calibration[key] for key in ("grid", "best", "best_figures")}
        (out / "tradeoff.json").write_text(json.dumps(
            {"bot": calibration["curve"], "baseline": baseline["curve"],
             "in_use": {"answer": thresholds.answer, "right_rate": bot["right_rate"],
                        "confidently_wrong_rate": bot["confidently_wrong_rate"]}}, indent=1))
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    (out / "summary.md").write_text(markdown({**summary, "_records": records}), encoding="utf-8")
    name = questions_file.stem
    summary["lines"] = [summary_line(f"{name}: bot", bot), summary_line(f"{name}: baseline", baseline["figures"])]
    if summary.get("gap"):
        summary["lines"].append(f"{name}: gap to baseline: {summary['gap']}")
    return summary


def report_conversations(conversations_file: Path, records: Sequence[dict], out: Path, frozen: bool) -> dict:
    from evaluation import conversations

    out.mkdir(parents=True, exist_ok=True)
    with (out / "conversations.jsonl").open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    result = conversations.conversation_figures(records)
    summary = {"conversations_file": str(conversations_file), "finished": time.strftime("%Y-%m-%d %H:%M"),
               "role": "report only (frozen: never tuned on)" if frozen else "calibration", "bot": result}
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    (out / "summary.md").write_text(conversations.markdown(str(conversations_file), result, records),
                                    encoding="utf-8")
    summary["lines"] = [conversations.summary_line(conversations_file.stem, result)]
    return summary


def evaluate(question_files: Sequence[Path], out: Path, rest_url: Optional[str], cv_dir: Optional[Path],
             test_question_files: Sequence[Path] = (), conversation_files: Sequence[Path] = (),
             dev_conversation_files: Sequence[Path] = ()) -> dict:
    """Every file through the same servers: question files and dev conversation files (calibration),
    test question and conversation files (reported only). Each file's results go to
    out/<file name>/."""
    from evaluation.conversations import load_conversations, run_all

    kb = load()
    plan = [(path, load_questions(path, kb), True) for path in question_files]
    plan += [(path, load_questions(path, kb), False) for path in test_question_files]
    scripted = [(path, load_conversations(path, kb), False) for path in dev_conversation_files]
    scripted += [(path, load_conversations(path, kb), True) for path in conversation_files]

    def run(url: str) -> dict:
        results: Dict[str, dict] = {}
        for path, questions, calibrate_on_it in plan:
            records = ask_all(url, questions)
            results[path.stem] = report_questions(path, questions, records, out / path.stem, kb, cv_dir,
                                                  calibrate_on_it)
        for path, items, frozen in scripted:
            results[path.stem] = report_conversations(path, run_all(url, items), out / path.stem, frozen)
        return results

    if rest_url:
        results = run(rest_url)
    else:
        from bot.servers import Servers

        with tempfile.TemporaryDirectory(prefix="evaluate-") as workdir, Servers(Path(workdir)) as servers:
            results = run(servers.rest_url)
    lines = [line for summary in results.values() for line in summary["lines"]]
    cv = cross_validation(cv_dir)
    if cv:
        lines.append(f"intent macro F1 (5-fold CV): {cv['macro_f1']:.3f}")
    overview = {name: {key: value for key, value in summary.items() if key not in ("lines", "baseline")}
                for name, summary in results.items()}
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(overview, indent=1))
    return {"results": results, "lines": lines}


def main(argv: Optional[Iterable[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, action="append",
                        help="a question file to calibrate on (default tests/dev_set.yml); may be repeated")
    parser.add_argument("--conversations", type=Path, action="append", default=[],
                        help="a conversation file to calibrate on (evaluation/conversations.py); may be repeated")
    parser.add_argument("--test-questions", type=Path, action="append", default=[],
                        help="a frozen question file, reported and never calibrated on; may be repeated")
    parser.add_argument("--test-conversations", type=Path, action="append", default=[],
                        help="a frozen conversation file (evaluation/conversations.py); may be repeated")
    parser.add_argument("--out", type=Path, default=Path("results/evaluate"))
    parser.add_argument("--rest-url", help="a running bot's REST webhook; by default the servers are started")
    parser.add_argument("--cv", type=Path, help="the cross-validation results directory")
    args = parser.parse_args(list(argv) if argv is not None else None)
    questions = args.questions if args.questions is not None else (
        [] if args.test_questions or args.test_conversations or args.conversations else [Path("tests/dev_set.yml")])
    try:
        summary = evaluate(questions, args.out, args.rest_url, args.cv, args.test_questions, args.test_conversations,
                           args.conversations)
    except QuestionFileError as error:
        print(f"evaluate: {error}", file=sys.stderr)
        return 2
    for line in summary["lines"]:
        print(line)
    print(f"results: {args.out}/<file name>/ (questions.jsonl or conversations.jsonl, summary.md, summary.json)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
