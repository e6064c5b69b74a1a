"""`make bench`: latency, throughput, memory, start-up, training time and the delay before a
knowledge/ edit shows up in replies, for this project and, side by side, for the stock `rasa init`
pipeline and policies trained on the same data (no action server, no action-side retrieval).

Load goes over the REST channel from a small asyncio httpx client. Each simulated family runs
whole conversations one message at a time (it waits for each reply), drawn from the dev set:
questions with follow-ups, deferrals, small talk, a few emergencies and the interpreter form.

Writes results/bench/bench.json and results/bench/bench.md. `--quick` (run by `make test`)
skips training and the stock pipeline and runs two short load levels, to prove the benchmark
works; its figures are not the benchmark.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import httpx
import numpy as np
import yaml

from bot.servers import RASA_BIN, ROOT, Servers
from evaluation.questions import Question, load_questions
from knowledge import load

LEVELS = (1, 5, 20, 50)
QUICK_LEVELS = (1, 5)
STOCK_DIR = ROOT / "build" / "bench" / "stock"
LOG_DIR = ROOT / "var" / "log"
STOCK_MODEL = STOCK_DIR / "models" / "stock.tar.gz"
EDIT_TOPIC = "what_is_neuroblastoma"
EDIT_QUESTION = "what is neuroblastoma"
FORM = ["I want to request an interpreter", "Spanish", "Skip", "Email", "parent@example.org", "No"]
GOALS_TEXT = {
    "p95_one_user": "p95 <= 60 ms with one user",
    "twenty_users": ">= 50 messages/s with p95 <= 500 ms and 0 errors at 20 users",
    "cold_start": "cold start <= 30 s",
    "knowledge_edit": "a knowledge/ edit is live in <= 5 s",
    "rss": "total RSS <= 1.5 GB",
}


# --- the message mix -------------------------------------------------------------------------
@dataclass(frozen=True)
class Mix:
    answerable: Sequence[str]
    deferrals: Sequence[str]
    emergencies: Sequence[str]

    @classmethod
    def from_dev_set(cls, questions: Sequence[Question]) -> "Mix":
        labelled = [q for q in questions if q.expect]
        return cls([q.text for q in labelled if q.expect[0] not in ("defer", "emergency")],
                   [q.text for q in labelled if q.expect[0] == "defer"],
                   [q.text for q in labelled if q.expect[0] == "emergency"])

    def conversation(self, rng: random.Random) -> List[str]:
        """One family's conversation: mostly questions with a follow-up, some small talk and
        deferrals, the interpreter form one time in ten, an emergency one time in twenty."""
        kind = rng.choices(["questions", "chat", "form", "emergency"], weights=[55, 30, 10, 5])[0]
        if kind == "questions":
            return [rng.choice(self.answerable), "tell me more", rng.choice(self.answerable),
                    rng.choice(self.deferrals), "thank you"]
        if kind == "chat":
            return ["hi", rng.choice(self.answerable), "what else?", rng.choice(self.deferrals)]
        if kind == "form":
            return list(FORM)
        return [rng.choice(self.emergencies)]


# --- measuring ------------------------------------------------------------------------------
def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, from /proc."""
    total_kb, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total_kb += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, StopIteration):
            continue
    return round(total_kb / 1024, 1)


def memory(servers: Servers) -> Dict[str, float]:
    figures = {name: rss_mb(process.pid) for name, process in servers.processes.items()}
    figures["total"] = round(sum(figures.values()), 1)
    return figures


def answered(response: httpx.Response) -> bool:
    if response.status_code != 200:
        return False
    replies = response.json()
    return isinstance(replies, list) and any(reply.get("text") for reply in replies)


