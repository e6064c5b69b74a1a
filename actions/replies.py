"""Messages built from knowledge/: answers, "did you mean" choices, the deferral, emergencies and
the disclaimer. Each carries a `custom` payload saying what kind of reply it is, for the widget
and for `make evaluate`."""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from knowledge import KnowledgeBase, Topic
from knowledge.messages import (  # noqa: F401  (re-exported for the actions)
    CARE_TEAM_LINK_TITLE, care_team_links, contact_links, disclaimer_message, emergency_message, with_contact,
    with_links)


def answer_message(kb: KnowledgeBase, topic: Topic, confidence: Optional[float] = None) -> Dict[str, Any]:
    payload: Dict[str, Any] = {
        "type": "answer",
        "topic_id": topic.id,
        "title": topic.title,
        "source_section": topic.section,
    }
    if confidence is not None:
        payload["confidence"] = round(confidence, 4)
    return with_links({"text": with_contact(kb, topic.answer, topic.id), "json_message": payload},
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
    return with_links({"text": with_contact(kb, kb.replies["defer"].text),
                       "json_message": payload}, care_team_links(kb))


def no_more_message(kb: KnowledgeBase, topic: Topic) -> Dict[str, Any]:
    return with_links({"text": with_contact(kb, kb.replies["no_more"].text),
                       "json_message": {"type": "defer", "reason": "no_more", "topic_id": topic.id}},
                      care_team_links(kb))
