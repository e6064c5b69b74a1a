"""Follow-up questions, resolved against the last topic the bot answered (the `last_topic` slot).

- "tell me more", "go on", "what else?" (wordings in knowledge/phrasing.py): the next related topic
  that has not been shown yet.
- "what are its side effects?", "and for babies?", "are there side effects": a short message that
  leans on the conversation (a pronoun, "the kind", "and ...", "what about ...", "... too", or just
  a few words with no subject of their own). It is read again with the last topic's title in front. That reading can
  only lift the topics near the last one (its related topics and the topics of its section of the
  page), each to the better of its two readings; every other topic keeps the message's own score,
  and so does the last topic itself ("what about neoadjuvant?" after the topic on adjuvant and
  neoadjuvant chemotherapy is that topic again, by its own words; "how is it treated?" after stage
  4S is not stage 4S again). A follow-up the page does not answer ("what causes it?") is left to
  the NLU's out-of-scope reading and the thresholds.
- "what about the other scan?", "is the other kind different?": about another one than the topic
  just read, which is left out; the other topics of its section are lifted as above.
- A follow-up that is still a "did you mean" is settled by the conversation: when the topic just
  read is the best of the options, the parent is asking about it ("is the mibg one radioactive?" after
  the MIBG scan); when they asked about another one, the topics already shown are not offered
  again ("what else can show up?" after the common and the less common symptoms), and a single
  option left is the answer. A follow-up of a kind the page does not answer ("does it hurt?") is
  deferred before this (knowledge/deferrals.yml).
The message is first decided on its own. It is read as a follow-up only when that reading is not
a clear answer about another topic (so "what about mibg therapy?" finds MIBG therapy wherever the
conversation was), the NLU did not find it out of scope (so "what causes it?" is deferred), and it
does not name a treatment or test of its own that its plain reading answers ("and radiation, how
does that work?" after surgery is radiation therapy, not the radiation given during an operation).
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Dict, Iterable, List, Optional

from actions.decision import Decision
from knowledge import KnowledgeBase
from knowledge.phrasing import SUBJECT_LABELS

MAX_FOLLOW_UP_WORDS = 12
# A topic held back "a margin below" the best is held a little more, so rounding never leaves it
# exactly a margin away, which would read as too close to pick.
MARGIN_EPSILON = 0.001
# A message this short leans on the conversation even without a pronoun ("are there side effects").
MAX_ELLIPTIC_WORDS = 5

_LEANS_ON_CONTEXT = re.compile(
    r"^\s*(and|also|but|so|what about|how about|what if|same for|is that|does that|is it|does it|can it|will it)\b"
    r"|\b(it|its|it's|that|this|they|them|their|those|these|the other|another|one)\b"
    # "can his big sister come along too?": more of what was just said.
    r"|\b(too|as well|also|either)\W*$",
    re.IGNORECASE,
)


def leans_on_context(text: str) -> bool:
    words = (text or "").split()
    return 0 < len(words) <= MAX_FOLLOW_UP_WORDS and (
        len(words) <= MAX_ELLIPTIC_WORDS or bool(_LEANS_ON_CONTEXT.search(text)) or refers_back(text))


_REFERS_BACK = re.compile(r"\b(it|its|it's|that|this|they|them|their|those|these|the other|another|one|kind|type)\b",
                          re.IGNORECASE)


def refers_back(text: str) -> bool:
    """A word that points at what was just said ("how is it treated?"): the message's own reading
    is a general one ("how is cancer treated"), so the conversation decides."""
    return bool(_REFERS_BACK.search(text or ""))


_OTHER = re.compile(r"\b(other|another|else|different)\b", re.IGNORECASE)


def asks_for_another(text: str) -> bool:
    return bool(_OTHER.search(text or ""))


def names_its_subject(kb: KnowledgeBase, text: str, entities: Iterable[Any], decision: Decision,
                      context: Iterable[str]) -> bool:
    """The message names a treatment or test of its own, and its plain reading answers with that
    topic: "and radiation, how does that work?" after surgery is about radiation, not a kind of
    radiation near surgery. Not when the name is part of what was just read ("and the biopsy with
    the bigger needle?" after the bone marrow biopsy; "regular radiation" after intraoperative
    radiation therapy): then it is a follow-up."""
    if decision.outcome != "answer":
        return False
    context = [topic_id for topic_id in context if topic_id in kb.topics]
    if decision.topic_id in context:
        return False
    read = " ".join([kb.topic(topic_id).title for topic_id in context]
                    + [" ".join((term.value,) + term.synonyms) for term in kb.terms if term.topic in context]).casefold()
    for entity in entities or ():
        if not isinstance(entity, dict) or entity.get("entity") not in SUBJECT_LABELS:
            continue
        term = kb.term_named(str(entity["entity"]), entity.get("value"))
        if term is None or term.topic != decision.topic_id:
            continue
        start, end = entity.get("start"), entity.get("end")
        said = text[start:end] if isinstance(start, int) and isinstance(end, int) else ""
        if (said or term.value).casefold() not in read:
            return True
    return False


def contextual_query(kb: KnowledgeBase, topic_id: str, text: str) -> Optional[str]:
    topic = kb.topics.get(topic_id)
    return f"{topic.title}: {text}" if topic else None


def near_topics(kb: KnowledgeBase, topic_id: str, siblings_only: bool = False) -> set:
    """The topics a follow-up to `topic_id` may be lifted to: its related topics and the other
    topics of its section of the page; with `siblings_only`, that section's other topics alone when
    it has some ("the other scan" after the MIBG scan is another scan, not the MIBG therapy it is
    related to; "the other kind" after radiation, alone in its section, is a related topic)."""
    topic = kb.topic(topic_id)
    siblings = {other.id for other in kb.topics.values() if other.section == topic.section} - {topic_id}
    if siblings_only and siblings:
        return siblings
    return (set(topic.related) | siblings) - {topic_id}


def follow_up_scores(kb: KnowledgeBase, last_topic: str, plain: Dict[str, float],
                     contextual: Optional[Dict[str, float]], another: bool = False, points_back: bool = False,
                     margin: float = 0.0) -> Dict[str, float]:
    """The scores for a follow-up to `last_topic` (see the module's docstring). `another`: the
    message asks about another one than the topic just read, which is left out. `points_back`:
    it points at what was said ("it", "that"), so a topic near the last one that scores best is
    kept at least `margin` ahead of the message's general readings."""
    merged = dict(plain)
    if another:
        merged.pop(last_topic, None)
    if contextual is None:
        return merged
    if last_topic in merged and last_topic in contextual:
        # The last topic again ("and what's the name for when it's given after?"), lifted only
        # halfway: its title in the contextual reading would otherwise always bring it back.
        merged[last_topic] = max(merged[last_topic], (plain[last_topic] + contextual[last_topic]) / 2)
    near = [topic_id for topic_id in near_topics(kb, last_topic, siblings_only=another)
            if topic_id in contextual and topic_id in merged]
    for topic_id in near:
        merged[topic_id] = max(merged[topic_id], contextual[topic_id])
    if another and points_back and near:
        # "is the other kind different?" after radiation: a kind of what was just read, so no topic
        # outside its neighbours ("an operation": surgery) outranks the best of them.
        best_near = max(merged[topic_id] for topic_id in near)
        for topic_id in merged:
            if topic_id not in near and topic_id != last_topic:
                merged[topic_id] = min(merged[topic_id], best_near - margin - MARGIN_EPSILON)
    elif points_back and near:
        # "how is it treated?" after stage 4S: the words alone read as a general question ("how is
        # neuroblastoma treated"), which must not crowd out the neighbour the parent points at.
        # A general reading scoring below that neighbour is kept a margin below it.
        best_near = max(merged[topic_id] for topic_id in near)
        for topic_id in merged:
            if topic_id not in near and topic_id != last_topic and merged[topic_id] <= best_near:
                merged[topic_id] = min(merged[topic_id], best_near - margin - MARGIN_EPSILON)
    return merged


def next_related(kb: KnowledgeBase, topic_id: str, shown: Iterable[str]) -> Optional[str]:
    topic = kb.topics.get(topic_id)
    if not topic:
        return None
    seen = set(shown) | {topic_id}
    return next((related for related in topic.related if related not in seen), None)


def settle(decision: Decision, last_topic: str, shown: Iterable[str], another: bool) -> Decision:
    """A follow-up's "did you mean", settled by the conversation (see the module's docstring)."""
    if decision.outcome != "clarify":
        return decision
    if another:
        seen = set(shown) | {last_topic}
        fresh = tuple(option for option in decision.options if option not in seen)
        if len(fresh) == 1:
            return Decision("answer", "follow_up_another", fresh[0], confidence=decision.confidence)
        if len(fresh) > 1 and fresh != decision.options:
            return replace(decision, options=fresh)
        return decision
    if decision.options and decision.options[0] == last_topic:
        # The topic just read scores best and another is close: the parent is still on it. A
        # runner-up is not settled: "is the mibg one radioactive?" after the PET scan names the other.
        return Decision("answer", "follow_up_same", last_topic, confidence=decision.confidence)
    return decision


def offered_before(events: Iterable[Any]) -> List[str]:
    """The topics of the "did you mean" the bot asked right before this message (its reply to the
    parent's previous message), or none."""
    replies: List[str] = []
    users = 0
    for event in reversed(list(events or [])):
        if not isinstance(event, dict):
            continue
        if event.get("event") == "user":
            users += 1
            if users == 2:
                break
        elif event.get("event") == "bot" and users == 1:
            custom = (event.get("data") or {}).get("custom")
            if isinstance(custom, dict) and custom.get("type") == "clarify":
                replies = [str(option.get("topic_id")) for option in custom.get("options") or []
                           if isinstance(option, dict) and option.get("topic_id")]
    return replies