async def run_level(rest_url: str, users: int, seconds: float, mix: Mix, seed: int) -> dict:
    """`users` families at once, each sending its next message as soon as the last was answered,
    for `seconds`; a message counts as an error if it fails or gets no text back."""
    latencies: List[float] = []
    errors = 0
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)

    async def family(client: httpx.AsyncClient, number: int) -> None:
        nonlocal errors
        rng = random.Random(seed * 1000 + number)
        while time.monotonic() < deadline:
            sender = f"bench-{uuid.UUID(int=rng.getrandbits(128))}"
            for text in mix.conversation(rng):
                if time.monotonic() >= deadline:
                    return
                started = time.perf_counter()
                try:
                    ok = answered(await client.post(rest_url, json={"sender": sender, "message": text}))
                except (httpx.HTTPError, ValueError):
                    ok = False
                if ok:
                    latencies.append(time.perf_counter() - started)
                else:
                    errors += 1

    started = time.monotonic()
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        await asyncio.gather(*(family(client, number) for number in range(users)))
    elapsed = time.monotonic() - started
    values = np.array(latencies) * 1000 if latencies else np.array([np.nan])
    return {
        "users": users,
        "seconds": round(elapsed, 2),
        "messages": len(latencies) + errors,
        "errors": errors,
        "messages_per_second": round(len(latencies) / elapsed, 2),
        "p50_ms": round(float(np.percentile(values, 50)), 1),
        "p95_ms": round(float(np.percentile(values, 95)), 1),
        "p99_ms": round(float(np.percentile(values, 99)), 1),
    }


def first_answer_seconds(servers: Servers, started: float, timeout: float = 300) -> float:
    """From launching the servers to the first answered question."""
    while time.monotonic() - started < timeout:
        try:
            response = httpx.post(servers.rest_url, json={"sender": f"bench-{uuid.uuid4()}", "message": EDIT_QUESTION},
                                  timeout=60)
            if answered(response):
                return round(time.monotonic() - started, 2)
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("no answer from the servers")


