"""Keep what families type, and their contact details, out of every log line at every level.

Both servers install this at start-up (`install()`): the Rasa server from its REST channel
(bot/channel.py), the action server from actions/startup.py. Pure standard library, so both
environments share it.

- Every log record is rewritten when it is made (a log record factory, so it holds for every
  logger and handler, whenever they were configured): the texts of the message being handled are
  replaced by "[message]", and email addresses and phone numbers in international form (how the
  interpreter form stores them) by "[contact]".
- The channel names the texts of the message it is handling with `private(text)`. The name lives in
  a context variable, so it follows the request's asyncio task (and the tasks it starts) and no other.
  The text is also matched in the escaped forms a log may carry it in: JSON (as structlog's JSON
  renderer writes it) and Python repr.
- Tracebacks keep their frames (file, line, function: code, not data) and the exception's type, and
  drop the exception's message and the frames' local variables, either of which can hold a message
  or a tracker. Rasa 3.6's structlog configuration renders locals by default (dict_tracebacks); the
  installed processor replaces that.
- Python warnings go through logging, so they are rewritten too. So do uncaught exceptions in the
  main thread and in other threads.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import threading
import traceback
from contextlib import contextmanager
from contextvars import ContextVar
from types import TracebackType
from typing import Any, Callable, Iterator, List, Optional, Pattern, Tuple, Type

MESSAGE = "[message]"
CONTACT = "[contact]"

# An email address, and a phone number as the interpreter form stores it (E.164: + and 7 to 15 digits).
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", re.UNICODE)
INTERNATIONAL_PHONE = re.compile(r"(?<![\w+])\+\d{7,15}(?!\d)")


class _Texts:
    """The texts of one message, with the pattern that finds them, compiled on first use."""

    def __init__(self, texts: Tuple[str, ...]) -> None:
        self.texts = texts
        self._pattern: Optional[Pattern[str]] = None

    def pattern(self) -> Optional[Pattern[str]]:
        if self._pattern is None and self.texts:
            forms = sorted({form for text in self.texts for form in escaped_forms(text) if form.strip()},
                           key=len, reverse=True)
            if not forms:
                return None
            # Short texts ("no", "ok") only as whole words, so that "not" and "book" stay readable.
            self._pattern = re.compile("|".join(rf"(?<!\w){re.escape(form)}(?!\w)" if len(form) < 8
                                                else re.escape(form) for form in forms))
        return self._pattern


_current: ContextVar[Optional[_Texts]] = ContextVar("private_log_texts", default=None)


def escaped_forms(text: str) -> List[str]:
    """The text as a log may carry it: as it is, with its whitespace collapsed, and JSON- or
    repr-escaped (a value inside a dict's repr, inside a JSON log line, is both)."""
    forms = []
    for plain in {text, text.strip(), " ".join(text.split())}:
        as_repr = repr(plain)[1:-1]
        for form in (plain, as_repr):
            forms += [form, json.dumps(form)[1:-1], json.dumps(form, ensure_ascii=False)[1:-1]]
    return list(dict.fromkeys(forms))


@contextmanager
def private(*texts: Optional[str]) -> Iterator[None]:
    """While this block runs (and in the tasks it starts), no log line shows these texts."""
    outer = _current.get()
    named = tuple(text for text in texts if text) + (outer.texts if outer else ())
    token = _current.set(_Texts(named))
    try:
        yield
    finally:
        _current.reset(token)


def redact(text: str) -> str:
    """The text with the current message's texts and any contact details replaced."""
    current = _current.get()
    pattern = current.pattern() if current else None
    if pattern is not None:
        text = pattern.sub(MESSAGE, text)
    text = EMAIL.sub(CONTACT, text)
    return INTERNATIONAL_PHONE.sub(CONTACT, text)


ExcInfo = Tuple[Type[BaseException], BaseException, Optional[TracebackType]]


def _describe(error: BaseException) -> str:
    """The exception's type; for an operating-system error also the system's own words for it
    ("Address already in use"), which never carry a message or a file name."""
    name = f"{type(error).__module__}.{type(error).__qualname__}"
    if isinstance(error, OSError) and error.strerror:
        return f"{name}: [Errno {error.errno}] {error.strerror} (rest of the message withheld)"
    return f"{name} (message withheld)"


def format_exception(exc_info: Any) -> str:
    """A traceback with its frames and the exception's type only (and the same for its causes)."""
    if exc_info is True:
        exc_info = sys.exc_info()
    if isinstance(exc_info, BaseException):
        exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
    if not exc_info or exc_info[1] is None:
        return ""
    chain: List[BaseException] = []
    error: Optional[BaseException] = exc_info[1]
    while error is not None and error not in chain and len(chain) < 10:
        chain.append(error)
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    parts = []
    for error in reversed(chain):
        frames = traceback.extract_tb(error.__traceback__)
        lines = [f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}' for frame in frames]
        parts.append("\n".join(["Traceback (most recent call last):", *lines, _describe(error)]))
    return "\n\nThe above exception led to the next one:\n\n".join(parts)


_installed = threading.Lock()
_factory_installed = False


def _private_record_factory(original: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = original(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001  (a bad format string must not stop the log line)
            message = str(record.msg)
        if record.exc_info:
            message += "\n" + format_exception(record.exc_info)
            record.exc_info, record.exc_text = None, None
        record.msg, record.args = redact(message), None
        return record

    factory.private = True  # type: ignore[attr-defined]
    return factory


def _structlog_exception(_logger: Any, _name: str, event_dict: dict) -> dict:
    """A structlog processor: the exception as frames and type only, never locals or its message."""
    exc_info = event_dict.pop("exc_info", None)
    if exc_info:
        event_dict["exception"] = format_exception(exc_info)
    return event_dict


def _hide_structlog_locals() -> None:
    """Put our exception processor where Rasa's structlog configuration renders tracebacks."""
    try:
        import structlog
    except ImportError:  # the action server's environment does not use structlog
        return
    processors = structlog.get_config().get("processors")
    if not isinstance(processors, list) or _structlog_exception in processors:
        return
    renderers = (structlog.processors.dict_tracebacks, structlog.processors.format_exc_info)
    kept = [processor for processor in processors if processor not in renderers]
    # Loggers already in use hold this very list, so it is changed in place.
    processors[:] = kept[:-1] + [_structlog_exception] + kept[-1:] if kept else [_structlog_exception]


def _private_excepthook(kind: Type[BaseException], error: BaseException, tb: Optional[TracebackType]) -> None:
    sys.stderr.write(format_exception((kind, error, tb)) + "\n")


def _private_thread_excepthook(arguments: Any) -> None:
    if arguments.exc_value is not None:
        name = arguments.thread.name if arguments.thread else "a thread"
        sys.stderr.write(f"Exception in {name}:\n" + format_exception(arguments.exc_value) + "\n")


def install() -> None:
    """Make every log record private from now on. Safe to call more than once."""
    global _factory_installed
    with _installed:
        if not _factory_installed:
            original = logging.getLogRecordFactory()
            if not getattr(original, "private", False):
                logging.setLogRecordFactory(_private_record_factory(original))
            logging.captureWarnings(True)
            sys.excepthook = _private_excepthook
            threading.excepthook = _private_thread_excepthook
            _factory_installed = True
        _hide_structlog_locals()
