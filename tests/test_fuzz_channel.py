"""A hypothesis fuzz of the web page's REST channel, over HTTP, against real servers logging at DEBUG.

Cases: random Unicode (lone surrogates and control characters included), parents' questions
with typos, HTML, script and SQL, texts around and far over the length cap, huge and malformed
bodies, wrong types and missing fields, and `/intent{json}` payloads with hostile intents, slots
and entity values. Every valid text carries a random marker word, so a log line that shows any
part of it around the marker is found.

For every case: no 5xx, no stack trace in the body, a reply for every valid body (a list with
something to read) and a JSON error for every 4xx. Afterwards a plain question is still answered,
and no log of either server holds a fuzzed text, a marker or a contact detail.

    FUZZ_CASES (default 2,000; `make fuzz` runs 10,000)  FUZZ_SEED  FUZZ_REPORT (a Markdown file)
"""
from __future__ import annotations

import json
import os
import re
import statistics
import string
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Iterator, List, Optional

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from bot.message_checks import SENDER, clean_text
from bot.servers import Servers
from knowledge import load
from knowledge.private_logs import EMAIL, INTERNATIONAL_PHONE

ROOT = Path(__file__).resolve().parent.parent
CASES = int(os.environ.get("FUZZ_CASES", "2000"))
SEED = int(os.environ.get("FUZZ_SEED", "20261203"))
REPORT = os.environ.get("FUZZ_REPORT")
KB = load()
MARKER = re.compile(r"zq[a-z]{8}zq")
STACK_TRACE = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+|\bat [\w.$]+\(")

DEV_QUESTIONS = [item["text"] for item in yaml.safe_load((ROOT / "tests" / "dev_set.yml").read_text(encoding="utf-8"))]
HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "'; DROP TABLE events; --",
           "\" OR 1=1 --", "{{7*7}}", "${jndi:ldap://x}", "../../etc/passwd", "%s%s%s%n", "\\u0000", "NaN",
           "<!--", "]]>", "\u202eevil", "\ufeff", "null", "undefined", "$(rm -rf /)", "`id`"]
CONTACTS = ["+14155550100", "415 555 0100", "maria.lopez@example.org", "(415) 476-2000"]
INTENTS = ["ask_question", "request_interpreter", "talk_to_person", "inform", "stop", "emergency", "greet",
           "session_start", "restart", "back", "nlu_fallback", "out_of_scope", "other_language", "nope", "",
           "ask_question/stage_4s", "action_listen", "__proto__"]
ENTITY_NAMES = ["topic_id", "LANGUAGE", "CITY", "PROGRAM", "TREATMENT", "TEST", "contact_value",
                "interpreter_confirmed", "requested_slot", "last_topic", "x" * 200]


@st.composite
def marked(draw, text: st.SearchStrategy) -> str:
    """A text with a random marker word in it, at a random place."""
    body = draw(text)
    marker = "zq" + "".join(draw(st.lists(st.sampled_from(string.ascii_lowercase), min_size=8, max_size=8))) + "zq"
    at = draw(st.integers(0, len(body)))
    return body[:at] + f" {marker} " + body[at:]


@st.composite
def typo(draw) -> str:
    question = draw(st.sampled_from(DEV_QUESTIONS))
    for _ in range(draw(st.integers(0, 4))):
        if not question:
            break
        at = draw(st.integers(0, len(question) - 1))
        question = question[:at] + draw(st.sampled_from(["", "e", "  ", "?", "!!", "\n", question[at] * 2])) \
            + question[at + 1:]
    return draw(st.sampled_from([str.lower, str.upper, str.title, str])) (question)


any_unicode = st.text(st.characters(exclude_categories=()), max_size=300)  # surrogates and controls too
controls = st.text(st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Zs", "Co"]), max_size=60)
payload = st.builds(
    lambda intent, entities, tail: "/" + intent + (json.dumps(entities) if entities is not None else "") + tail,
    st.sampled_from(INTENTS),
    st.one_of(st.none(), st.dictionaries(
        st.sampled_from(ENTITY_NAMES),
        st.one_of(st.text(max_size=80), st.sampled_from(HOSTILE + CONTACTS), st.integers(), st.floats(),
                  st.booleans(), st.none(), st.lists(st.text(max_size=8), max_size=3),
                  st.dictionaries(st.text(max_size=5), st.integers(), max_size=2), st.just("x" * 5000)),
        max_size=3)),
    st.sampled_from(["", "", "@0.9", "}", " extra", "{", "\x00"]))

valid_text = st.one_of(
    marked(any_unicode),
    marked(typo()),
    marked(st.builds(lambda a, b, c: f"{a} {b} {c}", typo(), st.sampled_from(HOSTILE + CONTACTS), controls)),
    marked(st.sampled_from(HOSTILE + CONTACTS)),
    marked(st.text(st.sampled_from(list("ab ,.?!\n\t+1@-(")), min_size=900, max_size=1100)),  # around the cap
    marked(st.builds(lambda word, n: word * n, st.sampled_from(["a", "what ", "1 ", "(", "Ab ", "!"]),
                     st.integers(200, 1000))),
    marked(st.text(st.characters(categories=["Ll", "Zs"]), min_size=1200, max_size=20000)),  # never read
    payload,
    st.sampled_from(["", " ", "\n", "/", "hi", "thanks", "yes", "no", "Spanish", "stop"]),
)
# Mostly new conversations; some of a few hundred go on over many cases (forms started and left).
senders = st.one_of(st.from_regex(SENDER, fullmatch=True), st.from_regex(SENDER, fullmatch=True),
                    st.sampled_from([f"fuzz-{n:03d}" for n in range(300)]))
valid_body = st.fixed_dictionaries({"sender": senders, "message": valid_text})
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                           lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8),
                                                                                             children, max_size=4),
                           max_leaves=12)
