"""What the web page's REST channel accepts, checked before the NLU sees a message.

Pure Python with no Rasa or Sanic, so the checks are tested (and fuzzed) directly; bot/channel.py
applies them to each request.

- The body is a JSON object in UTF-8, no larger than the channel's limit.
- `sender` is a conversation id: 1 to 128 letters, digits and `_ . : -`, starting with a letter or
  digit (the widget sends a random UUID).
- `message` is a string. Its text is cleaned: lone surrogates (not valid Unicode) become U+FFFD,
  control characters and bidirectional overrides are removed, tabs become spaces, and it is put in
  Unicode's composed form (NFC).
- A message that starts with "/" is a button's payload only when it is exactly `/intent` or
  `/intent{json}` with an intent of the bot's domain and known entities with short text values; the
  channel rebuilds it. Anything else that starts with "/" is taken as typed text without the
  slashes, so Rasa never reads a hostile payload (or logs it while refusing it).
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import AbstractSet, Any, Dict, Optional

TEXT = "text"
PAYLOAD = "payload"
EMPTY = "empty"
TOO_LONG = "too_long"

MAX_SENDER_CHARS = 128
MAX_ENTITY_CHARS = 120
SENDER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,%d}" % (MAX_SENDER_CHARS - 1))

_SURROGATES = re.compile("[\ud800-\udfff]")
_NONCHARACTERS = "".join(f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0, 0x110000, 0x10000))
# C0 and C1 controls (but tab, line feed, carriage return), DEL, bidirectional embeddings, overrides
# and isolates, and the Unicode noncharacters.
_REMOVED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufdd0-\ufdef"
                      + re.escape(_NONCHARACTERS) + "]")
_PAYLOAD = re.compile(r"/(?P<intent>[A-Za-z_][A-Za-z0-9_]{0,63})(?P<entities>\{.*\})?", re.DOTALL)
_LEADING_SLASHES = re.compile(r"^[\s/]+")


class Refused(Exception):
    """A request the channel answers with an HTTP error. `message` says what to send instead."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Incoming:
    sender: str
    text: str  # what Rasa receives: the cleaned text, or the rebuilt payload
    kind: str  # TEXT, PAYLOAD, EMPTY or TOO_LONG


def read_body(body: bytes, max_bytes: int) -> Dict[str, Any]:
    """The request body as a JSON object, or Refused (413 when too large, else 400)."""
    if len(body) > max_bytes:
        raise Refused(413, f"The request body is larger than {max_bytes} bytes.")
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise Refused(400, "The request body must be JSON encoded as UTF-8.") from None
    except (ValueError, RecursionError):
        raise Refused(400, "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise Refused(400, 'The request body must be a JSON object: {"sender": "...", "message": "..."}.')
    return data


def clean_text(text: str) -> str:
    text = _SURROGATES.sub("\ufffd", text)
    text = _REMOVED.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
    return unicodedata.normalize("NFC", text)


def payload(text: str, intents: AbstractSet[str], entities: AbstractSet[str]) -> Optional[str]:
    """The payload rebuilt from its parts when it is one the bot's buttons could send, else None."""
    match = _PAYLOAD.fullmatch(text)
    if not match or match["intent"] not in intents:
        return None
    values: Dict[str, str] = {}
    if match["entities"]:
        try:
            parsed = json.loads(match["entities"])
        except (ValueError, RecursionError):
            return None
        if not isinstance(parsed, dict):
            return None
        for name, value in parsed.items():
            if name not in entities or not isinstance(value, str) or not value.strip():
                return None
            if len(value) > MAX_ENTITY_CHARS:
                return None
            values[name] = " ".join(value.split())
    rebuilt = "/" + match["intent"]
    return rebuilt + json.dumps(values, ensure_ascii=False, separators=(",", ":")) if values else rebuilt


def check(data: Dict[str, Any], *, max_chars: int, intents: AbstractSet[str],
          entities: AbstractSet[str]) -> Incoming:
    """The message to hand to Rasa, or Refused (400) for a wrong sender or message field."""
    sender = data.get("sender")
    if not isinstance(sender, str) or not SENDER.fullmatch(sender):
        raise Refused(400, f'"sender" must be a conversation id: 1 to {MAX_SENDER_CHARS} letters, digits or _.:- '
                           "starting with a letter or digit.")
    message = data.get("message")
    if message is None:
        raise Refused(400, '"message" is required.')
    if not isinstance(message, str):
        raise Refused(400, '"message" must be a string.')
    text = clean_text(message)
    if not text.strip():
        return Incoming(sender, "", EMPTY)
    if len(text) > max_chars:
        return Incoming(sender, text, TOO_LONG)
    if text.lstrip().startswith("/"):
        rebuilt = payload(text.strip(), intents, entities)
        if rebuilt:
            return Incoming(sender, rebuilt, PAYLOAD)
        text = _LEADING_SLASHES.sub("", text)
        if not text.strip():
            return Incoming(sender, "", EMPTY)
    return Incoming(sender, text, TEXT)
