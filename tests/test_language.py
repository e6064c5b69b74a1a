"""Which language a message is in (knowledge/language.py), and the fixed replies for it
(knowledge/languages.yml). Real detection with the real lingua models, no mocks."""
from __future__ import annotations

import re

import pytest

from knowledge.language import detect, load_languages
from knowledge.loader import KnowledgeError, load

# How parents write to an English bot: none of these may be taken for another language.
ENGLISH = [
    "what is mibg", "iort?", "hi", "ok", "thx", "bye", "help", "yes", "no", "stage 4s", "mycn amplified?",
    "nuroblastoma sintoms", "wat r the side efects of chemo", "is there an infusion center in walnut creek",
    "my son has neuroblastoma", "can i talk to a person", "is it cancer", "what about the other scan?",
    "and for babies?", "tell me more", "thank you so much", "Spanish interpreter please",
    "do you have a mandarin interpreter", "San Francisco", "Oakland", "415 555 0100", "😢🙏", "", "   ",
    "hola, what is iort?", "what is a la carte", "mi son is sick", "el paso clinic", "de novo", "que",
    "como", "no se", "sí", "la jolla children's hospital", "san jose",
    "i need a translator for my mom, she speaks spanish", "what does resectable mean",
    "my daughter is 3 and has stage 4 nb, what is the survival rate", "r there any trials 4 relapsed nb",
    "is the bmt clinic in oakland", "wht is a bone marow biopsy", "my baby has a lump in her belly",
    "he has fever during chemo what do i do", "what is immunohistochemistry", "can you explain the ct scan",
    "we are so scared, please tell me what happens next", "is there a chaplain?", "we're far from home",
    "is there help for his sister", "what is naxitamab", "dfmo and etoposide trial", "what are catecholamines",
    "how is iort given", "ok thanks bye", "Cantonese", "Russian", "American Sign Language",
]

OTHER = [
    ("¿Tienen intérpretes?", "es"), ("hola", "es"), ("gracias", "es"), ("necesito un intérprete", "es"),
    ("mi hijo tiene neuroblastoma, ¿qué es?", "es"), ("mi hija tiene fiebre", "es"),
    ("que es la quimioterapia", "es"), ("el doctor dice que mi hijo tiene cancer", "es"),
    ("cuanto dura el tratamiento", "es"), ("tengo miedo", "es"), ("es normal que tenga fiebre", "es"),
    ("你们有翻译吗", "zh-Hans"), ("我的孩子", "zh-Hans"), ("谢谢", "zh-Hans"), ("我儿子得了神经母细胞瘤，怎么办？", "zh-Hans"),
    ("你們有翻譯嗎", "zh-Hant"), ("我的兒子需要醫生", "zh-Hant"), ("謝謝", "zh-Hant"),
    ("Здравствуйте, нужен переводчик", "ru"), ("спасибо", "ru"), ("У моего сына нейробластома", "ru"),
    ("Xin chào, tôi cần thông dịch viên", "vi"), ("cảm ơn", "vi"), ("Con tôi bị bệnh", "vi"),
    ("Kailangan ko ng interpreter para sa anak ko", "tl"), ("salamat po", "tl"), ("ang anak ko ay may sakit", "tl"),
    ("مرحبا، هل لديكم مترجم؟", "ar"), ("ابني مريض", "ar"), ("شكرا", "ar"),
    ("안녕하세요 통역사가 필요해요", "ko"), ("감사합니다", "ko"),
    ("Olá, meu filho tem neuroblastoma", "pt"), ("obrigado", "pt"), ("o que é neuroblastoma", "pt"),
    ("Bonjour, mon fils a un neuroblastome", "fr"), ("bonjour", "fr"), ("Qu'est-ce que le neuroblastome ?", "fr"),
    ("こんにちは、通訳が必要です", "ja"), ("ありがとう", "ja"),
    ("سلام، من به مترجم نیاز دارم", "fa"), ("پسرم بیمار است", "fa"),
    ("ਮੈਨੂੰ ਦੁਭਾਸ਼ੀਏ ਦੀ ਲੋੜ ਹੈ", "pa"), ("ਧੰਨਵਾਦ", "pa"),
    ("मुझे दुभाषिए की ज़रूरत है", "hi"), ("धन्यवाद", "hi"), ("मेरे बेटे को कैंसर है", "hi"),
    ("como esta mi hijo", "es"), ("mi hijo", "es"),
]


@pytest.mark.parametrize("text", ENGLISH)
def test_english_is_never_taken_for_another_language(text):
    assert detect(text) is None


@pytest.mark.parametrize("text, code", OTHER)
def test_other_languages_are_recognised(text, code):
    assert detect(text) == code


def test_every_detected_language_has_a_reply():
    assert {code for _, code in OTHER} <= set(load_languages())


def test_every_reply_is_complete_and_gives_the_emergency_number():
    replies = load_languages()
    assert len(replies) == 14
    kb = load()
    page_languages = {term.value for term in kb.terms_with_label("LANGUAGE")}
    for reply in replies.values():
        # The emergency number comes right after the greeting: the message the bot cannot read may
        # be an emergency its patterns do not know.
        sentences = [part for part in re.split(r"(?<=[.。？?!！।؟])\s*", reply.reply) if part.strip()]
        assert "911" in sentences[1], (reply.code, sentences)
        assert reply.button_request and reply.button_english and reply.native_name
    assert {replies[code].interpreter_language for code in ("es", "ru", "zh-Hans", "zh-Hant")} <= page_languages


@pytest.mark.parametrize("broken, problem", [
    ("languages: []\n", "non-empty 'languages' list"),
    ("languages:\n  - {code: es, name: Spanish}\n", "'native_name' is missing"),
    ("languages:\n  - {code: es, name: S, native_name: E, interpreter_language: Spanish, reply: Hola,"
     " button_request: P, button_english: S, reviewed: false}\n", "emergency number 911"),
    ("languages:\n  - {code: es, name: S, native_name: E, interpreter_language: Spanish, reply: 'Hola 911',"
     " button_request: P, button_english: S, reviewed: maybe}\n", "'reviewed' must be true or false"),
])
def test_a_broken_languages_file_is_refused(tmp_path, broken, problem):
    path = tmp_path / "languages.yml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(KnowledgeError, match=problem):
        load_languages(path)
