"""Which language a parent's message is written in, when it is not English, and the fixed replies
for it (knowledge/languages.yml).

`detect` answers only when it is sure, because a wrong guess sends an English-speaking parent a
reply they cannot read. Parents write to this bot in short, misspelled English full of medical
words, and a statistical detector alone gets that wrong: lingua reads "what is mibg" as Xhosa and
"hola" as Sotho. So the evidence comes in this order:

1. A non-Latin script decides by itself when most letters are in it (Han, kana, Hangul, Cyrillic,
   Arabic, Devanagari, Gurmukhi): no English is written that way.
2. Latin script is English when at least as many words are common English or this bot's own
   words (mibg, iort, chemo...) as are function words of another supported language.
3. Otherwise the message counts as Spanish, Portuguese, French, Vietnamese or Tagalog only when
   its own words say so: two or more of that language's function words, or one unmistakable
   greeting, or its letters (¿ ¡ ñ, Vietnamese diacritics). When two languages share the words
   ("que", "para"), lingua, restricted to those languages and English, chooses between them.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional

import yaml

from knowledge.loader import KNOWLEDGE_DIR, KnowledgeError

LANGUAGES_FILE = KNOWLEDGE_DIR / "languages.yml"
FIELDS = ("code", "name", "native_name", "interpreter_language", "reply", "button_request", "button_english")


@dataclass(frozen=True)
class LanguageReply:
    code: str
    name: str
    native_name: str
    interpreter_language: str
    reply: str
    button_request: str
    button_english: str
    reviewed: bool


def load_languages(path: Optional[Path] = None) -> Dict[str, LanguageReply]:
    """The replies by language code. Raises KnowledgeError for a missing or empty field."""
    path = Path(path or LANGUAGES_FILE)
    return _load(path, path.stat().st_mtime)


@lru_cache(maxsize=4)
def _load(path: Path, mtime: float) -> Dict[str, LanguageReply]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = data.get("languages")
    if not isinstance(entries, list) or not entries:
        raise KnowledgeError(f"{path.name}: expected a non-empty 'languages' list")
    replies: Dict[str, LanguageReply] = {}
    for index, raw in enumerate(entries):
        if not isinstance(raw, dict):
            raise KnowledgeError(f"{path.name}: language #{index + 1} must be a mapping")
        for name in FIELDS:
            if not isinstance(raw.get(name), str) or not raw[name].strip():
                raise KnowledgeError(f"{path.name}: language #{index + 1} ({raw.get('code')}): "
                                     f"'{name}' is missing or empty")
        if not isinstance(raw.get("reviewed"), bool):
            raise KnowledgeError(f"{path.name}: language {raw['code']}: 'reviewed' must be true or false")
        if "911" not in raw["reply"]:
            raise KnowledgeError(f"{path.name}: language {raw['code']}: the reply must give the emergency number 911")
        if raw["code"] in replies:
            raise KnowledgeError(f"{path.name}: language {raw['code']} is listed twice")
        replies[raw["code"]] = LanguageReply(**{name: " ".join(raw[name].split()) for name in FIELDS},
                                             reviewed=raw["reviewed"])
    return replies


# --- 1. scripts -------------------------------------------------------------------------------
_SCRIPTS = (  # (first, last code point, script)
    (0x3040, 0x30FF, "kana"), (0x31F0, 0x31FF, "kana"),
    (0x4E00, 0x9FFF, "han"), (0x3400, 0x4DBF, "han"), (0xF900, 0xFAFF, "han"),
    (0xAC00, 0xD7AF, "hangul"), (0x1100, 0x11FF, "hangul"), (0x3130, 0x318F, "hangul"),
    (0x0400, 0x04FF, "cyrillic"),
    (0x0600, 0x06FF, "arabic"), (0x0750, 0x077F, "arabic"), (0xFB50, 0xFDFF, "arabic"), (0xFE70, 0xFEFF, "arabic"),
    (0x0900, 0x097F, "devanagari"),
    (0x0A00, 0x0A7F, "gurmukhi"),
)
# Letters Persian uses and Arabic does not (پ چ ژ گ, and Persian yeh and kaf).
_PERSIAN = set("پچژگیک")
# Common characters written differently in the two Chinese scripts.
_SIMPLIFIED = set("们这说为时会来对过还发么样东书长门问间儿医疗药们请谢么个话语译员护检查术后现应该给让没吗钱")
_TRADITIONAL = set("們這說為時會來對過還發麼樣東書長門問間兒醫療藥請謝個話語譯員護檢查術後現應該給讓沒嗎錢")


def _script(char: str) -> Optional[str]:
    point = ord(char)
    for first, last, script in _SCRIPTS:
        if first <= point <= last:
            return script
    return None


def script_language(text: str) -> Optional[str]:
    """The language a message's non-Latin script decides by itself (step 1), or None. Cheap: no
    statistical model is loaded."""
    return _by_script(" ".join((text or "").split())[:1000])


def _by_script(text: str) -> Optional[str]:
    letters = [char for char in text if char.isalpha()]
    if not letters:
        return None
    counts: Dict[str, int] = {}
    for char in letters:
        script = _script(char)
        if script:
            counts[script] = counts.get(script, 0) + 1
    if not counts or sum(counts.values()) * 2 < len(letters):
        return None  # mostly Latin letters ("my son's name is 小明"): decided as Latin text
    if "kana" in counts:
        return "ja"  # Japanese mixes kana with Han characters; Chinese has no kana
    script = max(counts, key=counts.get)
    if script == "han":
        simplified = sum(char in _SIMPLIFIED for char in text)
        traditional = sum(char in _TRADITIONAL for char in text)
        return "zh-Hant" if traditional > simplified else "zh-Hans"
    if script == "arabic":
        return "fa" if any(char in _PERSIAN for char in text) else "ar"
    return {"hangul": "ko", "cyrillic": "ru", "devanagari": "hi", "gurmukhi": "pa"}[script]


# --- 2. and 3. Latin script -------------------------------------------------------------------
def _strip_accents(word: str) -> str:
    return "".join(char for char in unicodedata.normalize("NFD", word) if unicodedata.category(char) != "Mn")


_ENGLISH = set("""
a about after again all also am an and any are as at be because been before being but by can cant
could did do does dont doing down during each few for from had has have having he her here hers him
his how i if in into is it its itself just me more most my no nor not now of off on once only or
other our out over own same she should so some such than that thats the their them then there these
they this those through to too under until up very was we were what whats when where which while
who whom why will with would you your yours u r ur pls plz please thanks thank thx ty hi hello hey
ok okay yes yeah yep nope bye goodbye sorry help need want know tell get got go going come give make
take see say think feel look find call talk speak ask mean like one two three much many long time
day days week weeks month months year years old new good bad next last first still again ever never
always sometimes maybe really right wrong sure well back after before soon today tonight tomorrow
child children kid kids son daughter baby babies boy girl husband wife mom dad mother father parent
parents family sister brother doctor doctors nurse nurses team care hospital clinic center centre
cancer tumor tumour tumors disease sick pain fever blood test tests scan scans result results stage
stages treatment treatments therapy side effects effect surgery radiation chemo chemotherapy
transplant marrow bone biopsy urine symptoms symptom sign signs risk high low outlook survival cure
cured relapse relapsed trial trials study studies research medicine drug drugs dose diet food eat
english spanish interpreter interpreters translator translate language languages person human robot
bot real someone somebody anyone anything something nothing everything more less other another
neuroblastoma neuroblastomas nueroblastoma nuroblastoma neuroblastma mibg iort mycn ct mri pet
xray ultrasound bmt onc oncology oncologist infusion survivorship program programs service services
resectable unresectable localized regional disseminated metastatic recurrent refractory 4s
sintoms symtoms simptoms efects wat wut r u ur cuz bc thru tho gonna wanna
""".split())

# Function words of each supported Latin-script language that are not English words.
_FUNCTION_WORDS = {
    "es": set("""el la los las del al que y en un una unos unas es son está están estoy mi mis tu su sus
        por para con sin pero porque cómo como qué cuál cuándo dónde quién hay tiene tienen tengo necesito
        puedo puede quiero hijo hija niño niña bebé ayuda usted ustedes hola gracias buenos buenas días
        señor señora muy más también ya ella él nosotros ellos este esta eso esto aquí médico doctor
        hospital cáncer tratamiento intérprete intérpretes interprete interpretes español habla hablo
        hablar sí favor dolor fiebre mi le lo se de nuestro nuestra qué miedo cuánto cuándo dura sirve
        tenga tengo estar esta están puede pueden donde dónde cuando porqué señal tratamientos
        quimioterapia quimio cirugía radiación médicos enfermera""".split()) - _ENGLISH,
    "pt": set("""o os as do da dos das um uma uns umas é são está estão estou meu minha meus minhas seu
        sua por para com sem mas porque como que qual quando onde quem tem têm tenho preciso posso pode
        quero filho filha criança bebê ajuda você vocês olá obrigado obrigada bom dia boa tarde muito mais
        também já ela ele nós eles este esta isso isto aqui médico hospital câncer tratamento intérprete
        intérpretes português fala falar sim não""".split()) - _ENGLISH,
    "fr": set("""le la les des du un une est sont suis mon ma mes ton ta son sa ses notre nos votre vos par
        pour avec sans mais parce comment quoi quel quelle quand où qui il y a avez avons ai besoin peux
        peut veux fils fille enfant bébé aide vous nous bonjour merci beaucoup très plus aussi déjà elle
        ils ce cette cela ici médecin hôpital cancer traitement interprète interprètes français parle
        parler oui non je""".split()) - _ENGLISH,
    "tl": set("""ang ng mga sa si ni ay ko mo niya namin natin nila ako ikaw siya kami tayo sila ito iyan
        iyon ano paano bakit kailan saan sino may mayroon wala kailangan gusto anak ko tulong salamat po
        opo hindi oo at pero kasi para doktor ospital kanser gamot interpreter tagalog kumusta magandang
        umaga araw lang din rin na ba""".split()) - _ENGLISH,
    "vi": set("""toi tôi con cua của la là co có khong không gi gì nao nào benh bệnh vien viện bac bác si sĩ
        giup giúp do đỡ cam cảm on ơn xin chao chào thong thông dich dịch vien viên tieng tiếng viet việt
        nguoi người cho duoc được can cần muon muốn""".split()) - _ENGLISH,
}
_FUNCTION_WORDS = {code: words | {_strip_accents(word) for word in words} - _ENGLISH
                   for code, words in _FUNCTION_WORDS.items()}
# One word is enough only for these: they are not English and not likely in an English message.
_GREETINGS = {
    "hola": "es", "gracias": "es", "buenos": "es", "buenas": "es", "ayuda": "es", "necesito": "es",
    "olá": "pt", "obrigado": "pt", "obrigada": "pt",
    "bonjour": "fr", "merci": "fr",
    "kumusta": "tl", "salamat": "tl",
}
_SPANISH_LETTERS = re.compile(r"[¿¡ñ]")
_VIETNAMESE_LETTERS = re.compile(r"[ơưđạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_LINGUA_CODES = {"SPANISH": "es", "PORTUGUESE": "pt", "FRENCH": "fr", "TAGALOG": "tl", "VIETNAMESE": "vi",
                 "ENGLISH": "en"}


@lru_cache(maxsize=1)
def _lingua():
    """lingua restricted to English and the Latin-script languages with replies: built once, it
    takes a second or two."""
    from lingua import Language, LanguageDetectorBuilder

    languages = [getattr(Language, name) for name in _LINGUA_CODES]
    return LanguageDetectorBuilder.from_languages(*languages).with_preloaded_language_models().build()


def _lingua_says(text: str) -> Dict[str, float]:
    return {_LINGUA_CODES[value.language.name]: value.value
            for value in _lingua().compute_language_confidence_values(text)}


def _by_words(text: str) -> Optional[str]:
    lowered = text.lower()
    words = _WORD.findall(lowered)
    if not words:
        return None
    english = sum(word in _ENGLISH or _strip_accents(word) in _ENGLISH for word in words)
    evidence = {code: sum(word in vocabulary or _strip_accents(word) in vocabulary for word in words)
                for code, vocabulary in _FUNCTION_WORDS.items()}
    if _SPANISH_LETTERS.search(lowered):
        evidence["es"] += 2
    if _VIETNAMESE_LETTERS.search(lowered):
        evidence["vi"] += 2
    if len(words) <= 2:
        greeting = next((_GREETINGS[word] for word in words if word in _GREETINGS), None)
        if greeting and english == 0:
            evidence[greeting] += 2
    best = max(evidence.values())
    if best < 2 or best <= english:
        return None  # English, or too little to go on
    candidates = [code for code, count in evidence.items() if count == best]
    if len(candidates) == 1:
        return candidates[0]
    # Two languages share the words ("que", "para"): lingua, which weighs every letter, chooses.
    confidences = _lingua_says(text)
    return max(candidates, key=lambda code: confidences.get(code, 0.0))


def detect(text: str) -> Optional[str]:
    """The code of the message's language (a key of knowledge/languages.yml), or None for English,
    for a message too short or mixed to be sure, and for an empty one."""
    text = " ".join((text or "").split())[:1000]
    if not text:
        return None
    return _by_script(text) or _by_words(text)
