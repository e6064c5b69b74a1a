"""The knowledge base against the hospital page: every section covered, nothing stated that the
page does not say, and answers a worried parent can read."""
from __future__ import annotations

import re
import statistics

import pytest

from knowledge import load
from knowledge.loader import SOURCE_PAGE, source_text
from knowledge.readability import reading_grade

KB = load()
PAGE = source_text()
PAGE_LINES = {line.strip() for line in SOURCE_PAGE.read_text(encoding="utf-8").splitlines()}

# The page's sections, read off source_page.txt. A new section on the page needs a topic.
SEED_SECTIONS = [
    "What is neuroblastoma?", "Awards & recognition", "Symptoms of neuroblastoma", "Diagnosis of neuroblastoma",
    "Blood and urine tests for neuroblastoma", "Imaging tests for neuroblastoma", "Biopsies for neuroblastoma",
    "Additional tests for neuroblastoma", "Staging of neuroblastoma", "Treatment of neuroblastoma",
    "Surgery for neuroblastoma", "Radiation therapy for neuroblastoma", "Chemotherapy for neuroblastoma",
    "Bone marrow transplant for neuroblastoma", "MIBG therapy for neuroblastoma",
    "Intraoperative radiation therapy (IORT) for neuroblastoma", "Treatment by category",
    "Localized resectable neuroblastoma", "Localized unresectable neuroblastoma", "Regional neuroblastoma",
    "Disseminated neuroblastoma", "Stage 4S neuroblastoma", "Recurrent neuroblastoma", "Where to get care (5)",
    "Recommended reading", "Support services", "Clinical trials", "Translation, please",
]

# Items the page lists one by one; each must be cited by a topic of its own kind.
SEED_ITEMS = {
    "info": ["X-rays.", "Computed Tomography (CT) Scan.", "Magnetic Resonance Imaging (MRI).", "Ultrasound.",
             "MIBG. A chemical called metaiodobenzylguanidine", "Positron Emission Tomography (PET) Scan.",
             "Bone marrow biopsy.", "Bone marrow aspiration.", "Immunohistochemistry.", "Electron microscopy.",
             "Localized resectable.", "Localized unresectable.", "Regional. The cancer", "Disseminated. The cancer",
             "Stage 4S. The cancer", "Recurrent. This means", "13-cis retinoic acid", "IORT delivers",
             "Giving a dose of the patient's own stem cells", "adjuvant chemotherapy", "neoadjuvant chemotherapy"],
    "program": ["Blood & Marrow Transplant (BMT) Clinic", "Brain Tumor Program", "Infusion Center",
                "Oncology Clinic", "Survivorship Program"],
    "service": ["Camp Okizu", "Child Life", "Family Amenities", "International Services",
                "Interpreter Services & Communication Assistance", "Social Services", "Spiritual Care"],
    "trial": ["Pediatric Precision Laboratory Advanced Neuroblastoma Therapy",
              "Eflornithine (DFMO) and Etoposide for Relapsed/Refractory Neuroblastoma",
              "Naxitamab Added to Induction for Newly Diagnosed High-Risk Neuroblastoma",
              "Neuroblastoma Maintenance Therapy Trial",
              "A Study of Therapeutic Iobenguane (131-I) and Vorinostat"],
}

# Words that carry a fact: numbers, and any capitalised word or name inside a sentence.
NUMBER_WORDS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "hundred",
                "hundreds", "thousand", "half", "quarter", "third", "dozen", "twice", "percent"}
# Ordinary English that is capitalised in answers without naming a fact.
PLAIN_CAPITALISED = {"I", "It", "You", "Your", "This", "The", "These", "If", "Some", "Not", "A", "An"}


def answers():
    return [(topic.id, topic.answer) for topic in KB.topics.values()]


def collapse(text: str) -> str:
    return " ".join(text.split())


