"""Topics the page splits by the child's age (a topic's `age` in knowledge/: the treatment of
regional neuroblastoma differs for children younger and older than 1). When the bot is about to
answer, or to ask "did you mean" between, such topics and the parent has stated the child's age
in this conversation ("how would they treat it in a three year old", "what if she is only eight
months?"), the topic for that age is the answer. The age is read from the parent's messages of the
current session (knowledge/phrasing.py), newest first, and is not stored.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional

from actions.decision import Decision
from knowledge import KnowledgeBase
from knowledge.phrasing import stated_age_group


def conversation_age_group(text: str, events: Iterable[Any]) -> Optional[str]:
    """The age group the latest message states, else the newest one stated earlier in this
    session (the user texts after the last session start)."""
    group = stated_age_group(text)
    if group:
        return group
    earlier = []
    for event in events or []:
        if isinstance(event, dict) and event.get("event") == "session_started":
            earlier = []
        elif isinstance(event, dict) and event.get("event") == "user":
            earlier.append(str(event.get("text") or ""))
    for previous in reversed(earlier[:-1] if earlier and earlier[-1] == text else earlier):
        group = stated_age_group(previous)
        if group:
            return group
    return None


def for_age(kb: KnowledgeBase, topic_id: Optional[str], group: str) -> Optional[str]:
    """The topic of `topic_id`'s age split (its section's topics with an age) for `group`."""
    topic = kb.topics.get(topic_id or "")
    if topic is None or topic.age is None:
        return None
    return next((other.id for other in kb.topics.values()
                 if other.section == topic.section and other.age == group), None)


def by_age(kb: KnowledgeBase, decision: Decision, group: Optional[str],
           last_topic: Optional[str] = None) -> Decision:
    """The decision with the topic for the stated age when it answers, or offers, a topic of an
    age split. `last_topic`: the message is a follow-up to this topic, so an age stated after a
    topic of an age split asks about that age ("and if he were only 8 months?")."""
    if group is None or decision.reason in ("out_of_scope", "uncovered_kind"):
        return decision
    if decision.outcome == "answer":
        involved = [decision.topic_id]
    elif decision.outcome == "clarify":
        involved = list(decision.options)
    else:
        involved = []
    if last_topic:
        involved.append(last_topic)
    for topic_id in involved:
        chosen = for_age(kb, topic_id, group)
        if chosen:
            if decision.outcome == "answer" and decision.topic_id == chosen:
                return decision
            return Decision("answer", "age", chosen, confidence=decision.confidence)
    return decision
