"""Messages built from knowledge/: answers, "did you mean" choices, the deferral, emergencies and
the disclaimer. Each carries a `custom` payload saying what kind of reply it is, for the widget
and for `make evaluate`."""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Sequence

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


def defer_message(kb: KnowledgeBase, reason: Optional[str] = None, plainly: Optional[str] = None,
                  close_topics: Sequence[str] = (), kind: Optional[str] = None) -> Dict[str, Any]:
    """The deferral. `plainly` says what the page does not say (knowledge/deferrals.yml); the
    closest topics the page does cover come as buttons after it. Never an answer."""
    payload: Dict[str, Any] = {"type": "defer"}
    if reason:
        payload["reason"] = reason
    if kind:
        payload["kind"] = kind
    text = kb.replies["defer"].text if plainly is None else f"{plainly} {kb.replies['defer_care_team'].text}"
    message: Dict[str, Any] = {"text": with_contact(kb, text), "json_message": payload}
    topics = [kb.topic(topic_id) for topic_id in close_topics if topic_id in kb.topics][:3]
    if topics:
        message["text"] += "\n\n" + kb.replies["defer_close_topics"].text
        message["buttons"] = [{"title": topic.title, "payload": choose_payload(topic.id)} for topic in topics]
        payload["options"] = [{"topic_id": topic.id, "title": topic.title} for topic in topics]
    return with_links(message, care_team_links(kb))


def numbered_stage_message(kb: KnowledgeBase, number: str, spread: bool,
                           confidence: Optional[float] = None) -> Dict[str, Any]:
    """A question about a numbered stage: the page's categories instead, and for stage 4 the
    category of cancer that has spread."""
    topic = kb.topic("stage_disseminated" if spread else "staging_overview")
    message = answer_message(kb, topic, confidence)
    intro = kb.replies["numbered_stage"].text.format(number=number)
    if spread:
        intro += "\n\n" + kb.replies["numbered_stage_spread"].text
    message["text"] = intro + "\n\n" + message["text"]
    message["json_message"]["numbered_stage"] = number
    return message


def no_more_message(kb: KnowledgeBase, topic: Topic) -> Dict[str, Any]:
    return with_links({"text": with_contact(kb, kb.replies["no_more"].text),
                       "json_message": {"type": "defer", "reason": "no_more", "topic_id": topic.id}},
                      care_team_links(kb))
