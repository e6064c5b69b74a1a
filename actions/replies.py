"""Messages built from knowledge/: answers, the deferral, emergencies and the disclaimer."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from knowledge import KnowledgeBase, Topic


def _with_contact(text: str, contact_lines: List[str]) -> str:
    """Contact details a deployment filled in, after the text; nothing when they are empty."""
    return text + "\n\n" + "\n".join(contact_lines) if contact_lines else text


def answer_message(kb: KnowledgeBase, topic: Topic) -> Dict[str, Any]:
    return {
        "text": _with_contact(topic.answer, kb.contact(topic.id).lines()),
        "json_message": {
            "type": "answer",
            "topic_id": topic.id,
            "title": topic.title,
            "source_section": topic.section,
        },
    }


def defer_message(kb: KnowledgeBase) -> Dict[str, Any]:
    return {"text": _with_contact(kb.replies["defer"].text, kb.contact("care_team").lines()),
            "json_message": {"type": "defer"}}


def emergency_message(kb: KnowledgeBase, sign: Optional[str]) -> Dict[str, Any]:
    return {"text": _with_contact(kb.emergency.reply, kb.contact("care_team").lines()),
            "json_message": {"type": "emergency", "sign": sign}}


def disclaimer_message(kb: KnowledgeBase) -> Dict[str, Any]:
    return {"text": kb.replies["disclaimer"].text}
