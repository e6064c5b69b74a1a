"""Requests for an interpreter, kept so that staff can call the family back.

The hospital's privacy rule is to collect the minimum: each request holds the language, an optional
purpose (appointment type or program), one way to reach the person (a phone number in E.164 form or a
normalised email address), when they agreed to be contacted, and a reference number they can quote.
No names, no conversation ids and no message text. A request without consent is refused.

The database is a SQLite file by default (var/interpreter_requests.db, readable by its owner only) or
any URL in INTERPRETER_DB_URL, such as postgresql://user:password@host/database. Staff read, export and
purge the requests with `python -m actions.staff` (actions/staff.py).

A request is never lost to a database outage. When the database cannot be reached (or does not answer
within DB_TIMEOUT_SECONDS), `file_request` keeps the request in a local outbox instead: a SQLite file
(INTERPRETER_OUTBOX, default var/interpreter_outbox.db, readable by its owner only). The family gets
its reference number either way. The action server delivers the outbox when the database is back
(`OutboxCourier`, every OUTBOX_RETRY_SECONDS), and so does `python -m actions.staff flush`. The
reference number is drawn before the first attempt and is unique in the database, so a request is
filed once: if an attempt did reach the database before it failed, delivery finds the same request
there and only empties the outbox.

Contact details never reach the logs: nothing here logs them, and the engine hides SQL parameters so a
database error cannot print them either.
"""
from __future__ import annotations

import csv
import logging
import os
import secrets
import sqlite3
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable, List, Optional, TextIO

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import CheckConstraint, DateTime, Engine, String, create_engine, delete, exists, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = ROOT / "var" / "interpreter_requests.db"
DEFAULT_OUTBOX = ROOT / "var" / "interpreter_outbox.db"
DB_TIMEOUT_SECONDS = 3.0  # well inside the Rasa server's wait for an action (ACTION_TIMEOUT_SECONDS)

CONTACT_METHODS = ("phone", "email")
MAX_LANGUAGE = 80
MAX_PURPOSE = 120
MAX_CONTACT = 254  # the longest valid email address

# No 0/O, 1/I/L: a reference read out over the phone cannot be misheard as another one.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_PREFIX = "IR-"
REFERENCE_LENGTH = 6
REFERENCE_ATTEMPTS = 5

# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_HEADER = ("reference", "created_at", "language", "purpose", "contact_method", "contact_value", "consent_at")


class StoreError(Exception):
    """The database could not be opened or written. The message never contains a password or contact details."""


def new_reference() -> str:
    """A reference such as IR-7KQ3MZ: 31**6 (about 887 million) values, drawn with `secrets` so it cannot be guessed."""
    return REFERENCE_PREFIX + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def database_url() -> str:
    """INTERPRETER_DB_URL, or the SQLite file in var/ (an absolute path, so the working directory does not matter)."""
    return os.environ.get("INTERPRETER_DB_URL") or f"sqlite:///{DEFAULT_DATABASE}"