def test_every_page_section_has_a_topic():
    covered = {topic.section for topic in KB.topics.values()}
    missing = [section for section in SEED_SECTIONS if section not in covered]
    assert not missing, f"page sections with no topic: {missing}"
    assert all(section in PAGE_LINES for section in SEED_SECTIONS)


@pytest.mark.parametrize("kind", sorted(SEED_ITEMS))
def test_every_listed_item_is_cited_by_a_topic(kind):
    sources = [collapse(" ".join(t.source)) for t in KB.topics.values() if t.kind == kind or kind == "info"]
    missing = [item for item in SEED_ITEMS[kind] if not any(item in source for source in sources)]
    assert not missing, f"{kind} items on the page that no topic cites: {missing}"


def test_each_program_service_and_trial_has_its_own_topic():
    kinds = [t.kind for t in KB.topics.values()]
    assert kinds.count("program") == 5
    assert kinds.count("service") == 7
    assert kinds.count("trial") == 5


def test_every_section_is_a_heading_of_the_page():
    wrong = [(t.id, t.section) for t in KB.topics.values() if t.section not in PAGE_LINES]
    assert not wrong


def test_every_source_sentence_is_on_the_page():
    wrong = [(t.id, s) for t in KB.topics.values() for s in t.source if collapse(s) not in PAGE]
    wrong += [(r.key, s) for r in KB.replies.values() for s in r.source if collapse(s) not in PAGE]
    assert not wrong, wrong


@pytest.mark.parametrize("topic_id,answer", answers())
def test_every_number_in_an_answer_is_on_the_page(topic_id, answer):
    page_lower = PAGE.lower()
    numbers = re.findall(r"\d+(?:[.,]\d+)?", answer)
    words = [w for w in re.findall(r"[a-z]+", answer.lower()) if w in NUMBER_WORDS]
    assert [n for n in numbers if n not in PAGE] == []
    assert [w for w in words if not re.search(rf"\b{w}\b", page_lower)] == []


@pytest.mark.parametrize("topic_id,answer", answers())
def test_every_name_in_an_answer_is_on_the_page(topic_id, answer):
    """Drugs, tests, places, programs and languages are capitalised or abbreviated (MIBG, Oakland,
    Cantonese, DFMO); each one an answer names must appear on the page as written."""
    unknown = []
    for sentence in re.split(r"(?<=[.!?:])\s+|\n+", answer):
        words = re.findall(r"[A-Za-z0-9][\w&'/-]*", re.sub(r"^\s*-\s*", "", sentence))
        for word in words[1:]:
            if (word[0].isupper() or any(c.isdigit() for c in word)) and word not in PLAIN_CAPITALISED:
                if word.rstrip("'s") not in PAGE:
                    unknown.append(word)
    assert unknown == []


def test_every_vocabulary_name_is_on_the_page():
    """Each named thing is one the page names (by its name or, like "CT scan", one of its forms)."""
    missing = [t.value for t in KB.terms if not any(n.lower() in PAGE.lower() for n in (t.value, *t.synonyms))]
    assert not missing


def test_answers_are_short():
    long_answers = [(t.id, len(t.answer.split())) for t in KB.topics.values() if len(t.answer.split()) > 130]
    assert not long_answers


def test_readability_median_grade_8_or_lower_and_none_above_10():
    grades = {t.id: reading_grade(t.answer) for t in KB.topics.values()}
    assert statistics.median(grades.values()) <= 8
    assert {topic: grade for topic, grade in grades.items() if grade > 10} == {}


def test_every_topic_has_enough_varied_examples():
    for topic in KB.topics.values():
        assert len(set(e.lower() for e in topic.examples)) >= 8, topic.id


def test_lay_synonyms_exist_where_words_differ():
    synonyms = {term.value: {s.lower() for s in term.synonyms} for term in KB.terms}
    assert "chemo" in synonyms["chemotherapy"]
    assert {"iobenguane", "i-131-mibg"} <= synonyms["MIBG therapy"]
    assert {"bmt", "stem cell transplant"} <= synonyms["bone marrow transplant"]
