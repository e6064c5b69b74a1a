"""The knowledge loader: the real knowledge base loads, and bad data names the file and the entry."""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from knowledge import KnowledgeError, load
from knowledge.loader import KNOWLEDGE_DIR

GOOD_TOPIC = """
  - id: {id}
    title: A title
    kind: info
    section: Symptoms of neuroblastoma
    answer: An answer.
    source: ["Symptoms may include:"]
    related: [{related}]
    examples: ["{last} 1", "{last} 2", "{last} 3", "{last} 4", "{last} 5", "{last} 6", "{last} 7", "{last} 8"]
"""


def write_topics(directory: Path, name: str, *topics: str) -> None:
    (directory / name).write_text("topics:\n" + "".join(topics), encoding="utf-8")


@pytest.fixture()
def kb_dir(tmp_path: Path) -> Path:
    write_topics(tmp_path, "topics_a.yml", GOOD_TOPIC.format(id="first", related="second", last="first"))
    write_topics(tmp_path, "topics_b.yml", GOOD_TOPIC.format(id="second", related="first", last="second"))
    return tmp_path


def test_the_real_knowledge_base_loads():
    kb = load()
    assert len(kb.topics) >= 5
    assert "symptoms_common" in kb.topics
    assert {"disclaimer", "defer"} <= set(kb.replies)
    assert "educational purposes only" in kb.replies["disclaimer"].text


def test_a_small_valid_directory_loads(kb_dir):
    kb = load(kb_dir)
    assert sorted(kb.topics) == ["first", "second"]
    assert kb.topic("first").related == ("second",)
    assert kb.topic("first").file == "topics_a.yml"


def test_duplicate_id_names_both_files(kb_dir):
    write_topics(kb_dir, "topics_c.yml", GOOD_TOPIC.format(id="first", related="second", last="third"))
    with pytest.raises(KnowledgeError, match=r"topics_c.yml: topic 'first': duplicate id \(also in topics_a.yml\)"):
        load(kb_dir)


def test_missing_required_field_names_file_and_entry(kb_dir):
    write_topics(kb_dir, "topics_c.yml", GOOD_TOPIC.format(id="third", related="first", last="third").replace(
        "    answer: An answer.\n", ""))
    with pytest.raises(KnowledgeError, match=r"topics_c.yml: topic 'third': missing required field 'answer'"):
        load(kb_dir)


def test_unknown_related_id_is_rejected(kb_dir):
    write_topics(kb_dir, "topics_c.yml", GOOD_TOPIC.format(id="third", related="nowhere", last="third"))
    with pytest.raises(KnowledgeError, match=r"topics_c.yml: topic 'third': related id 'nowhere' does not exist"):
        load(kb_dir)


def test_too_few_examples_is_rejected(kb_dir):
    (kb_dir / "topics_c.yml").write_text(textwrap.dedent("""\
        topics:
          - {id: third, title: T, kind: info, section: S, answer: A, source: [s], examples: [only one]}
        """), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"topics_c.yml: topic 'third': needs at least 8 examples, has 1"):
        load(kb_dir)


def test_same_example_under_two_topics_is_rejected(kb_dir):
    write_topics(kb_dir, "topics_c.yml", GOOD_TOPIC.format(id="third", related="first", last="first"))
    with pytest.raises(KnowledgeError, match=r"example 'first 1' is also an example of 'first'"):
        load(kb_dir)


def test_invalid_yaml_names_the_file(kb_dir):
    (kb_dir / "topics_c.yml").write_text("topics: [unclosed", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"^topics_c.yml: not valid YAML"):
        load(kb_dir)


