"""`make bench` is not a timed test: here only its quick mode runs, against the real servers, and
must write a well-formed report. Its figures are not checked against the goals."""
from __future__ import annotations

import json
import subprocess
import sys

from bot.servers import ROOT
from evaluation.bench import GOALS_TEXT, Mix, write_stock_project
from evaluation.questions import load_questions
from knowledge import load


def test_the_quick_benchmark_runs_and_writes_a_well_formed_report(tmp_path):
    result = subprocess.run([sys.executable, "-m", "evaluation.bench", "--quick", "--seconds", "3", "--out",
                             str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    report = json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))
    assert report["mode"] == "quick" and report["machine"]["cpus"] >= 1
    project = report["pipelines"]["project"]
    assert [level["users"] for level in project["levels"]] == [1, 5]
    for level in project["levels"]:
        assert level["messages"] > 0 and level["errors"] == 0, level
        assert 0 < level["p50_ms"] <= level["p95_ms"] <= level["p99_ms"], level
        assert level["messages_per_second"] > 0
    assert 0 < project["cold_start_seconds"] < 300
    assert set(project["rss_mb_before"]) == {"actions", "rasa", "total"}
    assert project["rss_mb_before"]["total"] > 100, "both servers' memory is measured"
    assert 0 < project["knowledge_edit_seconds"] < 60, "the edited answer was served"
    assert [goal["goal"] for goal in report["goals"]] == list(GOALS_TEXT)
    table = (tmp_path / "bench.md").read_text(encoding="utf-8")
    assert "| measure | this project | stock `rasa init` | project / stock |" in table
    assert "| 5 users: errors / messages | 0 / " in table


def test_the_message_mix_comes_from_the_dev_set_and_includes_the_form():
    questions = load_questions(ROOT / "tests" / "dev_set.yml", load())
    mix = Mix.from_dev_set(questions)
    kinds = {q.text: q.expect[0] for q in questions if q.expect}
    assert len(mix.answerable) > 200 and len(mix.deferrals) > 50 and len(mix.emergencies) > 30
    assert {kinds[text] for text in mix.deferrals} == {"defer"}
    assert {kinds[text] for text in mix.emergencies} == {"emergency"}
    assert not {kinds[text] for text in mix.answerable} & {"defer", "emergency"}
    import random

    rng = random.Random(1)
    conversations = [mix.conversation(rng) for _ in range(200)]
    assert any(conversation[0] == "I want to request an interpreter" for conversation in conversations)
    assert any(len(conversation) == 1 and conversation[0] in mix.emergencies for conversation in conversations)
    assert any("tell me more" in conversation for conversation in conversations)


def test_the_stock_project_uses_rasa_init_s_pipeline_and_no_custom_action(tmp_path, monkeypatch):
    import yaml

    import evaluation.bench as bench

    monkeypatch.setattr(bench, "STOCK_DIR", tmp_path)
    write_stock_project()
    config = yaml.safe_load((tmp_path / "config.yml").read_text())
    assert [component["name"] for component in config["pipeline"]][:2] == ["WhitespaceTokenizer", "RegexFeaturizer"]
    assert [policy["name"] for policy in config["policies"]] == ["MemoizationPolicy", "RulePolicy",
                                                                  "UnexpecTEDIntentPolicy", "TEDPolicy"]
    rules = yaml.safe_load((tmp_path / "data" / "rules.yml").read_text())["rules"]
    actions = {step["action"] for rule in rules for step in rule["steps"] if "action" in step}
    assert actions <= {"utter_greet", "utter_goodbye", "utter_thanks", "utter_iamabot", "utter_emergency",
                       "utter_ask_question", "utter_defer"}
