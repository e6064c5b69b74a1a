"""Clinical trials by situation: newly diagnosed high-risk, relapsed or refractory, maintenance and
so on, as each trial's name on the page says (the `situation` of its topic in knowledge/).

The answer about trials gets one button per situation, leading to what the page says about that
trial. Every trial's own answer states the purpose the page gives and ends with "Ask your child's
care team whether a trial fits your child": the bot never judges eligibility.
"""
from __future__ import annotations

from typing import Any, Dict, List

from actions.replies import choose_payload
from knowledge import KnowledgeBase, Topic

OVERVIEW = "trials_overview"


def trials_by_situation(kb: KnowledgeBase) -> List[Topic]:
    """The trial topics that name a situation, in the order knowledge/ lists them."""
    return [topic for topic in kb.topics.values() if topic.kind == "trial" and topic.situation]


def situation_label(kb: KnowledgeBase, topic: Topic) -> str:
    return kb.replies[f"trial_situation_{topic.situation}"].text


def with_situations(kb: KnowledgeBase, message: Dict[str, Any]) -> Dict[str, Any]:
    trials = trials_by_situation(kb)
    if not trials:
        return message
    message = dict(message)
    message["text"] = message["text"] + "\n\n" + kb.replies["trials_by_situation"].text
    message["buttons"] = [{"title": situation_label(kb, topic), "payload": choose_payload(topic.id)}
                          for topic in trials]
    message["json_message"] = {**message["json_message"],
                                "trials": [{"topic_id": topic.id, "title": topic.title,
                                            "situation": topic.situation} for topic in trials]}
    return message
