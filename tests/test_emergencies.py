"""Emergency signs from knowledge/emergencies.yml: caught in many wordings and languages, and
ordinary questions about symptoms are not mistaken for emergencies."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.emergency import EscalateEmergency
from knowledge import KnowledgeError, load
from knowledge.language import load_languages
from knowledge.messages import emergency_message
from tests.conftest import load_tracker_json

KB = load()

MUST_ESCALATE = {
    "my son is not breathing": "not_breathing",
    "HELP he stopped breathing!!": "not_breathing",
    "she can't breathe": "not_breathing",
    "my baby’s lips are blue": "turning_blue",
    "he is turning blue what do i do": "turning_blue",
    "she won't wake up": "unresponsive",
    "my daughter is unresponsive": "unresponsive",
    "he is having a seizure right now": "seizure",
    "my kid is seizing": "seizure",
    "she has a fever of 102 and had chemo on monday": "fever_during_chemo",
    "fever after chemotherapy what should i do": "fever_during_chemo",
    "the bleeding won't stop": "heavy_bleeding",
    "he is bleeding a lot from his port": "heavy_bleeding",
    "suddenly she can't move her legs": "sudden_weakness_or_paralysis",
    "he can't feel his legs": "sudden_weakness_or_paralysis",
    "i want to end my life": "suicidal_thoughts",
    "i am having suicidal thoughts": "suicidal_thoughts",
    "my daughter says she doesnt want to live anymore": "suicidal_thoughts",
    "his throat is closing up": "severe_allergic_reaction",
    "he swallowed a handful of my sleeping pills": "poisoning_or_overdose",
    "i think she took too many of her pain meds": "poisoning_or_overdose",
}

# (message, sign, language): written for these tests, in the languages of knowledge/languages.yml.
MUST_ESCALATE_IN_OTHER_LANGUAGES = [
    ("mi hijo no respira", "not_breathing", "es"),
    ("Mi hija no se despierta, por favor", "unresponsive", "es"),
    ("tiene fiebre de 39 y está en quimio", "fever_during_chemo", "es"),
    ("孩子呼吸困难，嘴唇发紫", "not_breathing", "zh-Hans"),
    ("我儿子一直抽搐", "seizure", "zh-Hans"),
    ("女兒叫不醒，怎麼辦", "unresponsive", "zh-Hant"),
    ("他化療後發燒到39度", "fever_during_chemo", "zh-Hant"),
    ("мой сын не дышит", "not_breathing", "ru"),
    ("у дочери судороги", "seizure", "ru"),
    ("con tôi không thở được", "not_breathing", "vi"),
    ("con toi bi co giat", "seizure", "vi"),
    ("hindi humihinga ang anak ko", "not_breathing", "tl"),
    ("gusto ko nang mamatay", "suicidal_thoughts", "tl"),
    ("아이가 숨을 못 쉬어요", "not_breathing", "ko"),
    ("딸이 갑자기 경련을 해요", "seizure", "ko"),
    ("ابني لا يتنفس", "not_breathing", "ar"),
    ("ابنتي فاقدة الوعي", "unresponsive", "ar"),
]

MUST_NOT_ESCALATE_IN_OTHER_LANGUAGES = [
    "¿qué es el neuroblastoma?",
    "¿dónde está la clínica de oncología?",
    "什么是神经母细胞瘤？",
    "化療有什麼副作用？",
    "Что такое нейробластома?",
    "U nguyên bào thần kinh là gì?",
    "Ano ang neuroblastoma?",
    "신경모세포종이 뭐예요?",
    "ما هو الورم الأرومي العصبي؟",
]
LANGUAGES_REQUIRED = ("es", "zh-Hans", "zh-Hant", "ru", "vi", "tl", "ko", "ar")
CORE_SIGNS = {"not_breathing", "turning_blue", "unresponsive", "seizure", "fever_during_chemo",
              "heavy_bleeding", "sudden_weakness_or_paralysis", "suicidal_thoughts"}

MUST_NOT_ESCALATE = [
    "is difficulty breathing a symptom of neuroblastoma",
    "can neuroblastoma cause paralysis",
    "what is chemotherapy",
    "what are the side effects of mibg therapy",
    "does neuroblastoma cause fever",
    "what does stage 4s mean",
    "is there help for his sister",
    "what is a bone marrow biopsy",
]


@pytest.mark.parametrize("message,sign", sorted(MUST_ESCALATE.items()))
def test_emergency_wordings_are_caught(message, sign):
    assert KB.emergency.match(message) == sign


@pytest.mark.parametrize("message", MUST_NOT_ESCALATE)
def test_questions_about_symptoms_are_not_emergencies(message):
    assert KB.emergency.match(message) is None


@pytest.mark.parametrize("message,sign,language", MUST_ESCALATE_IN_OTHER_LANGUAGES)
def test_emergencies_in_other_languages_are_caught_in_their_language(message, sign, language):
    found = KB.emergency.detect(message)
    assert (found.sign, found.language) == (sign, language)


@pytest.mark.parametrize("message", MUST_NOT_ESCALATE_IN_OTHER_LANGUAGES)
def test_ordinary_questions_in_other_languages_are_not_emergencies(message):
    assert KB.emergency.detect(message) is None


def test_the_interpreter_offers_in_every_language_are_not_emergencies():
    assert [reply.code for reply in load_languages().values() if KB.emergency.detect(reply.reply)] == []


def test_every_required_language_has_every_core_sign_and_a_reply_that_opens_with_911():
    languages = {language.code: language for language in KB.emergency.languages}
    assert set(LANGUAGES_REQUIRED) <= set(languages)
    assert set(languages) <= set(load_languages())  # the codes of knowledge/languages.yml
    for code in LANGUAGES_REQUIRED:
        assert {sign for sign, _ in languages[code].patterns} >= CORE_SIGNS, code
        assert "911" in languages[code].reply[:40], code


def test_an_emergency_in_another_language_gets_that_reply_first_then_the_english_one():
    message = emergency_message(KB, "seizure", "ru")
    russian = KB.emergency.language("ru")
    assert message["text"].startswith(russian.reply + "\n\n" + KB.emergency.reply)
    assert message["json_message"] == {"type": "emergency", "sign": "seizure", "language": "ru",
                                       "reviewed": russian.reviewed}
    assert emergency_message(KB, "seizure", "xx")["text"] == emergency_message(KB, "seizure")["text"]


def test_every_example_is_caught_by_its_own_sign():
    wrong = [(sign.id, example, KB.emergency.match(example))
             for sign in KB.emergency.signs for example in sign.examples
             if KB.emergency.match(example) != sign.id]
    assert wrong == []


def test_no_topic_example_looks_like_an_emergency():
    hits = [(topic.id, example) for topic in KB.topics.values() for example in topic.examples
            if KB.emergency.match(example)]
    assert hits == []


def test_the_required_signs_are_all_there():
    assert {sign.id for sign in KB.emergency.signs} >= {
        "not_breathing", "turning_blue", "unresponsive", "seizure", "fever_during_chemo",
        "heavy_bleeding", "sudden_weakness_or_paralysis", "suicidal_thoughts"}


def write_emergencies(tmp_path, text):
    """A knowledge directory with one good topic and `text` as its emergencies.yml."""
    from tests.test_knowledge_loader import GOOD_TOPIC, write_topics

    write_topics(tmp_path, "topics_a.yml", GOOD_TOPIC.format(id="first", related="", last="first"))
    (tmp_path / "emergencies.yml").write_text(text, encoding="utf-8")


@pytest.mark.parametrize("language, problem", [
    ("{code: es, reply: Llame al 911 ahora., signs: {seizure: [convuls]}}", "needs 'reviewed: true' or"),
    ("{code: es, reviewed: false, reply: Llame ahora. Marque 911., signs: {seizure: [convuls]}}",
     "the reply must say to call 911 in its first sentence"),
    ("{code: es, reviewed: false, reply: Llame al 911., signs: {no_such_sign: [x]}}", "sign 'no_such_sign' is not one"),
])
def test_a_broken_language_block_names_the_file_and_the_language(tmp_path, language, problem):
    write_emergencies(
        tmp_path,
        "emergency:\n  reply: Call 911.\n  signs:\n    - {id: seizure, patterns: [seizure], examples: []}\n"
        f"  languages:\n    - {language}\n")
    with pytest.raises(KnowledgeError, match=rf"emergencies.yml: language 'es': {problem}"):
        load(tmp_path)


def test_a_broken_pattern_names_the_file_and_the_sign(tmp_path):
    write_emergencies(
        tmp_path,
        "emergency:\n  reply: Call 911.\n  signs:\n    - {id: bad, patterns: ['(unclosed'], examples: []}\n")
    with pytest.raises(KnowledgeError, match=r"emergencies.yml: sign 'bad': pattern '\(unclosed' is not a valid"):
        load(tmp_path)


@pytest.mark.parametrize("patterns, problem", [
    ("[{guard: nope, match: seizure}]", "guard 'nope' is not one of the file's guards \\(past\\)"),
    ("[{guard: past, match: '(?=.*seizure)'}]", "starts with a lookahead: use 'at_start'"),
    ("[{guard: past, wordings: seizure}]", "needs 'guard' and one of 'match' or 'at_start'"),
    ("[{guard: past, match: '(unclosed'}]", "is not a valid regular expression"),
])
def test_a_broken_named_guard_pattern_names_the_file_and_the_sign(tmp_path, patterns, problem):
    write_emergencies(
        tmp_path,
        "emergency:\n  reply: Call 911.\n  guards:\n    past: '.*last year'\n"
        f"  signs:\n    - {{id: seizure, patterns: {patterns}, examples: []}}\n")
    with pytest.raises(KnowledgeError, match=rf"emergencies.yml: sign 'seizure': .*{problem}"):
        load(tmp_path)


def test_a_named_guard_keeps_its_pattern_from_matching_what_it_guards(tmp_path):
    write_emergencies(
        tmp_path,
        "emergency:\n  reply: Call 911.\n  guards:\n    past: '.*last year'\n  signs:\n"
        "    - {id: seizure, patterns: [{guard: past, match: '\\bseizure'}], examples: []}\n"
        "    - {id: fever_during_chemo, patterns: [{guard: past, at_start: '(?=.*fever)(?=.*chemo)'}], examples: []}\n")
    emergency = load(tmp_path).emergency
    assert emergency.match("he is having a seizure") == "seizure"
    assert emergency.match("he had a seizure last year") is None
    assert emergency.match("chemo yesterday and a fever now") == "fever_during_chemo"
    assert emergency.match("chemo and a fever last year") is None


def test_escalation_action_says_call_911_first():
    dispatcher = CollectingDispatcher()
    tracker = Tracker.from_dict(load_tracker_json("emergency"))
    events = EscalateEmergency().run(dispatcher, tracker, domain={})
    assert events == []
    assert len(dispatcher.messages) == 1
    assert dispatcher.messages[0]["text"] == KB.emergency.reply
    assert dispatcher.messages[0]["text"].startswith("This may be an emergency. Call 911 now")
    assert dispatcher.messages[0]["custom"] == {"type": "emergency", "sign": "not_breathing"}


def test_escalation_action_answers_an_emergency_in_chinese_in_chinese_first():
    data = load_tracker_json("emergency")
    data["latest_message"] = {**data["latest_message"], "text": "我儿子一直抽搐", "emergency_sign": "seizure"}
    dispatcher = CollectingDispatcher()
    EscalateEmergency().run(dispatcher, Tracker.from_dict(data), domain={})
    assert dispatcher.messages[0]["text"].startswith(KB.emergency.language("zh-Hans").reply)
    assert dispatcher.messages[0]["custom"]["language"] == "zh-Hans"


@pytest.mark.parametrize("text", [
    "he can barely breathe", "he threw up blood", "there is blood in her vomit",
    "he's not moving and won't respond to me", "he's lethargic and so hard to wake",
    "у сына высокая температура после химии",
])
def test_more_ways_of_saying_an_emergency_are_caught(text):
    assert KB.emergency.detect(text) is not None, text


@pytest.mark.parametrize("text", [
    "the tumor is not responding to treatment", "is it normal that he is not responding to chemo",
    "the mass is not moving", "is there blood in the urine test",
])
def test_words_of_an_emergency_in_a_question_about_treatment_are_not_one(text):
    assert KB.emergency.detect(text) is None, text


def test_a_spanish_emergency_an_english_pattern_also_sees_gets_the_spanish_reply():
    found = KB.emergency.detect("mi hija está convulsionando ahora mismo")
    assert (found.sign, found.language) == ("seizure", "es")
    assert KB.emergency.detect("he is having convulsions").language == "en"


@pytest.mark.parametrize("text,sign", [
    ("my son is screaming in pain", "severe_pain"),
    ("he says its the worst headache of his life", "severe_pain"),
    ("sudden terrible pain in his belly", "severe_pain"),
    ("she's turning purple", "turning_blue"),
    ("he is having trouble breathing right now", "not_breathing"),
    ("her legs gave out and she cant stand up", "sudden_weakness_or_paralysis"),
    ("i cant go on anymore i want to end it all", "suicidal_thoughts"),
    ("my toddler swallowed some of his brother's pills", "poisoning_or_overdose"),
])
def test_new_english_wordings_are_caught(text, sign):
    assert KB.emergency.match(text) == sign, text


@pytest.mark.parametrize("text,language", [
    ("mi hijo esta gritando de dolor", "es"), ("孩子疼得一直哭叫", "zh-Hans"), ("個仔肚痛到喊唔停", "zh-Hant"),
    ("個仔叫極都唔醒", "zh-Hant"), ("сын кричит от боли", "ru"), ("con dau dau du doi", "vi"),
    ("sumisigaw siya sa sakit", "tl"), ("아이가 너무 아파서 비명을 질러요", "ko"), ("ابني يصرخ من الألم", "ar"),
])
def test_sudden_severe_pain_is_caught_in_every_language(text, language):
    found = KB.emergency.detect(text)
    assert found is not None and found.language == language, text


@pytest.mark.parametrize("text", [
    "what do i do if he gets a fever during chemo?", "is a seizure a side effect of MIBG therapy?",
    "he had a seizure last year but he's fine now", "can a tumor in the chest make it hard to breathe",
    "does dinutuximab cause severe pain", "¿qué hago si le da fiebre durante la quimio?", "神经母细胞瘤会引起呼吸困难吗？",
    "化療會唔會令佢發燒？", "бывают ли судороги после MIBG терапии?", "neu be bi sot trong luc hoa tri thi lam sao?",
    "nagdudulot ba ng hirap huminga ang neuroblastoma?", "항암 중에 열이 나면 어떻게 해야 하나요?",
    "هل يسبب الورم الأرومي العصبي ضيق في التنفس؟",
])
def test_questions_about_a_symptom_in_any_language_are_not_emergencies(text):
    assert KB.emergency.detect(text) is None, text


def test_no_pattern_is_slow_on_a_long_message():
    import time
    patterns = [p for s in KB.emergency.signs for p in s.patterns] + \
               [p for language in KB.emergency.languages for _, ps in language.patterns for p in ps]
    for probe in ("a " * 500, "没" * 1000, "피" * 1000, "pain " * 200, "입술" * 500):
        for pattern in patterns:
            start = time.perf_counter()
            pattern.search(probe[:1000])
            assert time.perf_counter() - start < 0.05, pattern.pattern[:60]


def test_the_patterns_catch_parents_emergencies_and_leave_their_questions_alone():
    """The calibration pool tests/emergencies_dev.yml, through the patterns alone (what the channel
    still has when the action server is down). On 2026-12-07: 484 of 484 caught, 5 of 201 look-alikes
    taken for emergencies. The first 303 were 142 caught of 214 and 8 false alarms of 89 before that
    day's wordings; each later pool was measured on first contact (tests/emergencies_dev.yml)."""
    items = yaml.safe_load((Path(__file__).parent / "emergencies_dev.yml").read_text(encoding="utf-8"))
    caught = [KB.emergency.detect(item["text"]) is not None for item in items]
    emergencies = [(item, hit) for item, hit in zip(items, caught) if item["expect"] == "emergency"]
    missed = [item["text"] for item, hit in emergencies if not hit]
    alarms = [item["text"] for item, hit in zip(items, caught) if item["expect"] != "emergency" and hit]
    assert len(missed) <= 0.03 * len(emergencies), missed
    assert len(alarms) <= 0.10 * (len(items) - len(emergencies)), alarms
    for language in {item["language"] for item, _ in emergencies}:
        hits = [hit for item, hit in emergencies if item["language"] == language]
        assert sum(hits) >= 0.9 * len(hits), language