class UtcDateTime(TypeDecorator):
    """A timezone-aware datetime, stored and returned in UTC on every backend.

    SQLite has no time zone type and returns naive values; PostgreSQL returns the session's time zone.
    Both come back as UTC here, and a naive value is refused on the way in rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("a naive datetime was given; use an aware one, e.g. datetime.now(timezone.utc)")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Optional[datetime], dialect) -> Optional[datetime]:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


@dataclass(frozen=True)
class NewRequest:
    """A checked request with its reference number, before it is stored."""

    reference: str
    created_at: datetime
    language: str
    purpose: Optional[str]
    contact_method: str
    contact_value: str
    consent_at: datetime


DELIVERED, ALREADY, CONFLICT = "delivered", "already", "conflict"


def prepare(language: str, purpose: Optional[str], contact_method: str, contact_value: str, consent: bool, *,
            now: Optional[datetime] = None, reference: Optional[str] = None) -> NewRequest:
    """The request checked and normalised, with a reference number. Raises ValueError for a request
    without consent or with a missing or malformed field."""
    if consent is not True:
        raise ValueError("a request can only be stored when the person agreed to be contacted")
    method = (contact_method or "").strip().lower()
    if method not in CONTACT_METHODS:
        raise ValueError(f"the contact method must be one of {', '.join(CONTACT_METHODS)}")
    moment = now or datetime.now(timezone.utc)
    if moment.tzinfo is None:
        raise ValueError("`now` must be timezone-aware")
    return NewRequest(
        reference=reference or new_reference(),
        created_at=moment,
        language=_text(language, "language", MAX_LANGUAGE, required=True),
        purpose=_text(purpose, "purpose", MAX_PURPOSE, required=False),
        contact_method=method,
        contact_value=normalise_contact(method, contact_value),
        consent_at=moment,
    )


def _row(request: NewRequest) -> "InterpreterRequest":
    return InterpreterRequest(reference=request.reference, created_at=request.created_at,
                              language=request.language, purpose=request.purpose,
                              contact_method=request.contact_method, contact_value=request.contact_value,
                              consent_at=request.consent_at)


class Base(DeclarativeBase):
    pass


class InterpreterRequest(Base):
    __tablename__ = "interpreter_requests"
    __table_args__ = (CheckConstraint("contact_method IN ('phone', 'email')", name="contact_method_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    language: Mapped[str] = mapped_column(String(MAX_LANGUAGE))
    purpose: Mapped[Optional[str]] = mapped_column(String(MAX_PURPOSE))
    contact_method: Mapped[str] = mapped_column(String(8))
    contact_value: Mapped[str] = mapped_column(String(MAX_CONTACT))
    consent_at: Mapped[datetime] = mapped_column(UtcDateTime)


@dataclass(frozen=True)
class StoredRequest(NewRequest):
    """A snapshot of one stored request, safe to keep after the session that read it is gone."""

    id: int

    @classmethod
    def of(cls, row: InterpreterRequest) -> "StoredRequest":
        return cls(id=row.id, reference=row.reference, created_at=row.created_at, language=row.language,
                   purpose=row.purpose, contact_method=row.contact_method, contact_value=row.contact_value,
                   consent_at=row.consent_at)


def _text(value: Optional[str], field: str, limit: int, required: bool) -> Optional[str]:
    """The value with surrounding whitespace removed; None when empty and optional. The message names the field only."""
    value = (value or "").strip()
    if not value:
        if required:
            raise ValueError(f"the {field} is required")
        return None
    if len(value) > limit:
        raise ValueError(f"the {field} is longer than {limit} characters")
    return value


def normalise_contact(method: str, value: str, region: Optional[str] = None) -> str:
    """The phone number in E.164 form (+14155550134) or the email address with its domain normalised.

    A phone number needs its country code unless `region` (e.g. "US") says which country it is in.
    Raises ValueError with a message that can be shown to the person and does not repeat the value.
    """
    text = _text(value, "contact detail", MAX_CONTACT, required=True)
    if method == "phone":
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            raise ValueError("that is not a phone number I can use; please include the country code, e.g. +1") from None
        if not phonenumbers.is_valid_number(number):
            raise ValueError("that phone number is not valid; please check the digits and the country code")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if method == "email":
        try:
            return validate_email(text, check_deliverability=False).normalized
        except EmailNotValidError:
            raise ValueError("that is not an email address I can use; please check it") from None
    raise ValueError(f"the contact method must be one of {', '.join(CONTACT_METHODS)}")


def _safe_cell(value: object) -> str:
    """The value as CSV text that a spreadsheet shows instead of running (OWASP's advice: a leading quote)."""
    text = "" if value is None else value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _engine_url(url: str) -> URL:
    # Heroku-style postgres:// URLs are refused by SQLAlchemy; they mean the same as postgresql://.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    try:
        return make_url(url)
    except ArgumentError:
        raise StoreError("the database URL is not valid: expected sqlite:///path/to/file.db "
                         "or postgresql://user:password@host/database") from None


def _prepare_sqlite_file(url: URL) -> None:
    """Create the file's directory, and the file itself readable by its owner only: it holds contact details."""
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        return
    path = Path(url.database)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def db_timeout() -> float:
    return float(os.environ.get("DB_TIMEOUT_SECONDS") or DB_TIMEOUT_SECONDS)


def _timeouts(url: URL) -> dict:
    """A database that does not answer fails in seconds, so the family's request goes to the outbox
    before the Rasa server gives up on the action."""
    seconds = db_timeout()
    if url.get_backend_name() == "sqlite":
        return {"timeout": seconds}
    if url.get_driver_name() in ("psycopg2", "psycopg"):
        return {"connect_timeout": max(1, int(seconds)), "options": f"-c statement_timeout={int(seconds * 1000)}"}
    return {}


def _open_engine(url: URL) -> Engine:
    safe = url.render_as_string(hide_password=True)
    try:
        if url.get_backend_name() == "sqlite":
            _prepare_sqlite_file(url)
        # hide_parameters: an error or SQL log line must never carry a phone number or email address.
        engine = create_engine(url, pool_pre_ping=True, hide_parameters=True, connect_args=_timeouts(url))
    except ArgumentError as error:  # includes an unknown database type or a missing driver
        raise StoreError(f"cannot use the database {safe}: {error}") from None
    except OSError as error:
        raise StoreError(f"cannot create the database file for {safe}: {error.strerror}") from None
    try:
        Base.metadata.create_all(engine)
    except SQLAlchemyError as error:
        engine.dispose()
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise StoreError(f"cannot open the database {safe}: {reason}") from None
    return engine


class RequestStore:
    """The interpreter requests in one database. Creates the table on first use.

    `references` makes new reference numbers; tests pass their own to force a collision.
    """

    def __init__(self, url: Optional[str] = None, *, references: Callable[[], str] = new_reference) -> None:
        self.url = _engine_url(url or database_url())
        self._engine = _open_engine(self.url)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        self._references = references

    def add(self, language: str, purpose: Optional[str], contact_method: str, contact_value: str, consent: bool,
            *, now: Optional[datetime] = None) -> StoredRequest:
        """Store a request the person agreed to be contacted about; `now` (aware) defaults to the current time.

        Raises ValueError for a request without consent or with a missing or malformed field.
        """
        request = prepare(language, purpose, contact_method, contact_value, consent, now=now,
                          reference=self._references())
        for attempt in range(REFERENCE_ATTEMPTS):
            if attempt:
                request = replace(request, reference=self._references())
            stored = self._insert(_row(request))
            if stored:
                logger.debug("stored interpreter request %s", stored.reference)
                return stored
            logger.warning("reference collision on a new interpreter request; drawing another")
        raise StoreError(f"no unused reference number after {REFERENCE_ATTEMPTS} attempts")

    def deliver(self, request: "NewRequest") -> str:
        """Store a request that already has its reference (from the outbox). "delivered"; "already" when
        the database holds this very request; "conflict" when another request holds its reference."""
        if self._insert(_row(request)):
            return DELIVERED
        with self._sessions() as session:
            row = session.scalars(select(InterpreterRequest).where(
                InterpreterRequest.reference == request.reference)).one()
            same = (row.language, row.purpose, row.contact_method, row.contact_value) == (
                request.language, request.purpose, request.contact_method, request.contact_value)
        return ALREADY if same else CONFLICT

    def _insert(self, row: InterpreterRequest) -> Optional[StoredRequest]:
        """The stored request, or None when its reference is already taken."""
        with self._sessions() as session:
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                if self._reference_taken(session, row.reference):
                    return None
                raise
            return StoredRequest.of(row)

    @staticmethod
    def _reference_taken(session: Session, reference: str) -> bool:
        return bool(session.scalar(select(exists().where(InterpreterRequest.reference == reference))))

    def all(self) -> List[StoredRequest]:
        """Every request, oldest first."""
        with self._sessions() as session:
            rows = session.scalars(select(InterpreterRequest).order_by(InterpreterRequest.created_at,
                                                                       InterpreterRequest.id))
            return [StoredRequest.of(row) for row in rows]

    def purge(self, older_than_days: int, now: Optional[datetime] = None) -> int:
        """Delete the requests created more than `older_than_days` days before `now`; the number deleted."""
        if isinstance(older_than_days, bool) or not isinstance(older_than_days, int) or older_than_days < 0:
            raise ValueError("older_than_days must be a whole number of days, 0 or more")
        moment = now or datetime.now(timezone.utc)
        if moment.tzinfo is None:
            raise ValueError("`now` must be timezone-aware")
        cutoff = moment - timedelta(days=older_than_days)
        with self._sessions() as session:
            deleted = session.execute(delete(InterpreterRequest).where(InterpreterRequest.created_at < cutoff)).rowcount
            session.commit()
        logger.info("purged %d interpreter requests created more than %d days ago", deleted, older_than_days)
        return deleted

    def export_csv(self, stream: TextIO) -> int:
        """Write a header and one row per request (oldest first) to `stream`; the number of requests written."""
        requests = self.all()
        writer = csv.writer(stream)
        writer.writerow(CSV_HEADER)
        writer.writerows(_csv_row(request) for request in requests)
        return len(requests)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> "RequestStore":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _csv_row(request: StoredRequest) -> Iterable[str]:
    return [_safe_cell(getattr(request, name)) for name in CSV_HEADER]


def store_from_env() -> RequestStore:
    """The store at INTERPRETER_DB_URL (default: var/interpreter_requests.db)."""
    return RequestStore(database_url())


# --- the outbox: requests kept while the database cannot be reached ------------------------------------------

def outbox_path() -> Path:
    return Path(os.environ.get("INTERPRETER_OUTBOX") or DEFAULT_OUTBOX)


_OUTBOX_COLUMNS = ("reference", "created_at", "language", "purpose", "contact_method", "contact_value", "consent_at")


class Outbox:
    """Requests waiting for the database, in a local SQLite file readable by its owner only. A
    request leaves the outbox only once the database holds it."""

    def __init__(self, path: Optional[Path] = None) -> None:
        self.path = Path(path or outbox_path())

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        connection = sqlite3.connect(self.path, timeout=db_timeout())
        connection.execute("CREATE TABLE IF NOT EXISTS waiting (reference TEXT PRIMARY KEY, created_at TEXT NOT NULL, "
                           "language TEXT NOT NULL, purpose TEXT, contact_method TEXT NOT NULL, "
                           "contact_value TEXT NOT NULL, consent_at TEXT NOT NULL)")
        return connection

    def put(self, request: NewRequest) -> None:
        """Keep the request (committed to disk before this returns)."""
        connection = self._connect()
        try:
            with connection:
                connection.execute(f"INSERT OR REPLACE INTO waiting ({', '.join(_OUTBOX_COLUMNS)}) VALUES "
                                   f"({', '.join('?' for _ in _OUTBOX_COLUMNS)})",
                                   [getattr(request, name).isoformat() if isinstance(getattr(request, name), datetime)
                                    else getattr(request, name) for name in _OUTBOX_COLUMNS])
        finally:
            connection.close()

    def waiting(self) -> List[NewRequest]:
        """The requests not yet delivered, oldest first (none when there is no outbox file)."""
        if not self.path.exists():
            return []
        connection = self._connect()
        try:
            rows = connection.execute(f"SELECT {', '.join(_OUTBOX_COLUMNS)} FROM waiting "
                                      "ORDER BY created_at, reference").fetchall()
        finally:
            connection.close()
        return [NewRequest(reference, datetime.fromisoformat(created), language, purpose, method, value,
                           datetime.fromisoformat(consent))
                for reference, created, language, purpose, method, value, consent in rows]

    def remove(self, reference: str) -> None:
        connection = self._connect()
        try:
            with connection:
                connection.execute("DELETE FROM waiting WHERE reference = ?", (reference,))
        finally:
            connection.close()


@dataclass(frozen=True)
class Filed:
    request: NewRequest
    queued: bool  # True: in the outbox, delivered when the database is back


def file_request(language: str, purpose: Optional[str], contact_method: str, contact_value: str, consent: bool, *,
                 url: Optional[str] = None, outbox: Optional[Outbox] = None) -> Filed:
    """Store the request, or keep it in the outbox when the database fails. Raises ValueError for a
    request that is not complete, and OSError or sqlite3.Error when even the outbox cannot keep it."""
    request = prepare(language, purpose, contact_method, contact_value, consent)
    try:
        with RequestStore(url) as store:
            if store.deliver(request) != CONFLICT:
                return Filed(request, queued=False)
            # Another request drew the same reference: this one is stored with a new one.
            return Filed(store.add(language, purpose, contact_method, contact_value, consent), queued=False)
    except (StoreError, SQLAlchemyError) as error:
        logger.warning("the interpreter request database failed (%s); request %s goes to the outbox",
                       type(error).__name__, request.reference)
    (outbox or Outbox()).put(request)
    return Filed(request, queued=True)


@dataclass(frozen=True)
class Delivery:
    delivered: int = 0
    already: int = 0  # the database held them already (an attempt had reached it)
    conflicts: int = 0  # another request holds the reference: left in the outbox for staff
    waiting: int = 0  # still in the outbox
    error: Optional[str] = None  # why delivery stopped (the database still failing)


def deliver_outbox(url: Optional[str] = None, outbox: Optional[Outbox] = None) -> Delivery:
    """Move every waiting request into the database, oldest first, each removed from the outbox only
    once the database holds it."""
    outbox = outbox or Outbox()
    waiting = outbox.waiting()
    if not waiting:
        return Delivery()
    counts = {DELIVERED: 0, ALREADY: 0, CONFLICT: 0}
    try:
        with RequestStore(url) as store:
            for request in waiting:
                outcome = store.deliver(request)
                counts[outcome] += 1
                if outcome == CONFLICT:
                    logger.error("interpreter request %s stays in the outbox: the database holds another "
                                 "request with its reference", request.reference)
                    continue
                outbox.remove(request.reference)
                logger.info("interpreter request %s delivered from the outbox", request.reference)
    except (StoreError, SQLAlchemyError) as error:
        return Delivery(counts[DELIVERED], counts[ALREADY], counts[CONFLICT], len(outbox.waiting()),
                        type(error).__name__)
    return Delivery(counts[DELIVERED], counts[ALREADY], counts[CONFLICT], len(outbox.waiting()))


class OutboxCourier:
    """A daemon thread in the action server that delivers the outbox every `every` seconds, when it
    holds anything."""

    def __init__(self, every: Optional[float] = None) -> None:
        self.every = every if every is not None else float(os.environ.get("OUTBOX_RETRY_SECONDS") or 30)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="interpreter-outbox", daemon=True)

    def start(self) -> "OutboxCourier":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                if outbox_path().exists() and Outbox().waiting():
                    result = deliver_outbox()
                    if result.error:
                        logger.info("interpreter outbox: %d waiting, the database still fails (%s)",
                                    result.waiting, result.error)
            except Exception as error:  # noqa: BLE001  (the courier tries again next time)
                logger.error("interpreter outbox delivery failed (%s)", type(error).__name__)
