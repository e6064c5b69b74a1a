"""The checks of the web page's REST channel (bot/message_checks.py), directly: what is refused with
which status, how text is cleaned, and which payloads reach Rasa. The same checks are fuzzed over
REST against the real server in tests/test_fuzz_channel.py."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import message_checks
from bot.message_checks import EMPTY, PAYLOAD, TEXT, TOO_LONG, Refused, check, clean_text, read_body

INTENTS = {"ask_question", "request_interpreter", "talk_to_person", "session_start", "greet"}
ENTITIES = {"topic_id", "LANGUAGE", "CITY"}
LIMIT = 1000


def checked(message, sender="a1b2c3"):
    return check({"sender": sender, "message": message}, max_chars=LIMIT, intents=INTENTS, entities=ENTITIES)


@pytest.mark.parametrize("body", [b"1", b"[]", b'"str"', b"null", b"true", b"[{\"sender\": \"a\"}]"])
def test_json_that_is_not_an_object_is_refused_with_400(body):
    with pytest.raises(Refused) as refused:
        read_body(body, 65536)
    assert refused.value.status == 400 and "JSON object" in refused.value.message


@pytest.mark.parametrize("body", [b"", b"{", b"{'sender': 'a'}", b"\xff\xfe{}", b"[" * 100000, b"{\"a\": 1e}"])
def test_a_body_that_is_not_json_in_utf8_is_refused_with_400(body):
    with pytest.raises(Refused) as refused:
        read_body(body, 10 ** 6)
    assert refused.value.status == 400


def test_a_body_over_the_limit_is_refused_with_413():
    with pytest.raises(Refused) as refused:
        read_body(b'{"sender": "a", "message": "' + b"x" * 2000 + b'"}', 1024)
    assert refused.value.status == 413


@pytest.mark.parametrize("sender", [None, 7, "", " ", "a" * 129, "-starts-with-dash", "has space", "tab\t",
                                    "new\nline", "<script>", "ma@il.org", ["a"], {"a": 1}, "é"])
def test_a_sender_that_is_not_a_short_printable_id_is_refused(sender):
    with pytest.raises(Refused) as refused:
        checked("hello", sender=sender)
    assert refused.value.status == 400 and '"sender"' in refused.value.message


@pytest.mark.parametrize("data", [{"sender": "a1"}, {"sender": "a1", "message": None}])
def test_a_missing_or_null_message_is_refused(data):
    with pytest.raises(Refused, match='"message" is required'):
        check(data, max_chars=LIMIT, intents=INTENTS, entities=ENTITIES)


@pytest.mark.parametrize("message", [1, 1.5, True, ["hi"], {"text": "hi"}])
def test_a_message_that_is_not_a_string_is_refused(message):
    with pytest.raises(Refused, match='"message" must be a string'):
        checked(message)


@pytest.mark.parametrize("message", ["", "   ", "\n\t", "\x00\x01\x7f", "\u202e", "/", " // ", "/ \n /"])
def test_an_empty_message_is_not_passed_on(message):
    assert checked(message).kind == EMPTY


def test_a_message_over_the_limit_is_not_parsed_and_one_at_the_limit_is():
    assert checked("a" * LIMIT).kind == TEXT
    assert checked("a" * (LIMIT + 1)).kind == TOO_LONG
    assert checked("/ask_question" + " " * LIMIT).kind == TOO_LONG


def test_control_characters_and_bidi_overrides_go_and_lone_surrogates_become_the_replacement_character():
    assert clean_text("my son\x00 has\x1b[31m a fever\x7f") == "my son has[31m a fever"
    assert clean_text("what is \u202eypareht gbim\u202c") == "what is ypareht gbim"
    assert clean_text("lone \ud800 surrogate") == "lone \ufffd surrogate"
    assert clean_text("tab\there\r\nline") == "tab here\nline"
    assert clean_text("cafe\u0301") == "caf\u00e9"  # composed (NFC)
    assert clean_text("emoji \U0001F600 and 中文 and ZWJ \u200d stay") == "emoji \U0001F600 and 中文 and ZWJ \u200d stay"


def test_runs_of_spaces_are_kept_as_the_family_typed_them():
    assert checked("what   is\n\nmibg").text == "what   is\n\nmibg"


@pytest.mark.parametrize("message, expected", [
    ('/ask_question{"topic_id": "stage_4s"}', '/ask_question{"topic_id":"stage_4s"}'),
    ('  /ask_question{"CITY":"Oakland"}  ', '/ask_question{"CITY":"Oakland"}'),
    ('/request_interpreter{"LANGUAGE": "Spanish"}', '/request_interpreter{"LANGUAGE":"Spanish"}'),
    ("/talk_to_person", "/talk_to_person"),
    ("/session_start", "/session_start"),
])
def test_the_payloads_of_the_bots_buttons_reach_rasa_rebuilt(message, expected):
    incoming = checked(message)
    assert (incoming.kind, incoming.text) == (PAYLOAD, expected)


@pytest.mark.parametrize("message, as_text", [
    ("/restart", "restart"),
    ("/unknown_intent", "unknown_intent"),
    ('/ask_question{"requested_slot": "contact_value"}', 'ask_question{"requested_slot": "contact_value"}'),
    ('/ask_question{"topic_id": 5}', 'ask_question{"topic_id": 5}'),
    ('/ask_question{"topic_id": ["a", "b"]}', 'ask_question{"topic_id": ["a", "b"]}'),
    ('/ask_question{"topic_id": "' + "x" * 200 + '"}', 'ask_question{"topic_id": "' + "x" * 200 + '"}'),
    ('/ask_question{"topic_id": "a"', 'ask_question{"topic_id": "a"'),
    ("/greet@0.1", "greet@0.1"),
    ("/ask_question/stage_4s", "ask_question/stage_4s"),
    ("///etc/passwd", "etc/passwd"),
    ("/ what is mibg", "what is mibg"),
])
def test_anything_else_starting_with_a_slash_is_read_as_text(message, as_text):
    incoming = checked(message)
    assert (incoming.kind, incoming.text) == (TEXT, as_text)


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_whatever_is_typed_the_result_is_clean_and_no_unchecked_payload_reaches_rasa(text):
    incoming = checked(text)
    assert incoming.kind in (TEXT, PAYLOAD, EMPTY, TOO_LONG)
    incoming.text.encode("utf-8")  # valid Unicode: no lone surrogates
    assert not message_checks._REMOVED.search(incoming.text)
    if incoming.kind == TEXT:
        assert not incoming.text.lstrip().startswith("/") and incoming.text.strip()
        assert len(incoming.text) <= LIMIT
    if incoming.kind == PAYLOAD:
        assert incoming.text.split("{")[0][1:] in INTENTS


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(ENTITIES) + ["slot", "requested_slot", "__proto__"]),
                       st.one_of(st.text(max_size=150), st.integers(), st.none(), st.lists(st.text(max_size=5))),
                       max_size=3),
       st.sampled_from(sorted(INTENTS) + ["restart", "nope", "ask_question/x"]))
def test_a_payload_reaches_rasa_only_with_known_entities_and_short_text_values(entities, intent):
    incoming = checked("/" + intent + json.dumps(entities))
    valid = intent in INTENTS and all(name in ENTITIES and isinstance(value, str) and value.strip()
                                      and len(value) <= message_checks.MAX_ENTITY_CHARS
                                      for name, value in entities.items())
    assert (incoming.kind == PAYLOAD) == valid
    if valid and entities:
        rebuilt = json.loads(incoming.text[len(intent) + 1:])
        assert rebuilt == {name: " ".join(value.split()) for name, value in entities.items()}