def test_a_guarded_pattern_matches_exactly_what_its_whole_regular_expression_matches():
    """The loader looks for a guarded pattern's wordings first and tries its guards only then
    (knowledge/loader.py, GuardedPattern): on every text of the emergency pool, the dev set and the
    signs' examples, each pattern must match exactly when its whole regular expression does."""
    import re

    from knowledge.loader import GuardedPattern

    here = Path(__file__).parent
    texts = [item["text"] for item in yaml.safe_load((here / "emergencies_dev.yml").read_text(encoding="utf-8"))]
    texts += [item["text"] for item in yaml.safe_load((here / "dev_set.yml").read_text(encoding="utf-8"))]
    texts += [example for sign in KB.emergency.signs for example in sign.examples]
    patterns = [p for s in KB.emergency.signs for p in s.patterns] + \
               [p for language in KB.emergency.languages for _, ps in language.patterns for p in ps]
    guarded = [p for p in patterns if isinstance(p, GuardedPattern)]
    assert len(guarded) >= 40  # the guarded signs of every language
    matched = 0
    for pattern in guarded:
        whole = re.compile(pattern.pattern, re.IGNORECASE | re.DOTALL)
        for text in texts:
            text = " ".join(text.split())
            expected = whole.search(text) is not None
            matched += expected
            assert (pattern.search(text) is not None) == expected, (pattern.pattern[:60], text)
    assert matched >= 100  # the comparison saw the patterns match, not only miss


@pytest.mark.parametrize("pattern, text, expected", [
    (r"^(?!.*\b(last year)\b).*?\bseizure", "he is having a seizure", True),
    (r"^(?!.*\b(last year)\b).*?\bseizure", "he had a seizure last year", False),
    (r"^(?!\s*[(]why\))(?!.*\)x).*\bpain", "(why) pain", False),
    (r"^(?!\s*[(]why\))(?!.*\)x).*\bpain", "so much pain", True),
    (r"^(?!\s*[(]why\))(?!.*\)x).*\bpain", "pain )x", False),
    (r"^(?!what)(?=.*fever)(?=.*chemo)", "chemo and a fever", True),
    (r"^(?!what)(?=.*fever)(?=.*chemo)", "what if a fever in chemo", False),
    (r"^(?!what)help", "please help", False),
    (r"^(?!what)help", "help now", True),
])
def test_a_guard_is_split_off_correctly_with_classes_escapes_and_lookaheads_after_it(pattern, text, expected):
    from knowledge.loader import GuardedPattern, _compile

    compiled = _compile(pattern)
    assert isinstance(compiled, GuardedPattern)
    assert (compiled.search(text) is not None) == expected
