"""Answer a parent's question from the knowledge base, ask which topic they meant, or defer.

Every message Rasa reads as a question (`ask_question`), as out of scope, or cannot classify
(`nlu_fallback`) comes here, so one decision (actions/decision.py) weighs the NLU ranking and the
retrieval scores together. Follow-ups lean on the `last_topic` slot (actions/followups.py).
Deferred questions are recorded, scrubbed, for the content team (actions/unanswered.py).
"""
from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import ages, clinics, compound, followups, interpreter_form, trials, unanswered
from actions.content import store
from actions.decision import MAX_OPTIONS, Decision, Signals, Thresholds, decide, decide_message, decide_part
from actions.retrieval import TopicIndex
from actions.replies import answer_message, clarify_message, defer_message, no_more_message, numbered_stage_message
from knowledge import KnowledgeBase
from knowledge.deferrals import DeferralKind, deferral_kind, load_deferrals
from knowledge.phrasing import bare_term_topics, numbered_stage, wants_more

logger = logging.getLogger(__name__)

CANDIDATES = 5
# Answers about interpreters end with a button that starts the request form.
INTERPRETER_TOPICS = ("service_interpreter", "interpreter_languages")
STAGING_SECTION = "Staging of neuroblastoma"
MAX_SHOWN = 20  # topics remembered for "tell me more"


def with_signals(message: Dict[str, Any], signals: Optional[Signals]) -> Dict[str, Any]:
    """The decision's inputs go with the reply, so `make evaluate` can replay the decision offline
    to calibrate the thresholds, and a reviewer can see why the bot answered as it did."""
    if signals is not None:
        message["json_message"]["signals"] = signals.as_dict()
    return message


def remember(shown: List[str], topic_id: str) -> List[str]:
    """The topics shown in this conversation, with `topic_id` last (for "tell me more")."""
    return [topic for topic in shown if topic != topic_id][-(MAX_SHOWN - 1):] + [topic_id]


def chosen_topic(tracker: Tracker) -> Optional[str]:
    """The topic of a "did you mean" button the parent pressed, if this message is one."""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == "topic_id":
            return str(entity.get("value") or "")
    return None


