"""`make evaluate QUESTIONS=...`: any question file goes through the real servers and comes back
as one JSON line per question and a summary line; a conversation file comes back scored per turn
and per conversation."""
from __future__ import annotations

import json

import pytest

from evaluation.conversations import button_payload, conversation_figures
from evaluation.questions import OUTCOMES, Question, judge
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
    lines = [json.loads(line) for line in (out / "questions" / "questions.jsonl").read_text(encoding="utf-8")
             .splitlines()]
    assert [line["text"] for line in lines][:2] == ["what is a mibg scan and does it hurt",
                                                   "how much tylenol can my 5 year old have"]
    assert len(lines) == 5
    for line in lines:
        assert {"text", "outcome", "topic_id", "confidence", "reply", "expect"} <= set(line)
        assert line["outcome"] in OUTCOMES and line["outcome"] != "other"
        assert line["reply"]
    assert (lines[0]["outcome"], lines[0]["topic_id"]) == ("answer", "imaging_mibg_scan")
    assert lines[0]["confidence"] > 0.5
    assert lines[1]["outcome"] == "defer"
    assert lines[2]["outcome"] == "emergency" and "911" in lines[2]["reply"]
    assert lines[4]["outcome"] == "small_talk" and lines[4]["reply"].startswith("Hello.")
    printed = capsys.readouterr().out
    assert "questions: bot: 5 questions (answer " in printed
    assert "handled right 100.0% (3/3)" in printed
    assert (out / "questions" / "summary.md").read_text(encoding="utf-8").startswith("# Evaluation")
    assert (out / "questions" / "tradeoff.json").exists()  # a --questions file is calibrated on


CONVERSATIONS = """
- name: mibg therapy, then its side effects, then an interpreter
  turns:
    - say: "what is mibg therapy"
      expect: treatment_mibg_therapy
    - say: "help my son is having a seizure right now"
      expect: emergency
    - say: "can you book a spanish interpreter for us"
      expect: interpreter_form
    - click: "An appointment"
      expect: interpreter_form
    - click: "No such button"
      expect: interpreter_form
- name: greeting
  turns:
    - say: "hello there"
      expect: small_talk
"""


def test_a_conversation_file_is_played_through_the_real_servers_turn_by_turn(servers, tmp_path, capsys):
    conversations = tmp_path / "talks.yml"
    conversations.write_text(CONVERSATIONS, encoding="utf-8")
    out = tmp_path / "results"
    assert main(["--test-conversations", str(conversations), "--out", str(out), "--rest-url", servers.rest_url]) == 0
    played = [json.loads(line) for line in (out / "talks" / "conversations.jsonl").read_text(encoding="utf-8")
              .splitlines()]
    assert [record["name"] for record in played] == ["mibg therapy, then its side effects, then an interpreter",
                                                     "greeting"]
    turns = played[0]["turns"]
    assert [turn["outcome"] for turn in turns[:4]] == ["answer", "emergency", "interpreter_form", "interpreter_form"]
    assert "How should the hospital's interpreter services contact you?" in turns[3]["reply"]  # the click went in
    assert turns[4]["button_missing"] and not turns[4]["right"]
    assert [turn["right"] for turn in turns[:4]] == [True, True, True, True]
    assert not played[0]["right"] and played[1]["right"]
    printed = capsys.readouterr().out
    assert "talks: 2 conversations, 6 turns; turns right 83.3% (5/6)" in printed
    assert "conversations right 50.0% (1/2)" in printed
    assert not (out / "talks" / "tradeoff.json").exists()


def test_a_click_sends_the_payload_of_the_button_with_that_title():
    replies = [{"text": "Which city?", "buttons": [{"title": "Care in Oakland", "payload": "/ask_question{}"}]}]
    assert button_payload(replies, "care in  oakland") == "/ask_question{}"
    assert button_payload(replies, "Care in Fresno") is None


def test_conversation_figures_count_turns_and_whole_conversations():
    turn = {"clicked": False, "expect": ["defer"], "right": True, "confidently_wrong": False}
    wrong = {**turn, "expect": ["imaging_ct_scan"], "right": False, "confidently_wrong": True}
    result = conversation_figures([{"right": True, "turns": [turn, turn]}, {"right": False, "turns": [turn, wrong]}])
    assert (result["turns"], result["right_turns"], result["confidently_wrong_turns"]) == (4, 3, 1)
    assert result["conversation_right_rate"] == 0.5
    assert result["by_kind"]["later turn"] == {"total": 2, "right": 1, "confidently_wrong": 1}


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
    assert read_reply([{"text": "Hello."}])["outcome"] == "small_talk"
    assert read_reply([])["outcome"] == "other"
    assert read_reply([{"text": "Hola.", "custom": {"type": "other_language"}}])["outcome"] == "other_language"
    filed = [{"text": "Sent.", "custom": {"type": "interpreter_request", "status": "filed", "reference": "R"}}]
    assert read_reply(filed)["outcome"] == "interpreter_filed"
    assert read_reply([{"text": "What is the interpreter for? This is optional."}])["outcome"] == "interpreter_form"