def knowledge_edit_seconds(servers: Servers, knowledge_dir: Path, timeout: float = 60) -> float:
    """Edit an answer in the served knowledge/ copy; time until a new question gets the new text."""
    marker = f"(Benchmark edit {uuid.uuid4().hex[:8]}.)"
    for path in knowledge_dir.glob("topics_*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for topic in data["topics"]:
            if topic["id"] == EDIT_TOPIC:
                topic["answer"] = topic["answer"].rstrip() + " " + marker + "\n"
                path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
                break
        else:
            continue
        break
    edited = time.monotonic()
    while time.monotonic() - edited < timeout:
        response = httpx.post(servers.rest_url, json={"sender": f"bench-{uuid.uuid4()}", "message": EDIT_QUESTION},
                              timeout=60)
        if marker in json.dumps(response.json()):
            return round(time.monotonic() - edited, 2)
        time.sleep(0.1)
    raise RuntimeError(f"the edit did not show up in {timeout} s")


def load_levels(servers: Servers, levels: Sequence[int], seconds: float, mix: Mix) -> List[dict]:
    # A short warm-up, so the first level does not pay for first-use work.
    asyncio.run(run_level(servers.rest_url, 1, min(seconds, 3), mix, seed=99))
    results = []
    for users in levels:
        result = asyncio.run(run_level(servers.rest_url, users, seconds, mix, seed=users))
        print(f"  {users:>2} users: {result['messages_per_second']:6.1f} msg/s, p50 {result['p50_ms']:.0f} ms, "
              f"p95 {result['p95_ms']:.0f} ms, p99 {result['p99_ms']:.0f} ms, {result['errors']} errors", flush=True)
        results.append(result)
    return results


# --- training -------------------------------------------------------------------------------
def timed(command: List[str], log: Path, env: Optional[Dict[str, str]] = None) -> float:
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with log.open("wb") as out:
        result = subprocess.run(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed; see {log}")
    return round(time.monotonic() - started, 1)


def train_project(workdir: Path) -> float:
    """What `make train` does from nothing: the spaCy pipeline, the generated NLU data and `rasa
    train` with an empty cache (into workdir; models/ and build/ are left alone)."""
    python = str(RASA_BIN / "python")
    workdir.mkdir(parents=True, exist_ok=True)
    seconds = timed([python, "bot/spacy_pipeline.py", str(workdir / "spacy")], LOG_DIR / "bench-spacy.log")
    seconds += timed([python, "bot/training_data.py", str(workdir / "nlu_knowledge.yml")], LOG_DIR / "bench-nlu.log")
    seconds += timed([str(RASA_BIN / "rasa"), "train", "--data", "nlu", "stories", "build/data", "--domain",
                      "bot/domain.yml", "--config", "config.yml", "--out", str(workdir / "models"),
                      "--fixed-model-name", "project"], LOG_DIR / "bench-train-project.log",
                     {"RASA_CACHE_DIRECTORY": str(workdir / "cache")})
    return round(seconds, 1)


def stock_config() -> dict:
    """The pipeline and policies `rasa init` uses: Rasa's own default config, read from the
    installed package."""
    found = sorted((ROOT / ".venv" / "rasa" / "lib").glob(
        "python3.*/site-packages/rasa/engine/recipes/config_files/default_config.yml"))
    if not found:
        raise RuntimeError("Rasa's default_config.yml is missing: run make install")
    config = yaml.safe_load(found[0].read_text(encoding="utf-8"))
    config["assistant_id"] = "stock-rasa-init-benchmark"
    return config


def write_stock_project() -> Path:
    """The same NLU data and responses with the stock pipeline: every intent answered by a
    response (ask_question by the ResponseSelector's utter_ask_question), no custom actions."""
    kb = load()
    domain = yaml.safe_load((ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
    responses = {key: value for key, value in domain["responses"].items() if not key.startswith("utter_ask_")}
    responses["utter_defer"] = [{"text": kb.replies["defer"].text}]
    responses["utter_emergency"] = [{"text": kb.emergency.reply}]
    answers = {"greet": "utter_greet", "goodbye": "utter_goodbye", "thank": "utter_thanks",
               "bot_challenge": "utter_iamabot", "emergency": "utter_emergency", "ask_question": "utter_ask_question"}
    intents = [intent for intent in domain["intents"] if isinstance(intent, str)]
    rules = [{"rule": f"answer {intent}", "steps": [{"intent": intent}, {"action": answers.get(intent, "utter_defer")}]}
             for intent in intents + ["nlu_fallback"]]
    data = STOCK_DIR / "data"
    if STOCK_DIR.exists():
        shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True, exist_ok=True)
    (STOCK_DIR / "config.yml").write_text(yaml.safe_dump(stock_config(), sort_keys=False), encoding="utf-8")
    stock_domain = {"version": "3.1", "intents": intents, "entities": domain.get("entities", []),
                    "responses": responses,
                    "session_config": domain.get("session_config", {"session_expiration_time": 60,
                                                                    "carry_over_slots_to_new_session": True})}
    (STOCK_DIR / "domain.yml").write_text(yaml.safe_dump(stock_domain, sort_keys=False, allow_unicode=True),
                                          encoding="utf-8")
    (data / "rules.yml").write_text(yaml.safe_dump({"version": "3.1", "rules": rules}, sort_keys=False),
                                    encoding="utf-8")
    return STOCK_DIR


def train_stock(workdir: Path) -> float:
    project = write_stock_project()
    seconds = timed([str(RASA_BIN / "rasa"), "train", "--data", "nlu", "build/data", str(project / "data"),
                     "--domain", str(project / "domain.yml"), "--config", str(project / "config.yml"),
                     "--out", str(STOCK_MODEL.parent), "--fixed-model-name", "stock"], LOG_DIR / "bench-train-stock.log",
                    {"RASA_CACHE_DIRECTORY": str(workdir / "cache-stock")})
    return seconds


# --- one pipeline ---------------------------------------------------------------------------
def bench_pipeline(name: str, workdir: Path, levels: Sequence[int], seconds: float, mix: Mix,
                   model: Optional[Path] = None) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    knowledge_dir = workdir / "knowledge"
    knowledge_dir.mkdir()
    for path in (ROOT / "knowledge").glob("*.yml"):
        shutil.copy(path, knowledge_dir)
    servers = Servers(workdir, **({"model": model} if model else {}), KNOWLEDGE_DIR=str(knowledge_dir))
    names = ("actions", "rasa") if name == "project" else ("rasa",)
    print(f"{name}: starting {' and '.join(names)}", flush=True)
    started = time.monotonic()
    try:
        servers.start_together(names)
        cold = first_answer_seconds(servers, started)
        before = memory(servers)
        results = load_levels(servers, levels, seconds, mix)
        after = memory(servers)
        edit = knowledge_edit_seconds(servers, knowledge_dir) if name == "project" else None
    finally:
        servers.stop_all()
    return {"cold_start_seconds": cold, "rss_mb_before": before, "rss_mb_after": after, "levels": results,
            "knowledge_edit_seconds": edit}


# --- the report -----------------------------------------------------------------------------
def goals(project: dict) -> List[dict]:
    levels = {level["users"]: level for level in project["levels"]}
    one, twenty = levels.get(1), levels.get(20)
    peak_rss = max(project["rss_mb_before"]["total"], project["rss_mb_after"]["total"])
    checks = [
        ("p95_one_user", one and f"{one['p95_ms']:.0f} ms", one and one["p95_ms"] <= 60),
        ("twenty_users", twenty and f"{twenty['messages_per_second']:.1f} msg/s, p95 {twenty['p95_ms']:.0f} ms, "
                                    f"{twenty['errors']} errors",
         twenty and twenty["messages_per_second"] >= 50 and twenty["p95_ms"] <= 500 and twenty["errors"] == 0),
        ("cold_start", f"{project['cold_start_seconds']:.1f} s", project["cold_start_seconds"] <= 30),
        ("knowledge_edit", project["knowledge_edit_seconds"] is not None and f"{project['knowledge_edit_seconds']:.1f} s",
         project["knowledge_edit_seconds"] is not None and project["knowledge_edit_seconds"] <= 5),
        ("rss", f"{peak_rss / 1024:.2f} GB", peak_rss <= 1536),
    ]
    return [{"goal": key, "text": GOALS_TEXT[key], "value": value or "not measured",
             "met": bool(met) if value else None} for key, value, met in checks]


def machine() -> dict:
    memory_kb = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal:")), 0)
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gb": round(memory_kb / 1024 ** 2, 1),
            "os": platform.platform(), "gpu": False}


def _number(value, unit: str = "", digits: int = 0) -> str:
    return "–" if value is None else f"{value:.{digits}f}{unit}"


def _ratio(ours, theirs) -> str:
    return "–" if ours is None or not theirs else f"{ours / theirs:.2f}"


def markdown(report: dict) -> str:
    """The side-by-side table and the goals, for README.md and the closing note."""
    project, stock = report["pipelines"]["project"], report["pipelines"].get("stock")
    lines = [f"Benchmark ({report['mode']} mode), {report['date'][:10]}: {report['machine']['cpus']} cores "
             f"({report['machine']['cpu']}), {report['machine']['memory_gb']} GB, no GPU; "
             f"{report['seconds_per_level']:.0f} s per load level.", "",
             "| measure | this project | stock `rasa init` | project / stock |", "| --- | ---: | ---: | ---: |"]

    def row(label: str, ours: str, theirs: str, ratio: str) -> None:
        lines.append(f"| {label} | {ours} | {theirs} | {ratio} |")

    def simple(label: str, get, unit: str, digits: int = 0) -> None:
        ours, theirs = get(project), get(stock) if stock else None
        row(label, _number(ours, unit, digits), _number(theirs, unit, digits), _ratio(ours, theirs))

    simple("`make train`, from nothing", lambda p: p.get("train_seconds"), " s")
    simple("cold start to first answer", lambda p: p["cold_start_seconds"], " s", 1)
    simple("RSS before load, all servers", lambda p: p["rss_mb_before"]["total"], " MB")
    simple("RSS after load, all servers", lambda p: p["rss_mb_after"]["total"], " MB")
    simple("RSS after load, Rasa server", lambda p: p["rss_mb_after"].get("rasa"), " MB")
    simple("RSS after load, action server", lambda p: p["rss_mb_after"].get("actions"), " MB")
    for index, ours in enumerate(project["levels"]):
        theirs = stock["levels"][index] if stock else None
        users = ours["users"]
        row(f"{users} users: messages/s", f"{ours['messages_per_second']:.1f}",
            _number(theirs and theirs["messages_per_second"], "", 1),
            _ratio(ours["messages_per_second"], theirs and theirs["messages_per_second"]))
        row(f"{users} users: p50 / p95 / p99", " / ".join(f"{ours[k]:.0f}" for k in ("p50_ms", "p95_ms", "p99_ms")) + " ms",
            " / ".join(f"{theirs[k]:.0f}" for k in ("p50_ms", "p95_ms", "p99_ms")) + " ms" if theirs else "–",
            _ratio(ours["p95_ms"], theirs and theirs["p95_ms"]) + (" (p95)" if theirs else ""))
        row(f"{users} users: errors / messages", f"{ours['errors']} / {ours['messages']}",
            f"{theirs['errors']} / {theirs['messages']}" if theirs else "–", "")
    simple("knowledge/ edit live after", lambda p: p.get("knowledge_edit_seconds"), " s", 1)
    lines += ["", "| goal | this project | met |", "| --- | --- | --- |"]
    for goal in report["goals"]:
        lines.append(f"| {goal['text']} | {goal['value']} | {({True: 'yes', False: '**no**', None: '–'})[goal['met']]} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="no training, no stock pipeline, 1 and 5 users briefly")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench")
    parser.add_argument("--seconds", type=float, help="how long each load level runs (default 30, quick 4)")
    parser.add_argument("--levels", help="comma-separated concurrent users (default 1,5,20,50; quick 1,5)")
    parser.add_argument("--reuse-models", action="store_true",
                        help="serve the models already trained (make train's, and the stock one of an earlier "
                             "run, trained now if missing) instead of timing training from nothing")
    args = parser.parse_args(argv)
    levels = [int(value) for value in args.levels.split(",")] if args.levels else (QUICK_LEVELS if args.quick else LEVELS)
    seconds = args.seconds or (4.0 if args.quick else 30.0)
    mix = Mix.from_dev_set(load_questions(ROOT / "tests" / "dev_set.yml", load()))

    mode = "quick" if args.quick else "full, models reused" if args.reuse_models else "full"
    report: dict = {"mode": mode, "date": datetime.now(timezone.utc).isoformat(),
                    "machine": machine(), "seconds_per_level": seconds,
                    "mix": {"answerable": len(mix.answerable), "deferrals": len(mix.deferrals),
                            "emergencies": len(mix.emergencies), "form": FORM}, "pipelines": {}}
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        work = Path(scratch)
        train = {}
        if args.reuse_models and not args.quick and not STOCK_MODEL.is_file():
            print("Training the stock rasa init pipeline on the same data (not timed)", flush=True)
            train_stock(work)
        elif not args.quick and not args.reuse_models:
            print(f"Training this project from nothing (about 8 minutes); logs: {LOG_DIR}/bench-*.log", flush=True)
            train["project"] = train_project(work / "train-project")
            print(f"  {train['project']:.0f} s\nTraining the stock rasa init pipeline on the same data", flush=True)
            train["stock"] = train_stock(work)
            print(f"  {train['stock']:.0f} s", flush=True)
        project = bench_pipeline("project", work / "project", levels, seconds, mix)
        project["train_seconds"] = train.get("project")
        report["pipelines"]["project"] = project
        if not args.quick:
            stock = bench_pipeline("stock", work / "stock", levels, seconds, mix, model=STOCK_MODEL)
            stock["train_seconds"] = train.get("stock")
            report["pipelines"]["stock"] = stock
    report["goals"] = goals(report["pipelines"]["project"])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    table = markdown(report)
    (args.out / "bench.md").write_text(table, encoding="utf-8")
    print("\n" + table + f"\nWritten: {args.out / 'bench.json'}, {args.out / 'bench.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
