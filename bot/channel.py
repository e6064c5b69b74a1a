"""The REST channel the web page talks to: Rasa's RestInput, with every request checked before the
NLU sees it, and a reply for every message whatever fails behind it.

Registered in bot/credentials.yml under its module path, with Rasa's own name `rest`, so the page
still posts to /webhooks/rest/webhook (and Rasa's unchecked RestInput is not served).

Each request (bot/message_checks.py):
- a body that is not a JSON object in UTF-8, a wrong `sender`, or a `message` that is missing, null
  or not a string gets HTTP 400 with a JSON error; a body over MAX_REQUEST_BYTES gets 413 (Sanic's
  own limit is set to the same value, so a larger body is refused before it is read);
- an empty message gets a reply asking for a question; a message over MAX_MESSAGE_CHARS is not
  parsed, and gets the emergency reply first when it shows an emergency sign, then a reply asking
  for a shorter question. Neither reaches the NLU.

Every other message goes to Rasa. Rasa 3.6 gives the family an empty reply when the action server
is down, slow or fails (rasa#7630, #5588), and RestInput does the same when the tracker store fails.
Here, when the turn ends with nothing for the family to read, or takes longer than
TURN_TIMEOUT_SECONDS, the channel sends the fixed "can't answer right now" reply from
knowledge/replies.yml, with the 911 line and the care team's contact settings. When the message was
an emergency (an emergency sign in its text, or the NLU's emergency intent in the tracker), the
emergency reply goes first. These replies are built here from knowledge/, so they need neither the
action server nor the tracker store. Rasa's wait for an action is cut from 5 minutes to
ACTION_TIMEOUT_SECONDS, and a turn stops calling the action server after its first failure
(bot/rasa_patches.py).

Nothing a family types reaches a log: the channel logs the conversation id and what went wrong,
and knowledge/private_logs.py keeps the text out of Rasa's own log lines.
"""
from __future__ import annotations

import asyncio
import gc
import logging
import os
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.core.constants import USER_INTENT_BACK, USER_INTENT_RESTART
from sanic import Blueprint, Sanic, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import message_checks, rasa_patches
from bot.emergency import EMERGENCY_INTENT
from knowledge import private_logs
from knowledge.loader import KnowledgeBase, LiveKnowledge
from knowledge.messages import (disclaimer_message, emergency_message, emergency_reply_for, empty_message,
                                too_long_message,
                                unavailable_message)

logger = logging.getLogger(__name__)

SESSION_START_PAYLOAD = "/session_start"
# Payloads a family could send that Rasa would act on without a reply: they are read as text.
NOT_PAYLOADS = {USER_INTENT_RESTART, USER_INTENT_BACK}


@dataclass(frozen=True)
class Settings:
    max_message_chars: int = 1000
    max_request_bytes: int = 64 * 1024
    action_timeout_seconds: float = 5.0
    turn_timeout_seconds: float = 20.0

    @classmethod
    def from_env(cls) -> "Settings":
        defaults = cls()
        return cls(
            max_message_chars=int(os.environ.get("MAX_MESSAGE_CHARS") or defaults.max_message_chars),
            max_request_bytes=int(os.environ.get("MAX_REQUEST_BYTES") or defaults.max_request_bytes),
            action_timeout_seconds=float(os.environ.get("ACTION_TIMEOUT_SECONDS") or defaults.action_timeout_seconds),
            turn_timeout_seconds=float(os.environ.get("TURN_TIMEOUT_SECONDS") or defaults.turn_timeout_seconds),
        )


def _kinds(messages: List[Dict[str, Any]]) -> List[str]:
    """The `custom` type of the reply each text belongs to ("" for a domain response): Rasa's REST
    output sends a reply's paragraphs, then its custom payload."""
    kinds: List[str] = []
    waiting: List[int] = []
    for message in messages:
        if "text" in message:
            kinds.append("")
            waiting.append(len(kinds) - 1)
        custom = message.get("custom")
        if isinstance(custom, dict):
            for index in waiting:
                kinds[index] = str(custom.get("type") or "")
            waiting = []
    return kinds


