"""Messages built from knowledge/: answers, "did you mean" choices, the deferral, emergencies and
the disclaimer. Each carries a `custom` payload saying what kind of reply it is, for the widget
and for `make evaluate`."""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Tuple

from knowledge import KnowledgeBase, Topic


def _with_contact(text: str, contact_lines: List[str]) -> str:
    """Contact details a deployment filled in, after the text; nothing when they are empty."""
    return text + "\n\n" + "\n".join(contact_lines) if contact_lines else text


CARE_TEAM_LINK_TITLE = "Your child's care team"


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


def answer_message(kb: KnowledgeBase, topic: Topic, confidence: Optional[float] = None) -> Dict[str, Any]:
    payload: Dict[str, Any] = {
        "type": "answer",
        "topic_id": topic.id,
        "title": topic.title,
        "source_section": topic.section,
    }
    if confidence is not None:
        payload["confidence"] = round(confidence, 4)
    return with_links({"text": _with_contact(topic.answer, kb.contact(topic.id).lines()), "json_message": payload},
                      contact_links(kb, [(topic.id, topic.title)]))


def choose_payload(topic_id: str) -> str:
    """What a "did you mean" button sends back: the question intent with the chosen topic."""
    return "/ask_question" + json.dumps({"topic_id": topic_id}, separators=(",", ":"))


def clarify_message(kb: KnowledgeBase, topic_ids: List[str], confidence: float) -> Dict[str, Any]:
    """Up to three "did you mean" buttons. The payload lists the same choices for the widget."""
    topics = [kb.topic(topic_id) for topic_id in topic_ids]
    return {
        "text": kb.replies["clarify"].text,
        "buttons": [{"title": topic.title, "payload": choose_payload(topic.id)} for topic in topics],
        "json_message": {"type": "clarify", "confidence": round(confidence, 4),
                         "options": [{"topic_id": topic.id, "title": topic.title} for topic in topics]},
    }


def defer_message(kb: KnowledgeBase, reason: Optional[str] = None) -> Dict[str, Any]:
    payload: Dict[str, Any] = {"type": "defer"}
    if reason:
        payload["reason"] = reason
    return with_links({"text": _with_contact(kb.replies["defer"].text, kb.contact("care_team").lines()),
                       "json_message": payload}, care_team_links(kb))


def no_more_message(kb: KnowledgeBase, topic: Topic) -> Dict[str, Any]:
    return with_links({"text": _with_contact(kb.replies["no_more"].text, kb.contact("care_team").lines()),
                       "json_message": {"type": "defer", "reason": "no_more", "topic_id": topic.id}},
                      care_team_links(kb))


def emergency_message(kb: KnowledgeBase, sign: Optional[str]) -> Dict[str, Any]:
    return with_links({"text": _with_contact(kb.emergency.reply, kb.contact("care_team").lines()),
                       "json_message": {"type": "emergency", "sign": sign}}, care_team_links(kb))


def disclaimer_message(kb: KnowledgeBase) -> Dict[str, Any]:
    return {"text": kb.replies["disclaimer"].text, "json_message": {"type": "disclaimer"}}
