"""Replies that both servers build from knowledge/: the emergency reply, the care team's contact
lines and links, and the fixed replies the Rasa server sends by itself (bot/channel.py) when the
action server cannot answer or a message is refused before the NLU reads it.

Pure Python, like the loader: the action server (actions/replies.py) and the Rasa server's channel
build the same emergency reply from here, so it reads the same whichever server sends it.

A message is a dict in rasa-sdk's `utter_message` form: `text`, and `json_message` for the
structured payload the widget and `make evaluate` read (its `type` says what kind of reply it is).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from knowledge.loader import KnowledgeBase

CARE_TEAM_LINK_TITLE = "Your child's care team"


def with_contact(kb: KnowledgeBase, text: str, key: str = "care_team") -> str:
    """The contact details a deployment filled in for `key`, after the text; nothing when empty."""
    lines = kb.contact(key).lines()
    return text + "\n\n" + "\n".join(lines) if lines else text


def contact_links(kb: KnowledgeBase, entries: List[Tuple[str, str]]) -> List[Dict[str, str]]:
    """The websites a deployment filled in, for (contact key, link title) pairs, as structured data
    the widget shows as links. Empty URLs are left out, like every empty contact field."""
    return [{"title": title, "url": kb.contact(key).url} for key, title in entries if kb.contact(key).url]


def with_links(message: Dict[str, Any], links: List[Dict[str, str]]) -> Dict[str, Any]:
    if links:
        message["json_message"]["links"] = links
    return message


def care_team_links(kb: KnowledgeBase) -> List[Dict[str, str]]:
    return contact_links(kb, [("care_team", CARE_TEAM_LINK_TITLE)])


def emergency_message(kb: KnowledgeBase, sign: Optional[str], language: str = "en") -> Dict[str, Any]:
    """The emergency reply. An emergency seen in another language gets that language's reply
    first (it opens with 911), then the English one, so whoever reads it can act on it."""
    if kb.emergency is None:
        raise ValueError("the knowledge base has no emergency reply")
    payload: Dict[str, Any] = {"type": "emergency", "sign": sign}
    text = kb.emergency.reply
    translated = kb.emergency.language(language) if language != "en" else None
    if translated is not None:
        text = translated.reply + "\n\n" + text
        payload.update(language=translated.code, reviewed=translated.reviewed)
    return with_links({"text": with_contact(kb, text), "json_message": payload}, care_team_links(kb))


def emergency_reply_for(kb: KnowledgeBase, text: str) -> Optional[Dict[str, Any]]:
    """The emergency reply when the text shows an emergency sign, in any language; else None."""
    found = kb.emergency.detect(text) if kb.emergency else None
    return emergency_message(kb, found.sign, found.language) if found else None


def disclaimer_message(kb: KnowledgeBase) -> Dict[str, Any]:
    return {"text": kb.replies["disclaimer"].text, "json_message": {"type": "disclaimer"}}


def _fixed(kb: KnowledgeBase, key: str, kind: str, **values: Any) -> Dict[str, Any]:
    text = kb.replies[key].text.format(**values) if values else kb.replies[key].text
    return with_links({"text": with_contact(kb, text), "json_message": {"type": kind}}, care_team_links(kb))


def unavailable_message(kb: KnowledgeBase) -> Dict[str, Any]:
    """Nothing else could answer: the action server is down, too slow or failed, or the conversation
    store is unreachable."""
    return _fixed(kb, "unavailable", "unavailable")


def too_long_message(kb: KnowledgeBase, limit: int) -> Dict[str, Any]:
    return _fixed(kb, "message_too_long", "too_long", limit=f"{limit:,}")


def empty_message(kb: KnowledgeBase) -> Dict[str, Any]:
    return _fixed(kb, "message_empty", "empty")
