"""Bad days behind the bot, with the real servers: the action server killed, stopped (too slow) or
failing, the conversation store down, the interpreter database down. Every message still gets a
useful reply, emergencies first, and nothing a family asked for is lost or filed twice.

These servers are this module's own: the tests kill and stop them. Rasa reaches the action server
through tests/fault_proxy.py, which can make every action call fail as a raising action does. The
tracker store and the interpreter requests are on two real PostgreSQL servers, so each can be
stopped on its own.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Iterator

import httpx
import psycopg2
import pytest

from bot.servers import ACTION_PYTHON, ROOT, Servers
from fault_proxy import ACTION_RAISES, FORWARD, FaultProxy
from knowledge import load
from postgres_server import PostgresServer, PostgresUnavailable

KB = load()
EMERGENCY = KB.emergency.reply
UNAVAILABLE = KB.replies["unavailable"].text
ACTION_TIMEOUT = 2.0  # seconds, ACTION_TIMEOUT_SECONDS for these servers


def kinds(replies: list) -> list:
    return [reply["custom"]["type"] for reply in replies if isinstance(reply.get("custom"), dict)]


def texts(replies: list) -> list:
    return [reply["text"] for reply in replies if "text" in reply]


def topics(replies: list) -> list:
    return [reply["custom"].get("topic_id") for reply in replies if isinstance(reply.get("custom"), dict)]


def new_sender() -> str:
    return f"fault-{uuid.uuid4()}"


@pytest.fixture(scope="module")
def databases() -> Iterator[dict]:
    servers = {"tracker": PostgresServer(database="tracker"), "requests": PostgresServer(database="requests")}
    try:
        for server in servers.values():
            server.start()
    except PostgresUnavailable as error:
        for server in servers.values():
            server.stop()
        pytest.fail(str(error), pytrace=False)
    try:
        yield servers
    finally:
        for server in servers.values():
            server.stop()


@pytest.fixture(scope="module")
def faulty(databases, tmp_path_factory) -> Iterator[Servers]:
    servers = Servers(tmp_path_factory.mktemp("faults"), TRACKER_STORE_URL=databases["tracker"].url(),
                      INTERPRETER_DB_URL=databases["requests"].url(), ACTION_TIMEOUT_SECONDS=str(ACTION_TIMEOUT),
                      OUTBOX_RETRY_SECONDS="1")
    proxy = FaultProxy(servers.action_port).start()
    servers.env["ACTION_SERVER_URL"] = proxy.url
    servers.proxy = proxy
    try:
        with servers:
            yield servers
    finally:
        proxy.stop()


@pytest.fixture(autouse=True)
def everything_back_up(request):
    """Whatever a test broke is running again before the next one."""
    yield
    if "faulty" not in request.fixturenames:
        return
    servers = request.getfixturevalue("faulty")
    servers.proxy.mode = FORWARD
    process = servers.processes.get("actions")
    if process is not None and process.poll() is None:
        os.kill(process.pid, signal.SIGCONT)
    else:
        servers.processes.pop("actions", None)
        servers.start_actions()
    for database in request.getfixturevalue("databases").values():
        if not (database.data / "postmaster.pid").exists():
            database.resume()


def say(servers: Servers, sender: str, message: str) -> list:
    response = httpx.post(servers.rest_url, json={"sender": sender, "message": message}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_action_server_killed_mid_conversation_emergency_first_then_the_fixed_reply_then_it_goes_on(faulty):
    sender = new_sender()
    assert "treatment_mibg_therapy" in topics(say(faulty, sender, "what is mibg therapy?"))

    faulty.processes["actions"].kill()
    faulty.processes["actions"].wait()

    emergency = say(faulty, sender, "my son is having a seizure")
    assert kinds(emergency) == ["emergency", "unavailable"]
    assert texts(emergency) == [EMERGENCY, UNAVAILABLE]
    # The NLU's own reading counts too, when no emergency pattern matches the words.
    assert kinds(say(faulty, sender, "she went limp in my arms"))[0] == "emergency"
    # An emergency in another language gets its reply in that language first, from the channel.
    russian = say(faulty, sender, "мой сын не дышит")
    assert kinds(russian) == ["emergency", "unavailable"]
    assert texts(russian)[0].startswith(KB.emergency.language("ru").reply)
    question = say(faulty, sender, "what are the side effects of chemo?")
    assert kinds(question) == ["unavailable"] and "911" in texts(question)[0]

    faulty.processes.pop("actions")
    faulty.start_actions()
    more = say(faulty, sender, "tell me more")  # the last topic answered before the outage is remembered
    assert kinds(more) == ["answer"] and topics(more)[0] in KB.topic("treatment_mibg_therapy").related
    assert "what_is_neuroblastoma" in topics(say(faulty, sender, "what is neuroblastoma?"))


def test_a_conversation_that_starts_while_the_action_server_is_down_gets_the_disclaimer_and_goes_on(faulty):
    faulty.processes["actions"].kill()
    faulty.processes["actions"].wait()
    sender = new_sender()
    started = time.monotonic()
    assert kinds(say(faulty, sender, "what is neuroblastoma?")) == ["disclaimer", "unavailable"]
    assert time.monotonic() - started < ACTION_TIMEOUT  # one failed call, not one per predicted action
    greeted = say(faulty, new_sender(), "hi")  # a greeting needs no action server: disclaimer, then hello
    assert kinds(greeted) == ["disclaimer"] and texts(greeted)[-1].startswith("Hello.")
    assert kinds(say(faulty, new_sender(), "he stopped breathing")) == ["emergency", "disclaimer", "unavailable"]

    faulty.processes.pop("actions")
    faulty.start_actions()
    replies = say(faulty, sender, "what is neuroblastoma?")
    assert kinds(replies) == ["answer"] and topics(replies) == ["what_is_neuroblastoma"]


def test_a_stopped_action_server_is_given_up_on_after_the_timeout(faulty):
    sender = new_sender()
    say(faulty, sender, "hi")
    os.kill(faulty.processes["actions"].pid, signal.SIGSTOP)
    started = time.monotonic()
    replies = say(faulty, sender, "what does stage 4s mean?")
    elapsed = time.monotonic() - started
    assert kinds(replies) == ["unavailable"]
    assert ACTION_TIMEOUT <= elapsed < ACTION_TIMEOUT + 3, elapsed
    assert kinds(say(faulty, sender, "her lips are turning blue"))[0] == "emergency"

    os.kill(faulty.processes["actions"].pid, signal.SIGCONT)
    assert "stage_4s" in topics(say(faulty, sender, "what does stage 4s mean?"))


def test_an_action_that_raises_gives_the_fixed_reply_and_an_emergency_still_comes_first(faulty):
    sender = new_sender()
    say(faulty, sender, "hi")
    faulty.proxy.mode = ACTION_RAISES
    assert kinds(say(faulty, sender, "how is neuroblastoma treated?")) == ["unavailable"]
    assert kinds(say(faulty, sender, "he is unconscious")) == ["emergency", "unavailable"]
    faulty.proxy.mode = FORWARD
    assert kinds(say(faulty, sender, "how is neuroblastoma treated?")) == ["answer"]


def test_with_the_conversation_store_down_families_are_still_answered_and_emergencies_escalated(faulty, databases):
    """Rasa keeps a failing tracker store's conversations in memory (rasa#3243): each message is
    answered as a new conversation, with the disclaimer, until the store is back."""
    sender = new_sender()
    say(faulty, sender, "hi")
    assert "stage_4s" in topics(say(faulty, sender, "what does stage 4s mean?"))
    databases["tracker"].pause()
    assert kinds(say(faulty, sender, "what is a biopsy?")) == ["disclaimer", "answer"]
    assert kinds(say(faulty, sender, "my daughter is not breathing"))[:2] == ["emergency", "disclaimer"]
    databases["tracker"].resume()
    for _ in range(5):  # the first query after the restart may meet a connection the server closed
        replies = say(faulty, sender, "tell me more")
        if kinds(replies) == ["answer"]:
            break
    else:
        pytest.fail(f"the conversation did not go on after the tracker store came back: {kinds(replies)}")
    assert topics(replies)[0] in KB.topic("stage_4s").related  # its history from before the outage


def request_rows(databases) -> list:
    """The stored requests (none before the action server first opened the database and made the table)."""
    with psycopg2.connect(databases["requests"].url()) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('interpreter_requests')")
        if cursor.fetchone()[0] is None:
            return []
        cursor.execute("SELECT reference, language, contact_value FROM interpreter_requests")
        return cursor.fetchall()


def test_the_interpreter_database_down_keeps_the_request_and_delivers_it_once(faulty, databases):
    sender = new_sender()
    for message in ("I want to request an interpreter", "Spanish", "Skip", "Phone", "415 555 0100", "Yes"):
        say(faulty, sender, message)
    databases["requests"].pause()
    filed = say(faulty, sender, "Yes, send it")
    payload = next(reply["custom"] for reply in filed if reply.get("custom", {}).get("type") == "interpreter_request")
    assert payload["status"] == "filed" and payload["queued"] is True
    reference = payload["reference"]
    assert f"Your reference number is {reference}" in "\n".join(texts(filed))

    databases["requests"].resume()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(row[0] == reference for row in request_rows(databases)):
        time.sleep(0.5)  # the action server's courier tries every OUTBOX_RETRY_SECONDS (1 s here)
    assert [row for row in request_rows(databases) if row[0] == reference] == [(reference, "Spanish", "+14155550100")]

    flushed = subprocess.run([str(ACTION_PYTHON), "-m", "actions.staff", "flush"], cwd=ROOT, env=faulty.env,
                             capture_output=True, text=True, timeout=60)
    assert flushed.returncode == 0, flushed.stderr
    assert "Delivered 0 requests" in flushed.stdout
    assert [row[0] for row in request_rows(databases)].count(reference) == 1


def test_the_staff_flush_delivers_what_the_outbox_holds(databases, tmp_path):
    """The same outbox without the action server: `make requests ARGS=flush` after an outage."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "INTERPRETER_DB_URL": databases["requests"].url(),
           "INTERPRETER_OUTBOX": str(tmp_path / "outbox.db")}
    databases["requests"].pause()
    try:
        code = ("from actions.interpreter_requests import file_request as f; "
                "r = f('Russian', None, 'email', 'Olga@Example.org', True); print(r.request.reference, r.queued)")
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=60)
        reference, queued = out.stdout.split()
        assert queued == "True", out.stderr
        listed = subprocess.run([str(ACTION_PYTHON), "-m", "actions.staff", "list"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=60)
        assert listed.returncode == 1  # the database is down: said in one line
        assert "error:" in listed.stderr and "Olga" not in listed.stderr
    finally:
        databases["requests"].resume()
    flushed = subprocess.run([str(ACTION_PYTHON), "-m", "actions.staff", "flush"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=60)
    assert flushed.returncode == 0 and "Delivered 1 request from the outbox" in flushed.stdout, flushed.stderr
    assert [row for row in request_rows(databases) if row[0] == reference] == [
        (reference, "Russian", "Olga@example.org")]
    assert not Path(tmp_path / "outbox.db").exists() or "waits in the outbox" not in subprocess.run(
        [str(ACTION_PYTHON), "-m", "actions.staff", "list"], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60).stdout