wrong_body = st.one_of(
    st.fixed_dictionaries({}, optional={"sender": json_values, "message": json_values, "metadata": json_values,
                                        "input_channel": json_values}),
    st.fixed_dictionaries({"sender": st.one_of(st.none(), st.integers(), st.text(max_size=300), st.lists(st.text())),
                           "message": st.one_of(st.none(), st.integers(), st.floats(), st.lists(st.text()),
                                                st.dictionaries(st.text(), st.text()), st.booleans())}),
    json_values.filter(lambda value: not isinstance(value, dict)),
)
raw_body = st.one_of(
    st.binary(max_size=2000),
    st.builds(lambda body, cut: json.dumps(body)[:cut], valid_body, st.integers(0, 40)),  # truncated
    st.builds(lambda n: "[" * n + "]" * n, st.integers(1, 50000)),  # deeply nested
    st.just('{"sender": "fuzz-00", "message": "' + "x" * 70000 + '"}'),  # over the body cap
    st.builds(lambda n: '{"sender": "fuzz-01", "message": 1' + "0" * n + "}", st.integers(1, 6000)),  # huge number
    st.text(max_size=200),
)
case = st.one_of(st.tuples(st.just("valid"), valid_body), st.tuples(st.just("wrong"), wrong_body),
                 st.tuples(st.just("raw"), raw_body))


class Record:
    def __init__(self) -> None:
        self.statuses: Counter = Counter()
        self.kinds: Counter = Counter()
        self.problems: List[str] = []
        self.texts: List[str] = []
        self.latency: dict = {"valid": [], "wrong": [], "raw": []}
        self.cases = 0


RECORD = Record()


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory) -> Iterator[Servers]:
    """Servers of this module's own, logging at DEBUG: no log level may show a family's text."""
    servers = Servers(tmp_path_factory.mktemp("fuzz"))
    servers.rasa_args = ["--debug"]
    servers.action_args = ["--debug"]
    with servers:
        yield servers


def encoded(kind: str, body) -> bytes:
    if kind == "raw":
        return body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")
    return json.dumps(body).encode("utf-8")


def valid(content: bytes) -> bool:
    """Whether the channel's contract (README) makes this body one to answer, not refuse."""
    try:
        data = json.loads(content.decode("utf-8"))
    except Exception:  # noqa: BLE001  (not UTF-8, not JSON, too deep, a number too long)
        return False
    return (isinstance(data, dict) and isinstance(data.get("sender"), str)
            and SENDER.fullmatch(data["sender"]) is not None and isinstance(data.get("message"), str)
            and len(content) <= 64 * 1024)


def check(content: bytes, response: httpx.Response) -> Optional[str]:
    """What is wrong with the reply, from a family's or a client's side; None when nothing is."""
    if response.status_code >= 500:
        return f"HTTP {response.status_code}"
    if STACK_TRACE.search(response.text):
        return "a stack trace in the body"
    try:
        data = response.json()
    except ValueError:
        return f"HTTP {response.status_code} with a body that is not JSON"
    if valid(content):
        if response.status_code != 200:
            return f"HTTP {response.status_code} for a valid body"
        if not isinstance(data, list) or not any(isinstance(m, dict) and m.get("text") for m in data):
            return "an empty reply to a valid body"
        RECORD.kinds.update(m["custom"].get("type", "") for m in data if isinstance(m.get("custom"), dict))
    elif not 400 <= response.status_code < 500 or not (isinstance(data, dict) and "error" in data):
        return f"HTTP {response.status_code} for an invalid body, or no JSON error"
    return None


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=60) as opened:
        yield opened


@seed(SEED)
@settings(max_examples=CASES, deadline=None, database=None, derandomize=False,
          suppress_health_check=list(HealthCheck))
