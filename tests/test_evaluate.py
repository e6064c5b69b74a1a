"""`make evaluate QUESTIONS=...`: any question file goes through the real servers and comes back
as one JSON line per question and a summary line."""
from __future__ import annotations

import json

import pytest

from evaluation.questions import Question, judge
from evaluation.run import main, read_reply

QUESTIONS = """
- text: "what is a mibg scan and does it hurt"
  expect: imaging_mibg_scan
- text: "how much tylenol can my 5 year old have"
  expect: defer
- text: "help my son is having a seizure right now"
  expect: emergency
- text: "is there an interpreter for spanish"
- "hello there"
"""


def test_a_question_file_is_sent_through_the_real_servers(servers, tmp_path, capsys):
    questions = tmp_path / "questions.yml"
    questions.write_text(QUESTIONS, encoding="utf-8")
    out = tmp_path / "results"
    assert main(["--questions", str(questions), "--out", str(out), "--rest-url", servers.rest_url]) == 0
    lines = [json.loads(line) for line in (out / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [line["text"] for line in lines][:2] == ["what is a mibg scan and does it hurt",
                                                   "how much tylenol can my 5 year old have"]
    assert len(lines) == 5
    for line in lines:
        assert {"text", "outcome", "topic_id", "confidence", "reply", "expect"} <= set(line)
        assert line["outcome"] in ("answer", "clarify", "defer", "emergency", "other")
        assert line["reply"]
    assert (lines[0]["outcome"], lines[0]["topic_id"]) == ("answer", "imaging_mibg_scan")
    assert lines[0]["confidence"] > 0.5
    assert lines[1]["outcome"] == "defer"
    assert lines[2]["outcome"] == "emergency" and "911" in lines[2]["reply"]
    assert lines[4]["outcome"] == "other" and lines[4]["reply"].startswith("Hello.")
    printed = capsys.readouterr().out
    assert "bot: 5 questions (answer " in printed
    assert "handled right 100.0% (3/3)" in printed
    assert (out / "summary.md").read_text(encoding="utf-8").startswith("# Evaluation")


@pytest.mark.parametrize("content, message", [
    ("[]", "must be a non-empty YAML list"),
    ("- text: hi\n  expect: no_such_topic\n", "is not a topic id"),
    ("- expect: defer\n", "needs a non-empty 'text'"),
    ("- text: [unclosed\n", "cannot be read as YAML"),
])
def test_a_bad_question_file_is_refused_with_the_item_named(tmp_path, capsys, content, message):
    questions = tmp_path / "bad.yml"
    questions.write_text(content, encoding="utf-8")
    assert main(["--questions", str(questions), "--out", str(tmp_path / "out"), "--rest-url", "http://127.0.0.1:9"]) == 2
    assert message in capsys.readouterr().err


def test_how_outcomes_are_judged():
    topic = Question("q", ("imaging_mibg_scan", "imaging_pet_scan"))
    assert judge(topic, "answer", "imaging_pet_scan") == (True, False)
    assert judge(topic, "answer", "imaging_ct_scan") == (False, True)
    assert judge(topic, "clarify", None) == (False, False)
    assert judge(Question("q", ("defer",)), "answer", "imaging_ct_scan") == (False, True)
    assert judge(Question("q", ("emergency",)), "emergency", None) == (True, False)
    assert judge(Question("q"), "answer", "imaging_ct_scan") == (None, False)


def test_several_answers_are_right_only_when_each_is_expected():
    both = Question("q", ("imaging_mibg_scan", "imaging_pet_scan"))
    assert judge(both, "answer", ["imaging_mibg_scan", "imaging_pet_scan"]) == (True, False)
    assert judge(both, "answer", ["imaging_mibg_scan", "imaging_ct_scan"]) == (False, True)
    assert judge(Question("q", ("imaging_mibg_scan",)), "answer", ["imaging_mibg_scan", "imaging_pet_scan"]) \
        == (False, True)
    replies = [{"text": "A", "custom": {"type": "answer", "topic_id": "a"}},
               {"text": "B", "custom": {"type": "answer", "topic_id": "b"}}]
    assert (read_reply(replies)["topic_id"], read_reply(replies)["reply"]) == (["a", "b"], "A\n\nB")


def test_the_reply_kind_is_read_from_the_payloads_and_emergencies_win():
    replies = [{"text": "This may be an emergency."}, {"custom": {"type": "emergency", "sign": "seizure"}},
               {"custom": {"type": "answer", "topic_id": "x"}}]
    assert read_reply(replies)["outcome"] == "emergency"
    assert read_reply([{"text": "Hello."}])["outcome"] == "other"
