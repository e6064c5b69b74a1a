"""Messages built from knowledge/: answers, the deferral and the disclaimer."""
from __future__ import annotations

from typing import Any, Dict, List

from knowledge import KnowledgeBase, Topic


def care_team_lines(kb: KnowledgeBase) -> List[str]:
    """The care team's contact details that the deployment filled in; none when empty."""
    return kb.contact("care_team").lines()


def answer_message(kb: KnowledgeBase, topic: Topic) -> Dict[str, Any]:
    text = topic.answer
    contact = kb.contact(topic.id).lines()
    if contact:
        text += "\n\n" + "\n".join(contact)
    return {
        "text": text,
        "json_message": {
            "type": "answer",
            "topic_id": topic.id,
            "title": topic.title,
            "source_section": topic.section,
        },
    }


def defer_message(kb: KnowledgeBase) -> Dict[str, Any]:
    contact = care_team_lines(kb)
    text = kb.replies["defer"].text
    if contact:
        text += "\n\n" + "\n".join(contact)
    return {"text": text, "json_message": {"type": "defer"}}


def disclaimer_message(kb: KnowledgeBase) -> Dict[str, Any]:
    return {"text": kb.replies["disclaimer"].text}
