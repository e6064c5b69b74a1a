"""knowledge/private_logs.py: no message text and no contact detail in a log line, at any level, in
either server's environment. The end-to-end check (the logs of the real servers after the fuzz) is
in tests/test_fuzz_channel.py."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from knowledge import private_logs
from knowledge.private_logs import CONTACT, MESSAGE, escaped_forms, format_exception, private, redact

ROOT = Path(__file__).resolve().parent.parent
RASA_PYTHON = ROOT / ".venv" / "rasa" / "bin" / "python"


def test_the_current_messages_text_is_replaced_in_every_form_a_log_carries_it():
    text = 'mi hija "Ana" tiene fiebre\nalta'
    with private(text):
        for form in escaped_forms(text):
            assert redact(f"parse_data: {{'text': '{form}'}}") == f"parse_data: {{'text': '{MESSAGE}'}}"
        assert redact(json.dumps({"event": "received", "text": text})) == json.dumps(
            {"event": "received", "text": MESSAGE})
        assert redact(repr({"text": text})) == repr({"text": MESSAGE}).replace("'[message]'", "'[message]'")
    assert redact(text) == text  # outside the block the text is not the current message


def test_a_short_message_is_replaced_as_a_whole_word_only():
    with private("no"):
        assert redact("intent: deny, text: no") == "intent: deny, text: [message]"
        assert redact("not found; nothing to do") == "not found; nothing to do"


def test_a_blank_text_changes_nothing():
    with private("   ", "\n"):
        assert redact("intent: greet") == "intent: greet"


def test_texts_nest_and_the_context_follows_tasks_started_inside():
    import asyncio

    async def inner() -> str:
        return redact("a: first b: second")

    async def main() -> str:
        with private("first"):
            with private("second"):
                return await asyncio.ensure_future(inner())

    assert asyncio.run(main()) == f"a: {MESSAGE} b: {MESSAGE}"


@pytest.mark.parametrize("line, expected", [
    ("slots: contact_value: +14155550100, language: Spanish", f"slots: contact_value: {CONTACT}, language: Spanish"),
    ("emailed maria.lopez@example.org today", f"emailed {CONTACT} today"),
    ("conversation 6f1c-22: answered stage_4s (0.91)", "conversation 6f1c-22: answered stage_4s (0.91)"),
    ("took 1701619845.123 s", "took 1701619845.123 s"),
])
def test_contact_details_are_replaced_wherever_they_appear(line, expected):
    assert redact(line) == expected


def test_a_traceback_keeps_its_frames_and_type_and_drops_the_message():
    def fails(text: str) -> None:
        raise KeyError(f"no topic for {text!r}")

    try:
        try:
            fails("my son has a seizure")
        except KeyError as error:
            raise RuntimeError("while answering 'my son has a seizure'") from error
    except RuntimeError:
        formatted = format_exception(sys.exc_info())
    assert "seizure" not in formatted
    assert "in fails" in formatted and "builtins.KeyError (message withheld)" in formatted
    assert "builtins.RuntimeError (message withheld)" in formatted
    assert formatted.index("KeyError") < formatted.index("RuntimeError")


def test_an_operating_system_error_keeps_the_systems_words_and_not_the_file_name():
    try:
        open("/nonexistent/my son has a seizure.txt")
    except OSError:
        formatted = format_exception(sys.exc_info())
    assert "No such file or directory" in formatted and "seizure" not in formatted


SCRIPT = textwrap.dedent("""
    import logging, sys, threading, warnings
    sys.path.insert(0, {root!r})
    from knowledge import private_logs
    handler = logging.StreamHandler(sys.stdout)
    logging.basicConfig(level=logging.DEBUG, handlers=[handler], format="%(levelname)s %(name)s %(message)s")
    private_logs.install()
    private_logs.install()  # twice is the same as once
    log = logging.getLogger("rasa.core.processor")
    with private_logs.private("my son is having a seizure"):
        log.debug("Received user message 'my son is having a seizure' with intent 'emergency'")
        log.info("%s said %r", "conversation x1", "my son is having a seizure")
        try:
            {{}}["my son is having a seizure"]
        except KeyError:
            log.exception("Encountered an exception while running action")
        warnings.warn("Failed to parse arguments in line 'my son is having a seizure'")
    log.info("slot contact_value is +14155550100 and maria@example.org")
    thread = threading.Thread(target=lambda: 1 / 0 if "my son is having a seizure" else None)
    thread.start(); thread.join()
    {structlog}
""")

STRUCTLOG = textwrap.dedent("""
    import rasa.utils.log_utils, structlog
    rasa.utils.log_utils.configure_structlog(logging.DEBUG)
    slog = structlog.get_logger()
    slog.info("before.install", text="cached before install")
    private_logs.install()
    with private_logs.private("my son is having a seizure"):
        slog.debug("processor.message.parse", parse_data_text="my son is having a seizure")
        try:
            secret = "my son is having a seizure"
            raise ValueError(secret)
        except ValueError:
            slog.exception("rest.message.received.failure", text="my son is having a seizure")
""")


def run_script(python: Path, structlog: str = "") -> str:
    result = subprocess.run([str(python), "-c", SCRIPT.format(root=str(ROOT), structlog=structlog)],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout + result.stderr


def test_once_installed_no_log_line_holds_the_message_or_a_contact_detail_in_the_action_servers_env():
    output = run_script(Path(sys.executable))
    assert "seizure" not in output and "+14155550100" not in output and "maria@" not in output
    assert "Received user message '[message]' with intent 'emergency'" in output
    assert "builtins.KeyError (message withheld)" in output  # the traceback is still there, without data
    assert "builtins.ZeroDivisionError (message withheld)" in output  # and a thread's uncaught one
    assert "Failed to parse arguments in line '[message]'" in output  # warnings go through logging


def test_in_rasas_env_structlog_renders_no_locals_and_no_message():
    output = run_script(RASA_PYTHON, STRUCTLOG)
    assert "seizure" not in output, output
    assert "processor.message.parse" in output and "rest.message.received.failure" in output
    assert "builtins.ValueError (message withheld)" in output
    assert '"locals"' not in output and "secret" not in output


def test_the_factory_is_installed_once_and_keeps_other_attributes(caplog):
    factory = private_logs._private_record_factory(lambda *args, **kwargs: __import__("logging").LogRecord(
        *args, **kwargs))
    record = factory("x", 20, __file__, 1, "call %s at %s", ("maria@example.org", "+14155550100"), None)
    assert record.getMessage() == f"call {CONTACT} at {CONTACT}"
    assert record.name == "x" and record.levelno == 20
