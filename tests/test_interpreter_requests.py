"""Interpreter requests: the store on SQLite and on a real PostgreSQL server, and the staff command."""
from __future__ import annotations

import csv
import dataclasses
import io
import logging
import re
import stat
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from itertools import count
from pathlib import Path
from typing import Iterator, List

import pytest

from actions.interpreter_requests import (
    CSV_HEADER, DEFAULT_DATABASE, Delivery, Outbox, RequestStore, StoreError, database_url, deliver_outbox,
    file_request, normalise_contact, prepare, store_from_env)
from postgres_server import PostgresServer, PostgresUnavailable

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = re.compile(r"^IR-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}$")
PHONE = "+1 415 476 2000"
PHONE_E164 = "+14154762000"
EMAIL = "  Maria.Lopez@Example.ORG "
EMAIL_NORMALISED = "Maria.Lopez@example.org"
_databases = count()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer()
        server.start()
    except PostgresUnavailable as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """An empty database on each backend: a new SQLite file, or a new database on the session's server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'requests.db'}"
    return request.getfixturevalue("postgres").create_database(f"test_{next(_databases)}")


@pytest.fixture
def store(db_url) -> Iterator[RequestStore]:
    with RequestStore(db_url) as opened:
        yield opened


def add_phone(store: RequestStore, **overrides):
    fields = dict(language="Spanish", purpose="oncology clinic", contact_method="phone", contact_value=PHONE,
                  consent=True)
    return store.add(**{**fields, **overrides})


# --- the store, on both backends ---------------------------------------------------------------------------

def test_requests_are_stored_with_the_minimum_fields_and_read_back(store, db_url):
    before = datetime.now(timezone.utc)
    phone = add_phone(store, language="  Spanish ", purpose="  oncology clinic ")
    email = store.add("Vietnamese", "  ", "EMAIL", EMAIL, consent=True)
    after = datetime.now(timezone.utc)

    assert REFERENCE.match(phone.reference) and REFERENCE.match(email.reference)
    assert phone.reference != email.reference
    assert (phone.language, phone.purpose, phone.contact_method, phone.contact_value) == \
        ("Spanish", "oncology clinic", "phone", PHONE_E164)
    assert (email.language, email.purpose, email.contact_method, email.contact_value) == \
        ("Vietnamese", None, "email", EMAIL_NORMALISED)
    for request in (phone, email):
        assert request.created_at.utcoffset() == timedelta(0)
        assert before <= request.created_at <= after
        assert request.consent_at == request.created_at

    with RequestStore(db_url) as reopened:  # it is in the database, not in the object
        assert reopened.all() == [phone, email]


def test_a_snapshot_cannot_be_changed(store):
    request = add_phone(store)
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.contact_value = "+442079460958"


@pytest.mark.parametrize("overrides, message", [
    ({"consent": False}, "agreed to be contacted"),
    ({"consent": None}, "agreed to be contacted"),
    ({"consent": "yes"}, "agreed to be contacted"),
    ({"contact_method": "fax"}, "contact method"),
    ({"contact_value": "   "}, "contact detail is required"),
    ({"language": " "}, "language is required"),
    ({"language": "x" * 81}, "longer than 80"),
    ({"purpose": "x" * 121}, "longer than 120"),
    ({"contact_method": "email", "contact_value": "a" * 250 + "@example.org"}, "longer than 254"),
    ({"contact_value": "415 476 2000"}, "country code"),
    ({"contact_value": "+1 123"}, "not valid"),
    ({"contact_method": "email", "contact_value": "maria at example"}, "email address"),
])
def test_incomplete_or_unconsented_requests_are_refused(store, overrides, message):
    with pytest.raises(ValueError, match=message) as refused:
        add_phone(store, **overrides)
    assert "476" not in str(refused.value)  # the message never repeats a phone number
    assert store.all() == []


def test_a_taken_reference_is_drawn_again(db_url):
    drawn = iter(["IR-AAAAAA", "IR-AAAAAA", "IR-AAAAAA", "IR-BBBBBB"])
    with RequestStore(db_url, references=lambda: next(drawn)) as store:
        first, second = add_phone(store), add_phone(store)
        assert (first.reference, second.reference) == ("IR-AAAAAA", "IR-BBBBBB")
        assert [request.reference for request in store.all()] == ["IR-AAAAAA", "IR-BBBBBB"]


def test_a_store_that_only_draws_taken_references_gives_up(db_url):
    draws: List[str] = []

    def always_the_same() -> str:
        draws.append("IR-AAAAAA")
        return "IR-AAAAAA"

    with RequestStore(db_url, references=always_the_same) as store:
        add_phone(store)
        with pytest.raises(StoreError, match="no unused reference"):
            add_phone(store)
        assert len(draws) == 1 + 5
        assert len(store.all()) == 1


def test_purge_deletes_only_requests_older_than_the_limit(store):
    now = datetime(2024, 6, 30, 12, 0, tzinfo=timezone.utc)
    old = add_phone(store, now=now - timedelta(days=31))
    boundary = add_phone(store, now=now - timedelta(days=30))
    recent = add_phone(store, now=now - timedelta(hours=1))

    assert store.purge(30, now=now) == 1
    assert [r.reference for r in store.all()] == [boundary.reference, recent.reference]
    assert old.reference not in {r.reference for r in store.all()}
    assert store.purge(0, now=now) == 2
    assert store.all() == []


@pytest.mark.parametrize("days", [-1, 1.5, True])
def test_purge_refuses_a_negative_or_fractional_age(store, days):
    add_phone(store)
    with pytest.raises(ValueError, match="whole number of days"):
        store.purge(days)
    assert len(store.all()) == 1


def test_export_writes_a_header_and_one_row_per_request_that_a_spreadsheet_will_not_run(store):
    first = add_phone(store, language="=HYPERLINK(\"http://evil\")", purpose="@SUM(A1)")
    second = store.add("-Arabic", "+cardiology", "email", EMAIL, consent=True)
    stream = io.StringIO()

    assert store.export_csv(stream) == 2

    rows = list(csv.reader(io.StringIO(stream.getvalue())))
    assert rows[0] == list(CSV_HEADER)
    assert rows[1] == [first.reference, first.created_at.isoformat(), "'=HYPERLINK(\"http://evil\")", "'@SUM(A1)",
                       "phone", "'" + PHONE_E164, first.consent_at.isoformat()]
    assert rows[2][2:6] == ["'-Arabic", "'+cardiology", "email", EMAIL_NORMALISED]
    assert rows[2][0] == second.reference and len(rows) == 3


def test_timestamps_come_back_in_utc_whatever_the_session_time_zone(postgres):
    url = postgres.create_database(f"test_{next(_databases)}")
    with RequestStore(url) as store:
        stored = add_phone(store)
    with RequestStore(url + "?options=-c%20timezone%3DAmerica/Los_Angeles") as pacific:
        [read] = pacific.all()
    assert read.created_at.utcoffset() == timedelta(0)
    assert read.created_at == stored.created_at


def test_heroku_style_postgres_urls_are_accepted(postgres):
    url = postgres.create_database(f"test_{next(_databases)}").replace("postgresql://", "postgres://")
    with RequestStore(url) as store:
        assert REFERENCE.match(add_phone(store).reference)


def test_contact_details_never_reach_the_logs_at_info_level(store, caplog):
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # as if someone turned SQL logging on
    caplog.set_level(logging.DEBUG, logger="actions.interpreter_requests")  # last: it also sets the handler's level
    phone = add_phone(store, language="Tigrinya", purpose="MIBG scan")
    store.add("Tigrinya", None, "email", EMAIL, consent=True)
    with pytest.raises(ValueError):
        add_phone(store, consent=False)

    assert any(record.levelno == logging.DEBUG and phone.reference in record.getMessage()
               for record in caplog.records)
    assert any(record.name.startswith("sqlalchemy.engine") for record in caplog.records)  # the check below saw SQL
    informative = "\n".join(record.getMessage() for record in caplog.records if record.levelno >= logging.INFO)
    for secret in (PHONE_E164, "4154762000", EMAIL_NORMALISED.lower(), "Tigrinya", "MIBG"):
        assert secret.lower() not in informative.lower()


# --- opening the database ---------------------------------------------------------------------------------

def test_the_default_database_is_the_file_in_var_whatever_the_working_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("INTERPRETER_DB_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert database_url() == f"sqlite:///{ROOT / 'var' / 'interpreter_requests.db'}"
    assert DEFAULT_DATABASE.is_absolute()


def test_the_environment_variable_chooses_the_database(monkeypatch, tmp_path):
    path = tmp_path / "from-env.db"
    monkeypatch.setenv("INTERPRETER_DB_URL", f"sqlite:///{path}")
    with store_from_env() as store:
        add_phone(store)
    assert path.exists()


def test_a_new_sqlite_file_gets_its_directory_and_is_private(tmp_path):
    path = tmp_path / "var" / "nested" / "requests.db"
    with RequestStore(f"sqlite:///{path}") as store:
        add_phone(store)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("url, message", [
    ("not a url", "not valid"),
    ("nosuchdb://host/db", "cannot use the database"),
])
def test_a_bad_url_is_a_store_error(url, message):
    with pytest.raises(StoreError, match=message):
        RequestStore(url)


def test_a_password_in_the_url_is_not_repeated_in_the_error():
    with pytest.raises(StoreError) as failed:
        RequestStore(f"postgresql://staff:s3cret@127.0.0.1:{closed_port()}/requests")
    assert "s3cret" not in str(failed.value) and "connection refused" in str(failed.value).lower()


def test_normalise_contact_can_use_a_default_region():
    assert normalise_contact("phone", "(415) 476-2000", region="US") == PHONE_E164


# --- the outbox: a database outage loses nothing and files nothing twice ----------------------------------

def down_url(tmp_path) -> str:
    """A SQLite URL that cannot be opened: a file stands where its directory should be."""
    (tmp_path / "blocked").write_text("not a directory")
    return f"sqlite:///{tmp_path / 'blocked' / 'requests.db'}"


def test_a_request_the_database_cannot_take_waits_in_a_private_outbox_and_is_delivered_once(db_url, tmp_path):
    outbox = Outbox(tmp_path / "outbox.db")
    filed = file_request("Spanish", None, "phone", PHONE, True, url=down_url(tmp_path), outbox=outbox)
    assert filed.queued and REFERENCE.match(filed.request.reference)
    assert stat.S_IMODE((tmp_path / "outbox.db").stat().st_mode) == 0o600
    assert [r.contact_value for r in outbox.waiting()] == [PHONE_E164]

    assert deliver_outbox(db_url, outbox) == Delivery(delivered=1)
    assert deliver_outbox(db_url, outbox) == Delivery()
    with RequestStore(db_url) as store:
        assert [(r.reference, r.language, r.contact_value) for r in store.all()] == [
            (filed.request.reference, "Spanish", PHONE_E164)]
    assert outbox.waiting() == []


def test_a_request_that_reached_the_database_before_the_failure_is_not_filed_again(db_url, tmp_path):
    outbox = Outbox(tmp_path / "outbox.db")
    request = prepare("Russian", "An appointment", "email", EMAIL, True)
    with RequestStore(db_url) as store:
        assert store.deliver(request) == "delivered"
    outbox.put(request)  # the attempt had stored it, then the connection failed before the answer
    assert deliver_outbox(db_url, outbox) == Delivery(already=1)
    with RequestStore(db_url) as store:
        assert [r.reference for r in store.all()] == [request.reference]
    assert outbox.waiting() == []


def test_another_request_holding_the_reference_is_left_in_the_outbox_for_staff(db_url, tmp_path, caplog):
    outbox = Outbox(tmp_path / "outbox.db")
    with RequestStore(db_url, references=lambda: "IR-SAME22") as store:
        add_phone(store)
    waiting = prepare("Mandarin", None, "email", EMAIL, True, reference="IR-SAME22")
    outbox.put(waiting)
    assert deliver_outbox(db_url, outbox) == Delivery(conflicts=1, waiting=1)
    assert [r.reference for r in outbox.waiting()] == ["IR-SAME22"]
    assert EMAIL_NORMALISED not in caplog.text


def test_with_the_database_still_down_delivery_stops_and_keeps_everything(tmp_path):
    outbox = Outbox(tmp_path / "outbox.db")
    file_request("Spanish", None, "phone", PHONE, True, url=down_url(tmp_path), outbox=outbox)
    result = deliver_outbox(down_url(tmp_path), outbox)
    assert result.error == "StoreError" and result.waiting == 1 and result.delivered == 0


def test_a_reference_another_request_already_has_is_drawn_again_when_filing(db_url, tmp_path, monkeypatch):
    with RequestStore(db_url) as store:
        taken = store.add("Spanish", None, "phone", PHONE, True)
    import actions.interpreter_requests as requests_module

    monkeypatch.setattr(requests_module, "new_reference", lambda: taken.reference)  # the first draw is taken
    filed = file_request("Cantonese", None, "email", EMAIL, True, url=db_url, outbox=Outbox(tmp_path / "o.db"))
    assert not filed.queued and REFERENCE.match(filed.request.reference)
    assert filed.request.reference != taken.reference
    with RequestStore(db_url) as store:
        assert sorted(r.language for r in store.all()) == ["Cantonese", "Spanish"]


# --- the staff command ------------------------------------------------------------------------------------

# actions/__init__.py loads the retrieval model (~15 s) on import. These runs of the command skip that by
# registering the actions package without running its __init__; test_the_documented_command_works runs it whole.
SKIP_PACKAGE_INIT = ("import sys, types; package = types.ModuleType('actions'); package.__path__ = [sys.argv.pop(1)]; "
                     "sys.modules['actions'] = package; from actions.staff import main; sys.exit(main(sys.argv[1:]))")


def staff(*arguments: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", SKIP_PACKAGE_INIT, str(ROOT / "actions"), *arguments]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)


def closed_port() -> int:
    from postgres_server import free_port
    return free_port()


@pytest.fixture
def seeded(tmp_path) -> str:
    """A SQLite database with one old phone request and one new email request; its URL."""
    url = f"sqlite:///{tmp_path / 'staff.db'}"
    with RequestStore(url, references=iter(["IR-AGED23", "IR-FRESH2"]).__next__) as store:
        add_phone(store, now=datetime.now(timezone.utc) - timedelta(days=45))
        store.add("Cantonese", None, "email", EMAIL, consent=True)
    return url


def test_list_shows_what_staff_need_to_call_back(seeded):
    result = staff("--db-url", seeded, "list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Reference", "Created", "(UTC)", "Language", "Purpose", "Method", "Contact"]
    old = next(line for line in lines if "IR-AGED23" in line)
    assert old.split()[3:] == ["Spanish", "oncology", "clinic", "phone", PHONE_E164]
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d ", old)
    assert "IR-FRESH2" in result.stdout and EMAIL_NORMALISED in result.stdout
    assert "2 requests." in result.stdout


def test_list_says_when_there_are_none(tmp_path):
    result = staff("list", "--db-url", f"sqlite:///{tmp_path / 'empty.db'}")
    assert (result.returncode, result.stdout.strip()) == (0, "No interpreter requests.")


def test_export_writes_the_csv_file(seeded, tmp_path):
    out = tmp_path / "requests.csv"
    result = staff("--db-url", seeded, "export", "--out", str(out))
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(out.open(encoding="utf-8", newline="")))
    assert rows[0] == list(CSV_HEADER)
    assert [row[0] for row in rows[1:]] == ["IR-AGED23", "IR-FRESH2"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "Exported 2 requests" in result.stderr


def test_export_to_standard_output_is_only_csv(seeded):
    result = staff("--db-url", seeded, "export", "--out", "-")
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == list(CSV_HEADER) and len(rows) == 3


def test_purge_reports_how_many_were_deleted(seeded):
    result = staff("--db-url", seeded, "purge", "--older-than-days", "30")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Deleted 1 request created more than 30 days ago."
    with RequestStore(seeded) as store:
        assert [r.reference for r in store.all()] == ["IR-FRESH2"]


@pytest.mark.parametrize("url", ["not a url", "nosuchdb://x/y", "postgresql://staff:s3cret@127.0.0.1:{port}/db"])
def test_a_bad_database_url_is_one_line_and_exit_code_1(url):
    result = staff("--db-url", url.format(port=closed_port()), "list")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("error: ")
    assert "s3cret" not in result.stderr


@pytest.mark.parametrize("arguments", [["purge", "--older-than-days", "-3"], ["purge"], ["export"], ["fly"], []])
def test_bad_arguments_exit_with_2(arguments, tmp_path):
    result = staff("--db-url", f"sqlite:///{tmp_path / 'x.db'}", *arguments)
    assert result.returncode == 2 and "usage:" in result.stderr


def test_the_documented_command_works(seeded):
    result = subprocess.run([sys.executable, "-m", "actions.staff", "list", "--db-url", seeded], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "IR-AGED23" in result.stdout and "IR-FRESH2" in result.stdout
