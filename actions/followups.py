"""Follow-up questions, resolved against the last topic the bot answered (the `last_topic` slot).

- "tell me more", "go on", "what else?" (wordings in knowledge/phrasing.py): the next related topic
  that has not been shown yet.
- "what are its side effects?", "and for babies?": a short message that leans on the conversation
  (a pronoun, "and ...", "what about ..."). It is read again with the last topic's title in front.
  That reading can only lift the last topic's related topics, and only halfway: their score is the
  mean of the plain and the contextual reading, so a follow-up the page does not answer ("what
  causes it?") is not pulled up to a confident answer. The last topic itself is left out: the
  parent has just read it and is asking about something else.
- "what about the other scan?": "other" names its own subject, so the message is scored as it is,
  without the last topic.
The message is first decided on its own. It is read as a follow-up only when that reading is not
a clear answer about another topic (so "what about mibg therapy?" finds MIBG therapy wherever the
conversation was) and the NLU did not find it out of scope (so "what causes it?" is deferred).
"""
from __future__ import annotations

import re
from typing import Dict, Iterable, Optional

from knowledge import KnowledgeBase

MAX_FOLLOW_UP_WORDS = 12

_LEANS_ON_CONTEXT = re.compile(
    r"^\s*(and|also|but|so|what about|how about|same for|is that|does that|is it|does it|can it|will it)\b"
    r"|\b(it|its|it's|that|this|they|them|their|those|these|the other|another|one)\b",
    re.IGNORECASE,
)


def leans_on_context(text: str) -> bool:
    words = (text or "").split()
    return 0 < len(words) <= MAX_FOLLOW_UP_WORDS and bool(_LEANS_ON_CONTEXT.search(text))


_OTHER = re.compile(r"\b(other|another|else|different)\b", re.IGNORECASE)


def asks_for_another(text: str) -> bool:
    return bool(_OTHER.search(text or ""))


def contextual_query(kb: KnowledgeBase, topic_id: str, text: str) -> Optional[str]:
    topic = kb.topics.get(topic_id)
    return f"{topic.title}: {text}" if topic else None


def follow_up_scores(kb: KnowledgeBase, last_topic: str, plain: Dict[str, float],
                     contextual: Optional[Dict[str, float]]) -> Dict[str, float]:
    """The scores for a follow-up to `last_topic` (see the module's docstring)."""
    merged = {topic_id: score for topic_id, score in plain.items() if topic_id != last_topic}
    if contextual is None:
        return merged
    for topic_id in kb.topic(last_topic).related:
        if topic_id in contextual and topic_id in merged:
            merged[topic_id] = max(merged[topic_id], (plain[topic_id] + contextual[topic_id]) / 2)
    return merged


def next_related(kb: KnowledgeBase, topic_id: str, shown: Iterable[str]) -> Optional[str]:
    topic = kb.topics.get(topic_id)
    if not topic:
        return None
    seen = set(shown) | {topic_id}
    return next((related for related in topic.related if related not in seen), None)
