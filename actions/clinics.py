"""The clinic finder: which of the page's care programs are in which city, and which program gives
a treatment, from the places, cities and treatments the parent named (the spaCy entity ruler's
PROGRAM, CITY and TREATMENT entities).

Everything it says comes from knowledge/: the programs' `cities` and `treatments`, the reply
templates in knowledge/replies.yml and the contact settings. When the parent did not name enough,
it offers buttons for what is missing (a city to narrow down, a program to read about).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Tuple

from actions.replies import choose_payload, contact_links, with_links
from knowledge import KnowledgeBase, Topic

OVERVIEW = "care_programs_overview"

# A question about a place: "where", "which clinic", "near us", "closest".
_PLACE = re.compile(
    r"\b(where|wher|which (clinic|program|place|location|hospital|center|centre|city|site)s?|"
    r"locations?|near(by| us| me)?|closest|close to|nearest)\b",
    re.IGNORECASE,
)


# A treatment asked about as a place: "where do kids get a transplant?", "which clinic does it?",
# "who gives MIBG therapy?" (not "where does the radiation go?").
_GIVEN = re.compile(
    r"\bwhere\b[^?.!]*\b(get|gets|getting|have|has|having|receive|receives|done|given|offered|go for)\b|"
    r"\bwhich (clinic|program|place|hospital|center|centre|location|site)s?\b|"
    r"\bwho (does|do|gives|give|offers|offer|provides)\b",
    re.IGNORECASE,
)
# Words about getting care somewhere, for a message the question answerer could not place.
_CARE = re.compile(r"\b(clinic|program|programme|center|centre|care|hospital|office|site|infusion|oncology|"
                   r"transplant|treat|treated|treatment|appointment|appt)s?\b", re.IGNORECASE)
# "outside of San Francisco", "other than Oakland": the city named is the one not wanted.
_NOT_THIS = re.compile(r"\b(outside( of)?|other than|besides|except|not in|away from|instead of)\W+$",
                       re.IGNORECASE)


def asks_where(text: str) -> bool:
    return bool(_PLACE.search(text or ""))


def asks_where_given(text: str) -> bool:
    return bool(_GIVEN.search(text or ""))


def about_care(text: str) -> bool:
    return asks_where(text) or bool(_CARE.search(text or ""))


@dataclass(frozen=True)
class Request:
    """What the parent named, as knowledge ids and names, each once, in the order named."""
    programs: Tuple[str, ...] = ()    # topic ids of programs
    cities: Tuple[str, ...] = ()      # CITY term values
    treatments: Tuple[str, ...] = ()  # TREATMENT term values

    def __bool__(self) -> bool:
        return bool(self.programs or self.cities or self.treatments)


def _unique(items: Iterable[str]) -> Tuple[str, ...]:
    return tuple(dict.fromkeys(item for item in items if item))


def request_from(kb: KnowledgeBase, entities: Optional[List[Dict[str, Any]]], text: str = "") -> Request:
    """The programs, cities and treatments among the message's entities. A value is matched to its
    term by name or synonym, whatever its case; anything the knowledge base does not list is ignored,
    and so is a city the parent does not want ("clinics outside of San Francisco")."""
    programs, cities, treatments = [], [], []
    for entity in entities or []:
        label = str(entity.get("entity") or "")
        term = kb.term_named(label, entity.get("value"))
        if term is None:
            continue
        if label == "PROGRAM" and term.topic in kb.topics:
            programs.append(term.topic)
        elif label == "CITY":
            start = entity.get("start")
            if isinstance(start, int) and _NOT_THIS.search(text[max(0, start - 40):start]):
                continue
            cities.append(term.value)
        elif label == "TREATMENT":
            treatments.append(term.value)
    return Request(_unique(programs), _unique(cities), _unique(treatments))


def programs_of(kb: KnowledgeBase) -> List[Topic]:
    return [topic for topic in kb.topics.values() if topic.kind == "program"]


def care_topics(kb: KnowledgeBase) -> frozenset:
    return frozenset([OVERVIEW, *(topic.id for topic in programs_of(kb))])


def giving(kb: KnowledgeBase, treatment: str) -> List[Topic]:
    """The programs whose page quotes say they give this treatment."""
    return [topic for topic in programs_of(kb) if treatment in topic.treatments]


def treatment_topic(kb: KnowledgeBase, treatment: str) -> Optional[Topic]:
    for term in kb.terms_with_label("TREATMENT"):
        if term.value == treatment and term.topic in kb.topics:
            return kb.topic(term.topic)
    return None


def wanted(kb: KnowledgeBase, request: Request, text: str, answered_topic: Optional[str]) -> bool:
    """Whether the finder should answer: for a treatment asked about as a place ("where do kids get
    a transplant?"), or for a city. A city needs the question not to be a confident answer about
    something else ("my son was diagnosed in oakland, what are the symptoms?"), and when the
    question answerer found no answer, it must be about getting care somewhere."""
    if request.treatments and asks_where_given(text) and (
            answered_topic is None or any(giving(kb, treatment) for treatment in request.treatments)):
        return True  # (a treatment no program is named for is better answered by its own topic)
    if answered_topic is not None and answered_topic not in care_topics(kb):
        return False
    if answered_topic is None and not about_care(text):  # "what's the weather in San Francisco?"
        return False
    return bool(request.cities)


def _and(names: List[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _say(kb: KnowledgeBase, key: str, **values: str) -> str:
    return kb.replies[key].text.format(**values)


def city_button(kb: KnowledgeBase, city: str) -> Dict[str, str]:
    payload = "/ask_question" + json.dumps({"CITY": city}, separators=(",", ":"))
    return {"title": _say(kb, "clinic_city_button", city=city), "payload": payload}


def topic_button(topic: Topic) -> Dict[str, str]:
    return {"title": topic.title, "payload": choose_payload(topic.id)}


def all_cities(kb: KnowledgeBase) -> List[str]:
    """The CITY terms, in the order knowledge/vocabulary.yml lists them."""
    return [term.value for term in kb.terms_with_label("CITY")]


def find(kb: KnowledgeBase, request: Request) -> Dict[str, Any]:
    """The finder's message: paragraphs of text, buttons for what is missing, and a `custom`
    payload naming the programs and the city, citing the page's section."""
    paragraphs: List[str] = []
    named: List[Topic] = []
    buttons: List[Dict[str, str]] = []

    def name(topic: Topic) -> None:
        if topic not in named:
            named.append(topic)

    for treatment in request.treatments:
        places = giving(kb, treatment)
        if not places:
            paragraphs.append(_say(kb, "treatment_place_not_given", treatment=treatment))
            about = treatment_topic(kb, treatment)
            if about is not None:  # what the page does say about the treatment, a click away
                buttons.append(topic_button(about))
        for topic in places:
            paragraphs.append(_say(kb, "clinic_for_treatment", treatment=treatment, program=topic.title,
                                   cities=_and(list(topic.cities))))
            name(topic)

    for city in request.cities:
        asked = [kb.topic(topic_id) for topic_id in request.programs]
        for topic in asked:
            if city in topic.cities:
                others = [other for other in topic.cities if other not in request.cities]
                paragraphs.append(_say(kb, "clinic_in_city", program=topic.title, city=city)
                                  + (" " + _say(kb, "clinic_also_in", cities=_and(others)) if others else ""))
            else:
                paragraphs.append(_say(kb, "clinic_not_in_city", program=topic.title, city=city,
                                       cities=_and(list(topic.cities))))
            name(topic)
        if not asked or any(city not in topic.cities for topic in asked):
            here = [topic for topic in programs_of(kb) if city in topic.cities]
            paragraphs.append(_say(kb, "clinics_in_city", city=city) + "\n"
                              + "\n".join(f"- {topic.title}" for topic in here))
            buttons += [topic_button(topic) for topic in here if topic not in named]
            for topic in here:
                name(topic)

    if not request.cities:
        for topic_id in request.programs:
            name(kb.topic(topic_id))

    paragraphs.append(_say(kb, "clinic_ask_care_team"))
    contacts = [f"{topic.title}: " + ", ".join(kb.contact(topic.id).lines())
                for topic in named if kb.contact(topic.id).lines()]
    if contacts:
        paragraphs.append("\n".join(contacts))
    if not request.cities and not named:  # nothing narrows it down yet: offer the cities
        buttons += [city_button(kb, city) for city in all_cities(kb)]
    message: Dict[str, Any] = {
        "text": "\n\n".join(paragraphs),
        "json_message": {
            "type": "clinic",
            "topic_id": named[0].id if len(named) == 1 else OVERVIEW,
            "title": named[0].title if len(named) == 1 else kb.topic(OVERVIEW).title,
            "source_section": kb.topic(OVERVIEW).section,
            "programs": [{"topic_id": topic.id, "title": topic.title, "cities": list(topic.cities)}
                         for topic in named],
            "cities": list(request.cities),
            "treatments": list(request.treatments),
        },
    }
    if buttons:
        message["buttons"] = buttons
    return with_links(message, contact_links(kb, [(topic.id, topic.title) for topic in named]))


def with_city_choice(kb: KnowledgeBase, message: Dict[str, Any]) -> Dict[str, Any]:
    """The overview of every place, with a button per city to narrow it down."""
    message = dict(message)
    message["text"] = message["text"] + "\n\n" + _say(kb, "clinic_choose_city")
    message["buttons"] = [city_button(kb, city) for city in all_cities(kb)]
    return message