class AnswerQuestion(Action):
    def name(self) -> Text:
        return "action_answer_question"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        kb, index = store().current()
        text = tracker.latest_message.get("text") or ""
        last_topic = tracker.get_slot("last_topic")
        shown = list(tracker.get_slot("shown_topics") or [])

        chosen = chosen_topic(tracker)
        if chosen is not None:
            if chosen in kb.topics:
                return self._answer(dispatcher, tracker, kb, chosen, 1.0, shown, "chosen")
            return self._defer(dispatcher, tracker, kb, text, Decision("defer", "unknown_choice"), None)

        if last_topic in kb.topics and wants_more(text):
            following = followups.next_related(kb, last_topic, shown)
            if following:
                return self._answer(dispatcher, tracker, kb, following, 1.0, shown, "more")
            logger.info("conversation %s: nothing more on %s", tracker.sender_id, last_topic)
            dispatcher.utter_message(**no_more_message(kb, kb.topic(last_topic)))
            return []

        request = clinics.request_from(kb, tracker.latest_message.get("entities"), text)
        if request and text.startswith("/"):  # a city button of the clinic finder
            return self._find(dispatcher, tracker, kb, request, shown)

        thresholds = Thresholds.from_env()
        scores = index.scores(text)
        signals = Signals.from_parse(tracker.latest_message, scores, CANDIDATES)
        decision = decide(signals, thresholds)
        if request and decision.reason != "out_of_scope" and clinics.wanted(
                kb, request, text, decision.topic_id if decision.outcome == "answer" else None):
            return self._find(dispatcher, tracker, kb, request, shown)

        bare = bare_term_topics(kb.terms, text)
        if bare and decision.reason != "out_of_scope":
            # "mibg", "scan", "bone marrow?": several tests or treatments share the word, and which
            # one is meant is the parent's to say.
            options = sorted(bare, key=lambda topic: -scores.get(topic, 0.0))[:MAX_OPTIONS]
            logger.info("conversation %s: bare term, clarify between %s", tracker.sender_id, ", ".join(options))
            dispatcher.utter_message(**with_signals(clarify_message(kb, options, decision.confidence), signals))
            return []

        kinds = load_deferrals(kb.topics)
        questions = compound.split_questions(text)
        if questions:
            signals = replace(signals, parts=self._parts(kb, index, tracker.latest_message, questions, thresholds))
            decision, topics = decide_message(signals, thresholds)
            if topics and not any(
                    part.outcome == "answer" and not covers(kb, deferral_kind(kinds, question), (part.topic_id,))
                    for question, part in zip(questions, (decide_part(plain, contextual, thresholds)
                                                          for plain, contextual in signals.parts))):
                return self._answer_several(dispatcher, tracker, kb, topics, shown, signals)
            # A question among them asks what its topic's answer does not say ("how long does the
            # scan take?"): the message is decided as a whole, below.

        # After a "did you mean" the parent may type instead of pressing a button ("any rarer
        # ones?"): the follow-up leans on the topics offered rather than on the one before.
        offered = [topic for topic in followups.offered_before(tracker.events) if topic in kb.topics]
        context = offered[0] if offered else last_topic
        uncovered = deferral_kind(kinds, text)
        follow_up = False
        if context in kb.topics and scores and followups.leans_on_context(text) \
                and (decision.reason != "out_of_scope" or not uncovered) \
                and not followups.names_its_subject(kb, text, tracker.latest_message.get("entities"), decision,
                                                    offered or [context]) \
                and (followups.refers_back(text)
                     or not (decision.outcome == "answer" and decision.topic_id != context
                             and decision.confidence >= thresholds.follow_up)):
            # A follow-up: the message points back at what was said, or alone it is not a clear
            # question about another topic.
            # After a "did you mean", the message may be about any of the topics offered ("what's
            # the treatment for that kind?" after surgery, localized unresectable and resectable):
            # it is read after each, and each topic keeps its best reading ("the other one" is none
            # of them).
            readings = [followups.follow_up_scores(kb, topic, scores, index.scores(followups.contextual_query(
                kb, topic, text)), followups.asks_for_another(text), followups.refers_back(text), thresholds.margin)
                for topic in (offered or [context])]
            scores = {topic: max(reading[topic] for reading in readings)
                      for topic in readings[0] if all(topic in reading for reading in readings)}
            signals = Signals.from_parse(tracker.latest_message, scores, CANDIDATES, use_selector=False)
            decision = decide(signals, replace(thresholds, override=thresholds.follow_up_override))
            follow_up = True

        stage = numbered_stage(text)
        if stage and decision.reason != "out_of_scope" and (
                decision.outcome != "answer" or kb.topic(decision.topic_id).section == STAGING_SECTION):
            # "stage 4": the page names categories, not numbers; it says so, then answers.
            topic_id = "stage_disseminated" if stage[1] else "staging_overview"
            logger.info("conversation %s: numbered stage answered with %s", tracker.sender_id, topic_id)
            dispatcher.utter_message(**with_signals(numbered_stage_message(kb, stage[0], stage[1], decision.confidence),
                                                    signals))
            return [SlotSet("last_topic", topic_id), SlotSet("shown_topics", remember(shown, topic_id))]
        if uncovered and (decision.outcome == "clarify" or (
                decision.outcome == "answer" and decision.reason != "known_question"
                and (decision.confidence < thresholds.uncovered or signals.out_of_scope >= thresholds.out_of_scope
                     or not covers(kb, uncovered, (decision.topic_id,))))):
            # "Did you mean", or a weak answer, for a question the page does not answer ("why does
            # a child get it?", "will insurance cover mibg therapy?", "what should she eat during
            # chemo?", or one the NLU also finds out of scope), or an answer that does not say what
            # is asked ("how much does camp cost?" and what the camp is): the honest reply is that
            # the page does not say, with the closest topics it does cover.
            decision = Decision("defer", "uncovered_kind", options=decision.options, confidence=decision.confidence)
        if follow_up and not offered:
            decision = followups.settle(decision, last_topic, shown, followups.asks_for_another(text))
        if not uncovered:
            decision = ages.by_age(kb, decision, ages.conversation_age_group(text, tracker.events),
                                   context if follow_up else None)
        if decision.outcome == "answer":
            return self._answer(dispatcher, tracker, kb, decision.topic_id, decision.confidence, shown,
                                decision.reason, signals)
        if decision.outcome == "clarify":
            logger.info("conversation %s: clarify between %s (best %.2f)", tracker.sender_id,
                        ", ".join(decision.options), decision.confidence)
            dispatcher.utter_message(**with_signals(clarify_message(kb, list(decision.options), decision.confidence),
                                                    signals))
            return []
        return self._defer(dispatcher, tracker, kb, text, decision, signals)

    @staticmethod
    def _parts(kb: KnowledgeBase, index: TopicIndex, parse: Dict[str, Any], questions: List[str],
               thresholds: Thresholds) -> Tuple[Tuple[Signals, Optional[Signals]], ...]:
        """The signals of each question in the message (actions/compound.py): alone, and read
        after the topic the question before it was answered with (used when alone is no answer)."""
        parts, previous = [], None
        for question in questions:
            plain_scores = index.scores(question)
            plain = Signals.from_parse(parse, plain_scores, CANDIDATES)
            contextual = None
            if previous is not None:  # recorded even when not needed, so other thresholds can be replayed
                context_scores = index.scores(followups.contextual_query(kb, previous, question))
                contextual = Signals.from_parse(
                    parse, followups.follow_up_scores(kb, previous, plain_scores, context_scores),
                    CANDIDATES, use_selector=False)
            part = decide_part(plain, contextual, thresholds)
            parts.append((plain, contextual))
            previous = part.topic_id if part.outcome == "answer" else previous
        return tuple(parts)

    @staticmethod
    def _answer_several(dispatcher: CollectingDispatcher, tracker: Tracker, kb: KnowledgeBase,
                        topics: Tuple[str, ...], shown: List[str],
                        signals: Signals) -> List[Dict[Text, Any]]:
        """One answer per question, in the order asked. The first carries the signals."""
        for number, topic_id in enumerate(topics):
            if number == 0:
                message = with_signals(answer_message(kb, kb.topic(topic_id)), signals)
            else:
                message = answer_message(kb, kb.topic(topic_id))
            message["json_message"]["of_several"] = len(topics)
            dispatcher.utter_message(**message)
            shown = remember(shown, topic_id)
        logger.info("conversation %s: answered several questions: %s", tracker.sender_id, ", ".join(topics))
        return [SlotSet("last_topic", topics[-1]), SlotSet("shown_topics", shown)]

    @staticmethod
    def _find(dispatcher: CollectingDispatcher, tracker: Tracker, kb: KnowledgeBase, request: clinics.Request,
              shown: List[str]) -> List[Dict[Text, Any]]:
        """The clinic finder's reply. It carries no decision signals: `make evaluate`'s replay of
        other thresholds keeps it as it is."""
        message = clinics.find(kb, request)
        topic_id = message["json_message"]["topic_id"]
        logger.info("conversation %s: clinic finder named %s", tracker.sender_id,
                    ", ".join(program["topic_id"] for program in message["json_message"]["programs"]) or "no program")
        dispatcher.utter_message(**message)
        return [SlotSet("last_topic", topic_id), SlotSet("shown_topics", remember(shown, topic_id))]

    @staticmethod
    def _answer(dispatcher: CollectingDispatcher, tracker: Tracker, kb: KnowledgeBase, topic_id: str,
                confidence: float, shown: List[str], reason: str,
                signals: Optional[Signals] = None) -> List[Dict[Text, Any]]:
        logger.info("conversation %s: answered %s (%s, %.2f)", tracker.sender_id, topic_id, reason, confidence)
        message = with_signals(answer_message(kb, kb.topic(topic_id), confidence), signals)
        if topic_id == clinics.OVERVIEW:
            message = clinics.with_city_choice(kb, message)
        elif topic_id in INTERPRETER_TOPICS:
            language = interpreter_form.language_from(kb, "", tracker.latest_message.get("entities") or [])
            message["buttons"] = [interpreter_form.request_button(kb, language)]
        elif topic_id == trials.OVERVIEW:
            message = trials.with_situations(kb, message)
        dispatcher.utter_message(**message)
        return [SlotSet("last_topic", topic_id), SlotSet("shown_topics", remember(shown, topic_id))]

    @staticmethod
    def _defer(dispatcher: CollectingDispatcher, tracker: Tracker, kb: KnowledgeBase, text: str,
               decision: Decision, signals: Optional[Signals]) -> List[Dict[Text, Any]]:
        logger.info("conversation %s: deferred (%s, best %.2f)", tracker.sender_id, decision.reason,
                    decision.confidence)
        if text.strip():
            unanswered.record(kb, text, decision, signals)
        kind = deferral_kind(load_deferrals(kb.topics), text)
        close = kind.close_topics if kind else decision.options
        message = defer_message(kb, decision.reason, kind.text if kind else None, close, kind.id if kind else None)
        dispatcher.utter_message(**with_signals(message, signals))
        return []


def covers(kb: KnowledgeBase, kind: Optional[DeferralKind], topics: Tuple[str, ...]) -> bool:
    """Whether the topics' answers say what a question of the kind asks (always, for no kind or a
    kind with no such check)."""
    return kind is None or all(kind.answered_by(topic, kb.topic(topic).answer)
                               for topic in topics if topic in kb.topics)


class Defer(Action):
    """The dialogue's own fallback, when no rule or policy knows what to do next."""

    def name(self) -> Text:
        return "action_defer"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        kb = store().current()[0]
        logger.info("conversation %s: deferred to the care team (dialogue fallback)", tracker.sender_id)
        dispatcher.utter_message(**defer_message(kb, "dialogue_fallback"))
        return []
