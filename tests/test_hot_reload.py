"""Knowledge changes are served without restarting the action server or retraining Rasa."""
from __future__ import annotations

import logging
import shutil
from pathlib import Path

import httpx
import pytest
import yaml

from actions.content import KnowledgeStore
from bot.servers import Servers
from tests.conftest import ROOT, load_tracker_json

NEW_EXAMPLE = "is iort the radiation they give during the operation itself"


@pytest.fixture
def knowledge_copy(tmp_path) -> Path:
    directory = tmp_path / "knowledge"
    directory.mkdir()
    for path in (ROOT / "knowledge").glob("*.yml"):
        shutil.copy(path, directory)
    return directory


def edit_topic(directory: Path, topic_id: str, **changes) -> None:
    for path in directory.glob("topics_*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for topic in data["topics"]:
            if topic["id"] == topic_id:
                for key, value in changes.items():
                    topic[key] = value(topic[key]) if callable(value) else value
                path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
                return
    raise AssertionError(f"no topic {topic_id}")


def test_a_changed_answer_and_a_new_example_are_picked_up_embedding_only_what_is_new(knowledge_copy):
    store = KnowledgeStore(knowledge_copy, None, check_every=0)
    kb, _ = store.current()
    edit_topic(knowledge_copy, "treatment_iort", answer=kb.topic("treatment_iort").answer + " Updated.",
               examples=lambda examples: examples + [NEW_EXAMPLE])
    kb, index = store.current()
    assert store.version == 2
    assert kb.topic("treatment_iort").answer.endswith(" Updated.")
    assert index.encoded_on_build == 1
    assert index.search(NEW_EXAMPLE)[0].topic_id == "treatment_iort"
    assert index.search(NEW_EXAMPLE)[0].score == pytest.approx(1.0, abs=1e-4)


def test_a_broken_change_is_refused_and_the_last_good_version_kept(knowledge_copy, caplog):
    store = KnowledgeStore(knowledge_copy, None, check_every=0)
    edit_topic(knowledge_copy, "treatment_iort", related=["no_such_topic"])
    with caplog.at_level(logging.ERROR, logger="actions.content"):
        kb, _ = store.current()
    assert store.version == 1
    assert "treatment_iort" in kb.topics
    assert "related id 'no_such_topic' does not exist" in caplog.text
    (knowledge_copy / "topics_about.yml").write_text("topics: [unclosed", encoding="utf-8")
    assert store.reload_if_changed() is False
    assert store.current()[0] is kb


def test_a_file_that_cannot_be_read_is_refused_too_in_both_servers_loaders(knowledge_copy, caplog):
    from knowledge.loader import LiveKnowledge

    store = KnowledgeStore(knowledge_copy, None, check_every=0)
    live = LiveKnowledge(knowledge_copy, None, check_every=0)
    kb, live_kb = store.current()[0], live.current()
    (knowledge_copy / "topics_about.yml").unlink()
    (knowledge_copy / "topics_about.yml").mkdir()  # a folder where a file was
    (knowledge_copy / "replies.yml").write_bytes(b"replies:\n  defer: {text: \"\xff\xfe\"}\n")  # not UTF-8
    with caplog.at_level(logging.ERROR):
        assert store.current()[0] is kb and live.current() is live_kb
    assert "knowledge change refused" in caplog.text


def test_the_running_action_server_answers_from_the_edited_knowledge(knowledge_copy, tmp_path):
    tracker = load_tracker_json("symptoms_question")
    domain = yaml.safe_load((ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
    request = {"next_action": "action_answer_question", "sender_id": tracker["sender_id"],
               "tracker": tracker, "domain": domain, "version": "3.6.21"}
    servers = Servers(tmp_path, KNOWLEDGE_DIR=str(knowledge_copy), KNOWLEDGE_RELOAD_SECONDS="0")
    try:
        servers.start_actions()  # only the action server is needed
        url = f"http://127.0.0.1:{servers.action_port}/webhook"
        before = httpx.post(url, json=request, timeout=60).json()["responses"][0]["text"]
        edit_topic(knowledge_copy, "symptoms_common", answer="Edited while the server runs.")
        after = httpx.post(url, json=request, timeout=60).json()["responses"][0]["text"]
    finally:
        servers.stop_all()
    assert before != after
    assert after == "Edited while the server runs."