def has_reply(messages: List[Dict[str, Any]], text: str) -> bool:
    """Whether the family has something to read besides the disclaimer (a session-start payload is
    answered by the disclaimer alone)."""
    kinds = _kinds(messages)
    if text == SESSION_START_PAYLOAD:
        return bool(kinds)
    return any(kind != "disclaimer" for kind in kinds)


def emergency_first(messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The replies with the emergency reply moved first (before the disclaimer of a conversation that
    opens with an emergency). A reply is its paragraphs followed by its custom payload."""
    blocks: List[List[Dict[str, Any]]] = [[]]
    for message in messages:
        blocks[-1].append(message)
        if isinstance(message.get("custom"), dict):
            blocks.append([])
    urgent = [block for block in blocks if _is_emergency(block)]
    if not urgent:
        return messages
    return [message for block in urgent + [block for block in blocks if not _is_emergency(block)]
            for message in block]


def _is_emergency(messages: List[Dict[str, Any]]) -> bool:
    return any(isinstance(m.get("custom"), dict) and m["custom"].get("type") == "emergency" for m in messages)


class ValidatedRestInput(RestInput):
    """Rasa's REST channel with checked requests and a reply for every message."""

    def __init__(self, settings: Optional[Settings] = None) -> None:
        self.settings = settings or Settings.from_env()
        self._knowledge: Optional[LiveKnowledge] = None

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def knowledge(self) -> KnowledgeBase:
        if self._knowledge is None:
            self._knowledge = LiveKnowledge()
        return self._knowledge.current()

    async def _reply(self, sender: str, built: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """Messages built from knowledge/ in the form Rasa's REST output gives them."""
        collector = CollectingOutputChannel()
        for message in built:
            await collector.send_response(sender, {"text": message["text"], "custom": message["json_message"]})
        return collector.messages

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        private_logs.install()
        rasa_patches.apply(self.settings.action_timeout_seconds)
        self.knowledge()  # a broken knowledge file stops the start-up, not a family's message
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.listener("before_server_start")
        async def limit_requests(app: Sanic, _loop: Any) -> None:
            # Sanic refuses a larger body before reading it (413), in the channel's own JSON; its
            # other errors are JSON too, never HTML.
            app.config.REQUEST_MAX_SIZE = self.settings.max_request_bytes
            app.config.FALLBACK_ERROR_FORMAT = "json"
            app.error_handler.add(PayloadTooLarge, self._too_large)

        @webhook.listener("after_server_start")
        async def freeze_loaded_objects(_app: Sanic, _loop: Any) -> None:
            # The model is loaded: its millions of objects stay out of the garbage collector's full
            # passes, which otherwise paused a reply now and then for hundreds of milliseconds.
            gc.collect()
            gc.freeze()

        @webhook.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            agent = getattr(request.app.ctx, "agent", None)
            domain = getattr(agent, "domain", None)
            try:
                data = message_checks.read_body(request.body or b"", self.settings.max_request_bytes)
                incoming = message_checks.check(
                    data, max_chars=self.settings.max_message_chars,
                    intents=set(getattr(domain, "intents", ())) - NOT_PAYLOADS,
                    entities=set(getattr(domain, "entities", ())))
            except message_checks.Refused as refused:
                return response.json({"error": refused.message}, status=refused.status)
            try:
                return response.json(await self.handle(incoming, on_new_message, agent, data["message"]))
            except Exception as error:  # noqa: BLE001  (never a 5xx: the fixed reply, the emergency one first)
                logger.error("conversation %s: the channel failed (%s); the fixed reply was sent", incoming.sender,
                             type(error).__name__)
                kb = self.knowledge()
                emergency = emergency_reply_for(kb, incoming.text)
                built = ([emergency] if emergency else []) + [unavailable_message(kb)]
                return response.json(await self._reply(incoming.sender, built))

        return webhook

    def _too_large(self, _request: Any, _error: Exception) -> HTTPResponse:
        return response.json({"error": f"The request body is larger than {self.settings.max_request_bytes} bytes."},
                             status=413)

    async def handle(self, incoming: message_checks.Incoming, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                     agent: Any, typed: str = "") -> List[Dict[str, Any]]:
        """The replies to one checked message; `typed` is the message as it came, before cleaning."""
        kb = self.knowledge()
        sender = incoming.sender
        if incoming.kind == message_checks.EMPTY:
            return await self._reply(sender, [empty_message(kb)])
        if incoming.kind == message_checks.TOO_LONG:
            logger.info("conversation %s: a message of %d characters was not read (limit %d)", sender,
                        len(incoming.text), self.settings.max_message_chars)
            emergency = emergency_reply_for(kb, incoming.text)
            built = [emergency] if emergency else []
            return await self._reply(sender, built + [too_long_message(kb, self.settings.max_message_chars)])

        with private_logs.private(incoming.text, typed), rasa_patches.turn() as failed:
            return await self._turn(incoming, on_new_message, agent, kb, failed)

    async def _turn(self, incoming: message_checks.Incoming, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                    agent: Any, kb: KnowledgeBase, failed: List[str]) -> List[Dict[str, Any]]:
        sender = incoming.sender
        collector = CollectingOutputChannel()
        started = time.monotonic()
        # The turn's task inherits the context, so Rasa's log lines in it keep the text private too.
        turn = asyncio.ensure_future(on_new_message(
            UserMessage(incoming.text, collector, sender, input_channel=self.name())))
        turn.add_done_callback(_report_late_failure(sender))
        finished = False
        try:
            # shield: a turn that runs late goes on, so the conversation store stays whole.
            await asyncio.wait_for(asyncio.shield(turn), self.settings.turn_timeout_seconds)
            finished = True
        except asyncio.TimeoutError:
            logger.error("conversation %s: no reply after %.0f s; the fixed reply was sent", sender,
                         time.monotonic() - started)
        except Exception as error:  # noqa: BLE001  (the family gets the fixed reply; the log says what failed)
            logger.error("conversation %s: the message could not be handled (%s); the fixed reply was sent",
                         sender, type(error).__name__)
        messages = list(collector.messages)
        # A conversation that started without the action server has not had its disclaimer.
        disclaimer = [disclaimer_message(kb)] if rasa_patches.SESSION_START in failed else []
        if has_reply(messages, incoming.text):
            return emergency_first(await self._reply(sender, disclaimer) + messages)
        if finished:
            logger.error("conversation %s: the turn ended with no reply (the action server may be down or "
                         "failing); the fixed reply was sent", sender)
        built = []
        if not _is_emergency(messages):
            emergency = await self._emergency_reply(incoming, agent, finished, kb)
            if emergency is not None:
                built.append(emergency)
        return emergency_first(await self._reply(sender, built + disclaimer) + messages
                               + await self._reply(sender, [unavailable_message(kb)]))

    async def _emergency_reply(self, incoming: message_checks.Incoming, agent: Any, finished: bool,
                               kb: KnowledgeBase) -> Optional[Dict[str, Any]]:
        """The emergency reply when the message shows an emergency, or None. The text is checked
        with the emergency patterns of every language; the NLU's reading is read from the tracker,
        when the turn finished and the tracker store answers."""
        found = emergency_reply_for(kb, incoming.text) if incoming.kind == message_checks.TEXT else None
        if found or not finished or agent is None:
            return found
        try:
            tracker = await asyncio.wait_for(agent.tracker_store.retrieve(incoming.sender), 2.0)
        except Exception as error:  # noqa: BLE001  (the patterns have already been checked)
            logger.error("conversation %s: the tracker could not be read (%s)", incoming.sender, type(error).__name__)
            return None
        latest = getattr(tracker, "latest_message", None)
        if latest is None or latest.text != incoming.text:
            return None
        if (latest.intent or {}).get("name") != EMERGENCY_INTENT:
            return None
        return emergency_message(kb, None)


def _report_late_failure(sender: str) -> Callable[["asyncio.Future[Any]"], None]:
    """Retrieve the exception of a turn that failed after its fixed reply was sent, so asyncio does
    not report it as never retrieved (with its message)."""
    def done(turn: "asyncio.Future[Any]") -> None:
        if not turn.cancelled() and turn.exception() is not None:
            logger.debug("conversation %s: the turn ended with %s", sender, type(turn.exception()).__name__)
    return done
