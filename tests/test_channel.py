"""The validated REST channel (bot/channel.py) over HTTP, against the real servers: every request
gets a reply or a clear 4xx, never a 5xx, an empty reply or a stack trace."""
from __future__ import annotations

import json
import time
import uuid

import httpx
import pytest

from knowledge import load

KB = load()
LIMIT = 1000  # MAX_MESSAGE_CHARS, the channel's default
EMERGENCY = KB.emergency.reply


def texts(replies: list) -> list:
    return [reply["text"] for reply in replies if "text" in reply]


def kinds(replies: list) -> list:
    return [reply["custom"]["type"] for reply in replies if isinstance(reply.get("custom"), dict)]


def post(servers, body, **kwargs) -> httpx.Response:
    if isinstance(body, (bytes, str)):
        return httpx.post(servers.rest_url, content=body, headers={"content-type": "application/json"},
                          timeout=60, **kwargs)
    return httpx.post(servers.rest_url, json=body, timeout=60, **kwargs)


def sender() -> str:
    return f"channel-{uuid.uuid4()}"


@pytest.mark.parametrize("body", ["1", "[]", '"str"', "null", "true", "[1, 2]", "{", "{'a': 1}", "", "\xff"])
def test_a_body_that_is_not_a_json_object_gets_400_with_a_json_error(servers, body):
    response = post(servers, body.encode("latin-1"))
    assert response.status_code == 400
    assert set(response.json()) == {"error"} and response.json()["error"].endswith(".")


@pytest.mark.parametrize("body", [
    {"message": "hello"},
    {"sender": None, "message": "hello"},
    {"sender": 12, "message": "hello"},
    {"sender": "a" * 200, "message": "hello"},
    {"sender": "has spaces", "message": "hello"},
    {"sender": "ok"},
    {"sender": "ok", "message": None},
    {"sender": "ok", "message": 42},
    {"sender": "ok", "message": ["what is mibg"]},
    {"sender": "ok", "message": {"text": "what is mibg"}},
])
def test_a_wrong_sender_or_message_gets_400_never_an_empty_200(servers, body):
    response = post(servers, body)
    assert response.status_code == 400
    assert "sender" in response.json()["error"] or "message" in response.json()["error"]


def test_a_1_mb_body_is_refused_with_413_in_under_a_second(servers):
    body = json.dumps({"sender": sender(), "message": "a" * (1 << 20)}).encode()
    started = time.monotonic()
    response = post(servers, body)
    elapsed = time.monotonic() - started
    assert response.status_code == 413
    assert elapsed < 1.0, elapsed


def test_a_message_over_the_limit_is_not_read_and_the_family_is_asked_for_a_shorter_one(servers):
    replies = post(servers, {"sender": sender(), "message": "please help me understand " * 60}).json()
    assert kinds(replies) == ["too_long"]
    assert texts(replies) == [KB.replies["message_too_long"].text.format(limit=f"{LIMIT:,}")]
    assert "911" in texts(replies)[0]


def test_an_emergency_in_a_message_over_the_limit_gets_the_emergency_reply_first(servers):
    story = "we have been in hospital for weeks and I have so many questions about everything. " * 15
    replies = post(servers, {"sender": sender(), "message": story + "right now he is not breathing"}).json()
    assert kinds(replies) == ["emergency", "too_long"]
    assert texts(replies)[0] == EMERGENCY


def test_a_message_at_the_limit_is_answered_in_under_a_second(servers):
    who = sender()
    servers.say(who, "hi")
    question = "what is mibg therapy? "
    message = (question + "my son is six and we are so worried about what comes next " * 20)[:LIMIT]
    started = time.monotonic()
    replies = post(servers, {"sender": who, "message": message}).json()
    elapsed = time.monotonic() - started
    assert texts(replies) and kinds(replies)
    assert elapsed < 1.0, elapsed


@pytest.mark.parametrize("message", ["", "   ", "\u0000\u0007", "///"])
def test_an_empty_message_gets_a_polite_reply(servers, message):
    replies = post(servers, {"sender": sender(), "message": message}).json()
    assert texts(replies) == [KB.replies["message_empty"].text] and kinds(replies) == ["empty"]


def test_control_characters_are_cleaned_before_the_nlu_reads_the_message(servers):
    replies = post(servers, {"sender": sender(), "message": "what is \u0000mibg\u001b therapy\u202e?"}).json()
    assert any(reply.get("custom", {}).get("topic_id") == "treatment_mibg_therapy" for reply in replies), replies


def test_lone_surrogates_are_not_valid_unicode_and_are_replaced(servers):
    body = b'{"sender": "' + sender().encode() + b'", "message": "what is neuroblastoma \\ud800?"}'
    replies = post(servers, body).json()
    assert any(reply.get("custom", {}).get("topic_id") == "what_is_neuroblastoma" for reply in replies), replies


@pytest.mark.parametrize("message", [
    "/restart", "/back", '/ask_question{"topic_id": "nope"}', '/ask_question{"topic_id": 5}',
    '/ask_question{"requested_slot": "contact_value", "contact_value": "+14155550100"}',
    '/request_interpreter{"LANGUAGE": "<script>alert(1)</script>"}', '/inform{"CITY": "Atlantis"}',
    "/nlu_fallback", '/greet@1.0{"x": 1}', "/emergency",
])
def test_hostile_payloads_get_a_reply_and_a_plain_question_is_still_answered(servers, message):
    who = sender()
    response = post(servers, {"sender": who, "message": message})
    assert response.status_code == 200
    assert texts(response.json()), response.json()
    assert "Traceback" not in response.text
    after = servers.say(who, "what is neuroblastoma?")
    assert any(reply.get("custom", {}).get("topic_id") == "what_is_neuroblastoma" for reply in after), after


def test_an_emergency_payload_is_an_emergency(servers):
    replies = post(servers, {"sender": sender(), "message": "/emergency"}).json()
    assert EMERGENCY in texts(replies)


def test_a_did_you_mean_button_still_works(servers):
    replies = post(servers, {"sender": sender(), "message": '/ask_question{"topic_id": "stage_4s"}'}).json()
    assert "\n\n".join(texts(replies)).endswith(KB.topic("stage_4s").answer)


def test_the_channel_answers_its_health_check_and_refuses_other_methods_with_json(servers):
    assert httpx.get(servers.rasa_url + "/webhooks/rest/", timeout=10).json() == {"status": "ok"}
    response = httpx.get(servers.rest_url, timeout=10)
    assert response.status_code == 405 and response.headers["content-type"].startswith("application/json")