@given(case)
def test_every_request_gets_a_reply_or_a_clear_4xx(fuzzed, client, case):
    kind, body = case
    if kind == "valid":
        RECORD.texts.append(body["message"])
    content = encoded(kind, body)
    started = time.monotonic()
    response = client.post(fuzzed.rest_url, content=content, headers={"content-type": "application/json"})
    RECORD.latency[kind].append(time.monotonic() - started)
    RECORD.cases += 1
    RECORD.statuses[response.status_code] += 1
    problem = check(content, response)
    if problem:
        RECORD.problems.append(f"{problem}: {kind} {str(body)[:200]!r}")
    assert problem is None, problem


def test_after_the_fuzz_a_plain_question_is_still_answered(fuzzed, client):
    replies = client.post(fuzzed.rest_url, json={"sender": f"after-{uuid.uuid4()}",
                                                 "message": "what are the symptoms of neuroblastoma?"}).json()
    assert any(m.get("custom", {}).get("topic_id") == "symptoms_common" for m in replies), replies


def escaped(text: str) -> List[str]:
    forms = []
    for plain in {text, clean_text(text)}:
        forms += [plain, json.dumps(plain)[1:-1], json.dumps(plain, ensure_ascii=False)[1:-1], repr(plain)[1:-1]]
    return forms


def test_no_log_holds_a_fuzzed_text_a_marker_or_a_contact_detail(fuzzed):
    logs = {path.name: path.read_text(encoding="utf-8", errors="replace") for path in fuzzed.workdir.glob("*.log")}
    assert set(logs) >= {"rasa.log", "actions.log"}
    assert "DEBUG" in logs["rasa.log"]  # the servers did log at the most detailed level
    found = {name: sorted(set(MARKER.findall(text)))[:5] for name, text in logs.items() if MARKER.search(text)}
    contacts = {name: (EMAIL.findall(text) + INTERNATIONAL_PHONE.findall(text))[:5] for name, text in logs.items()
                if EMAIL.search(text) or INTERNATIONAL_PHONE.search(text)}
    # A bare intent of the bot's own ("/request_interpreter", which the fuzzer can draw with a
    # control character after it) is what a button sends: the same text is in the DEBUG log as the
    # payload of the bot's own buttons, and it holds nothing a family typed. Every other text is
    # searched, and the marker words and contact details above are searched whatever the text.
    distinctive = [text for text in RECORD.texts if len(clean_text(text).strip()) >= 16
                   and not re.fullmatch(r"/[a-z_]+", clean_text(text).strip())][:400]
    leaked = [text[:80] for text in distinctive
              if any(form.strip() and form in log for form in escaped(text) for log in logs.values())]
    write_report(logs, found, contacts, leaked, len(distinctive))
    assert found == {}, found
    assert contacts == {}, contacts
    assert leaked == [], leaked


def write_report(logs: dict, markers: dict, contacts: dict, leaked: list, searched: int) -> None:
    if not REPORT:
        return
    path = Path(REPORT)
    path.parent.mkdir(parents=True, exist_ok=True)

    def p95(values: List[float]) -> str:
        return f"{statistics.quantiles(values, n=20)[-1] * 1000:.0f} ms" if len(values) >= 20 else "-"

    lines = [
        "# Fuzz of the REST channel", "",
        f"{time.strftime('%Y-%m-%d')}, seed {SEED}: {RECORD.cases:,} cases over HTTP against the real servers, "
        "both logging at DEBUG.", "",
        "| | count |", "| --- | ---: |",
        *[f"| HTTP {status} | {count:,} |" for status, count in sorted(RECORD.statuses.items())],
        f"| 5xx | {sum(c for s, c in RECORD.statuses.items() if s >= 500)} |",
        f"| problems (5xx, empty replies to valid bodies, stack traces, 4xx without a JSON error) | "
        f"{len(RECORD.problems)} |", "",
        "Replies to valid bodies, by kind: " + ", ".join(f"{kind or 'domain response'} {count:,}"
                                                        for kind, count in RECORD.kinds.most_common()) + ".", "",
        "p95 time per request: " + ", ".join(f"{kind} {p95(values)}" for kind, values in RECORD.latency.items())
        + f"; slowest {max(v for values in RECORD.latency.values() for v in values) * 1000:.0f} ms.", "",
        f"Logs: {', '.join(f'{name} {len(text) / 1e6:.1f} MB' for name, text in sorted(logs.items()))}. "
        f"Marker words found: {sum(len(v) for v in markers.values())}. Contact details found: "
        f"{sum(len(v) for v in contacts.values())}. Fuzzed texts of 16 characters or more searched in every "
        f"escaped form: {searched}, found: {len(leaked)}.", "",
    ]
    if RECORD.problems:
        lines += ["## Problems", ""] + [f"- {problem}" for problem in RECORD.problems[:50]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
