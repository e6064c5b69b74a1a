"""Scripted conversations: each turn says a text or clicks a button of the bot's last reply by its
title, and names the outcome expected, as a question file does (evaluation/questions.py). They go
through the real servers over REST as the web page sends them, and are scored per turn and per
conversation (a conversation is right when every one of its turns is).

    - name: "mibg therapy, then its side effects"
      turns:
        - say: "what is the radioactive mibg treatment"
          expect: treatment_mibg_therapy
        - say: "does it have side effects"
          expect: treatment_mibg_side_effects
        - click: "Request an interpreter"     # a button title of the reply before
          expect: interpreter_form

A click on a title the reply before did not show is a wrong turn; the title is then sent as typed
text, so the conversation goes on as a parent's would.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import httpx
import yaml

from evaluation.questions import SPECIAL, Question, QuestionFileError, judge, parse_expect
from knowledge import KnowledgeBase


@dataclass(frozen=True)
class Turn:
    text: str  # what is typed, or the title of the button clicked
    clicked: bool
    expect: Tuple[str, ...]

    @property
    def question(self) -> Question:
        return Question(self.text, self.expect)


@dataclass(frozen=True)
class Conversation:
    name: str
    turns: Tuple[Turn, ...]


def load_conversations(path: Path, kb: KnowledgeBase) -> List[Conversation]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise QuestionFileError(f"{path}: cannot be read as YAML: {error}") from error
    if not isinstance(data, list) or not data:
        raise QuestionFileError(f"{path}: must be a non-empty YAML list of {{name, turns}}")
    conversations, names = [], set()
    for number, item in enumerate(data, start=1):
        where = f"{path}: conversation {number}"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
            raise QuestionFileError(f"{where}: needs a non-empty 'name'")
        if item["name"] in names:
            raise QuestionFileError(f"{where}: the name {item['name']!r} is used twice")
        names.add(item["name"])
        raw_turns = item.get("turns")
        if not isinstance(raw_turns, list) or not raw_turns:
            raise QuestionFileError(f"{where}: needs a non-empty list of 'turns'")
        turns = []
        for index, turn in enumerate(raw_turns, start=1):
            at = f"{where}, turn {index}"
            if not isinstance(turn, dict) or ("say" in turn) == ("click" in turn):
                raise QuestionFileError(f"{at}: needs exactly one of 'say' or 'click'")
            text = turn.get("say", turn.get("click"))
            if not isinstance(text, str) or not text.strip():
                raise QuestionFileError(f"{at}: 'say' or 'click' must be a non-empty text")
            expect = parse_expect(turn.get("expect"), kb, at)
            if not expect:
                raise QuestionFileError(f"{at}: needs an 'expect'")
            turns.append(Turn(text, "click" in turn, expect))
        if turns[0].clicked:
            raise QuestionFileError(f"{where}: the first turn cannot click (there is no reply before it)")
        conversations.append(Conversation(item["name"], tuple(turns)))
    return conversations


def button_payload(replies: Sequence[dict], title: str) -> Optional[str]:
    """The payload of the button titled `title` in the replies, as the widget would send it."""
    wanted = " ".join(title.split()).casefold()
    for reply in replies:
        for button in reply.get("buttons") or []:
            if " ".join(str(button.get("title") or "").split()).casefold() == wanted:
                return str(button.get("payload") or button.get("title"))
    return None


def run_conversation(client: httpx.Client, rest_url: str, conversation: Conversation) -> dict:
    from evaluation.run import read_reply

    sender = f"evaluate-{uuid.uuid4()}"
    response = client.post(rest_url, json={"sender": sender, "message": "/session_start"})
    response.raise_for_status()
    previous = response.json()
    turns = []
    for turn in conversation.turns:
        message, offered = turn.text, True
        if turn.clicked:
            payload = button_payload(previous, turn.text)
            offered = payload is not None
            message = payload if offered else turn.text
        response = client.post(rest_url, json={"sender": sender, "message": message})
        response.raise_for_status()
        previous = response.json()
        record = {"text": turn.text, "clicked": turn.clicked, "expect": list(turn.expect)}
        record.update(read_reply(previous))
        right, wrong = judge(turn.question, record["outcome"], record["topic_id"])
        if turn.clicked and not offered:
            record["button_missing"] = True
            right = False
        record["right"], record["confidently_wrong"] = bool(right), wrong
        record.pop("signals", None)
        turns.append(record)
    return {"name": conversation.name, "right": all(t["right"] for t in turns), "turns": turns}


def run_all(rest_url: str, conversations: Sequence[Conversation]) -> List[dict]:
    with httpx.Client(timeout=60) as client:
        return [run_conversation(client, rest_url, conversation) for conversation in conversations]


def conversation_figures(records: Sequence[dict]) -> dict:
    """Per turn and per conversation: right, confidently wrong, and the turns by what was expected
    and by position (the first turn, or a later one that may lean on the conversation)."""
    turns = [turn for record in records for turn in record["turns"]]
    by_kind: Dict[str, Dict[str, int]] = {}
    for record in records:
        for position, turn in enumerate(record["turns"]):
            expect = turn["expect"][0]
            kinds = ("click" if turn["clicked"] else "typed",
                     "first turn" if position == 0 else "later turn",
                     "answer" if expect not in SPECIAL else expect)
            for kind in kinds:
                cell = by_kind.setdefault(kind, {"total": 0, "right": 0, "confidently_wrong": 0})
                cell["total"] += 1
                cell["right"] += turn["right"]
                cell["confidently_wrong"] += turn["confidently_wrong"]
    right_turns = sum(turn["right"] for turn in turns)
    wrong_turns = sum(turn["confidently_wrong"] for turn in turns)
    right_conversations = sum(record["right"] for record in records)
    return {"conversations": len(records), "turns": len(turns),
            "right_turns": right_turns, "confidently_wrong_turns": wrong_turns,
            "right_conversations": right_conversations,
            "turn_right_rate": right_turns / len(turns) if turns else None,
            "turn_confidently_wrong_rate": wrong_turns / len(turns) if turns else None,
            "conversation_right_rate": right_conversations / len(records) if records else None,
            "by_kind": by_kind}


def summary_line(name: str, result: dict) -> str:
    return (f"{name}: {result['conversations']} conversations, {result['turns']} turns; turns right "
            f"{100 * result['turn_right_rate']:.1f}% ({result['right_turns']}/{result['turns']}), confidently wrong "
            f"{100 * result['turn_confidently_wrong_rate']:.1f}% ({result['confidently_wrong_turns']}/{result['turns']})"
            f"; conversations right {100 * result['conversation_right_rate']:.1f}%"
            f" ({result['right_conversations']}/{result['conversations']})")


def markdown(path: str, result: dict, records: Sequence[dict]) -> str:
    lines = [f"# Conversations: {path}", "", summary_line("bot", result), "",
             "| turns | total | right | confidently wrong |", "|---|---|---|---|"]
    for kind, cell in sorted(result["by_kind"].items()):
        lines.append(f"| {kind} | {cell['total']} | {cell['right']} | {cell['confidently_wrong']} |")
    wrong = [(record["name"], turn) for record in records for turn in record["turns"] if not turn["right"]]
    if wrong:
        lines += ["", "## Turns not right", ""]
        lines += [f"- {name}: {'click' if turn['clicked'] else 'say'} \"{turn['text']}\": expected "
                  f"{', '.join(turn['expect'])}, got {turn['outcome']}"
                  + (f" {turn['topic_id']}" if turn["topic_id"] else "")
                  + (" (button not offered)" if turn.get("button_missing") else "")
                  for name, turn in wrong]
    return "\n".join(lines) + "\n"