def test_term_pointing_to_missing_topic_is_rejected(kb_dir):
    (kb_dir / "vocabulary.yml").write_text(
        "terms:\n  - {label: TEST, value: MRI, synonyms: [], topic: missing_topic}\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"vocabulary.yml: term 'MRI': topic 'missing_topic' does not exist"):
        load(kb_dir)


def test_contacts_come_from_the_deployment_file(kb_dir, tmp_path_factory):
    contacts = tmp_path_factory.mktemp("deploy") / "contacts.yml"
    contacts.write_text("contacts:\n  first: {phone: '555-0100'}\n", encoding="utf-8")
    kb = load(kb_dir, contacts_file=contacts)
    assert kb.contact("first").lines() == ["Phone: 555-0100"]
    assert kb.contact("second").lines() == []


def test_contacts_for_an_unknown_topic_are_rejected(kb_dir, tmp_path_factory):
    contacts = tmp_path_factory.mktemp("deploy") / "contacts.yml"
    contacts.write_text("contacts:\n  nowhere: {phone: '555-0100'}\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"contact 'nowhere': no topic has that id"):
        load(kb_dir, contacts_file=contacts)


def test_a_deployment_contacts_file_elsewhere_replaces_the_shipped_one(tmp_path):
    contacts = tmp_path / "hospital-contacts.yml"
    contacts.write_text("contacts:\n  care_team: {url: 'https://care.example.org/'}\n", encoding="utf-8")
    kb = load(contacts_file=contacts)
    assert kb.contact("care_team").lines() == ["Website: https://care.example.org/"]


def test_a_contact_url_must_be_a_web_address(kb_dir, tmp_path_factory):
    contacts = tmp_path_factory.mktemp("deploy") / "contacts.yml"
    for url in ("javascript:alert(1)", "www.example.org", "https://"):
        contacts.write_text(f"contacts:\n  first: {{url: '{url}'}}\n", encoding="utf-8")
        with pytest.raises(KnowledgeError, match=r"contact 'first': url must be a web address"):
            load(kb_dir, contacts_file=contacts)


def test_shipped_contacts_are_empty():
    """Contact details are deployment settings: the repository never ships one."""
    kb = load()
    assert all(not contact.lines() for contact in kb.contacts.values())


def test_loader_works_from_another_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load().topics.keys() == load(KNOWLEDGE_DIR).topics.keys()


PROGRAM_TOPIC = """
  - id: place
    title: A clinic
    kind: program
    section: Where to get care (5)
    cities: [Oakland]
    treatments: [{treatment}]
    answer: An answer.
    source: ["Oncology Clinic"]
    related: [first]
    examples: ["place 1", "place 2", "place 3", "place 4", "place 5", "place 6", "place 7", "place 8"]
"""
PLACE_TERMS = ("terms:\n  - {label: CITY, value: Oakland, synonyms: []}\n"
               "  - {label: TREATMENT, value: surgery, synonyms: []}\n")


def test_a_program_names_treatments_that_are_treatment_terms(kb_dir):
    (kb_dir / "vocabulary.yml").write_text(PLACE_TERMS, encoding="utf-8")
    write_topics(kb_dir, "topics_c.yml", PROGRAM_TOPIC.format(treatment="surgery"))
    assert load(kb_dir).topic("place").treatments == ("surgery",)
    write_topics(kb_dir, "topics_c.yml", PROGRAM_TOPIC.format(treatment="MIBG therapy"))
    with pytest.raises(KnowledgeError, match=r"topics_c.yml: topic 'place': treatment 'MIBG therapy' is not a "
                                             r"TREATMENT term"):
        load(kb_dir)


def test_only_a_program_lists_treatments(kb_dir):
    (kb_dir / "vocabulary.yml").write_text(PLACE_TERMS, encoding="utf-8")
    write_topics(kb_dir, "topics_c.yml", PROGRAM_TOPIC.format(treatment="surgery").replace("kind: program",
                                                                                             "kind: info"))
    with pytest.raises(KnowledgeError, match=r"topic 'place': only a program lists the treatments it gives"):
        load(kb_dir)


def write_emergency(directory: Path, pattern: str) -> None:
    (directory / "emergencies.yml").write_text(textwrap.dedent(f"""\
        emergency:
          reply: Call 911 now.
          signs:
            - id: fever_during_chemo
              patterns: [{pattern!r}]
              examples: [fever during chemo]
        """), encoding="utf-8")


def test_an_emergency_pattern_starting_with_an_unanchored_lookahead_is_refused(kb_dir):
    write_emergency(kb_dir, "(?=.*fever)(?=.*chemo)")
    with pytest.raises(KnowledgeError, match=r"emergencies.yml: sign 'fever_during_chemo': .*anchor it with \^"):
        load(kb_dir)


def test_the_same_pattern_anchored_matches_the_words_anywhere(kb_dir):
    write_emergency(kb_dir, "^(?=.*fever)(?=.*chemo)")
    emergency = load(kb_dir).emergency
    assert emergency.match("after his chemo yesterday he has a fever") == "fever_during_chemo"
    assert emergency.match("a fever, no treatment yet") is None
