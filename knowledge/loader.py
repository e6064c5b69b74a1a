"""Load and validate the knowledge base.

Pure Python plus PyYAML: imported by the Rasa side (Python 3.10) and the action server
(Python 3.11), so it must not depend on anything else.
"""
from __future__ import annotations

import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

logger = logging.getLogger(__name__)

KNOWLEDGE_DIR = Path(__file__).resolve().parent
SOURCE_PAGE = KNOWLEDGE_DIR / "source_page.txt"
CONTACTS_FILE = KNOWLEDGE_DIR / "contacts.yml"

TOPIC_KINDS = ("info", "program", "service", "trial")
TERM_LABELS = ("LANGUAGE", "CITY", "PROGRAM", "TREATMENT", "TEST")
CONTACT_FIELDS = ("phone", "url", "hours")
MIN_EXAMPLES = 8
AGE_GROUPS = ("under_1", "over_1")  # the page's "younger than 1" and "older than 1"
_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


class KnowledgeError(ValueError):
    """Bad knowledge data. The message names the file and the entry."""


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    kind: str
    section: str
    answer: str
    source: Tuple[str, ...]
    related: Tuple[str, ...]
    examples: Tuple[str, ...]
    file: str
    cities: Tuple[str, ...] = ()
    # For a program: the TREATMENT terms the page says it gives (its source quotes say so).
    treatments: Tuple[str, ...] = ()
    situation: Optional[str] = None
    # For a topic the page splits by the child's age: the age group it is about (AGE_GROUPS).
    age: Optional[str] = None


@dataclass(frozen=True)
class Term:
    label: str
    value: str
    synonyms: Tuple[str, ...]
    topic: Optional[str]
    file: str


@dataclass(frozen=True)
class Reply:
    key: str
    text: str
    source: Tuple[str, ...]


@dataclass(frozen=True)
class Contact:
    phone: str = ""
    url: str = ""
    hours: str = ""

    def lines(self) -> List[str]:
        """Only the fields a deployment filled in; empty ones are left out of replies."""
        labels = {"phone": "Phone", "url": "Website", "hours": "Hours"}
        return [f"{labels[name]}: {getattr(self, name)}" for name in CONTACT_FIELDS if getattr(self, name)]


_FLAGS = re.IGNORECASE | re.DOTALL


@dataclass(frozen=True)
class GuardedPattern:
    """A pattern that opens with guards, "^(?!A)(?!B)...": a message is not matched when A or B
    matches at its start. The same as the whole regular expression, but the wordings after the
    guards are looked for first and the guards are tried only on a message that has one: guards
    scan the whole message ("(?!.*last year)"), and sixty-odd of them on every message made a long
    one cost 60 ms."""
    pattern: str
    guard: "re.Pattern[str]"
    body: "re.Pattern[str]"
    anchored: bool  # the wordings follow the guards at the start of the message

    def search(self, text: str) -> Optional["re.Match[str]"]:
        found = self.body.match(text) if self.anchored else self.body.search(text)
        return found if found is not None and self.guard.match(text) is None else None


def _group_end(text: str, start: int) -> int:
    """The index just after the group that opens at text[start] ("("), or -1."""
    depth, index, in_class = 0, start, False
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if text[index + 1:index + 2] == "^":
                index += 1
            if text[index + 1:index + 2] == "]":
                index += 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return -1


def _compile(text: str) -> "re.Pattern[str] | GuardedPattern":
    compiled = re.compile(text, _FLAGS)
    guards, index = [], 1
    while text.startswith("^", 0) and text.startswith("(?!", index):
        end = _group_end(text, index)
        if end < 0:
            return compiled
        guards.append(text[index + 3:end - 1])
        index = end
    if not guards:
        return compiled
    body = text[index:]
    anchored = not (body.startswith(".*?") or body.startswith(".*"))
    if not anchored:
        body = body[3:] if body.startswith(".*?") else body[2:]
    return GuardedPattern(text, re.compile("|".join(f"(?:{guard})" for guard in guards), _FLAGS),
                          re.compile(body, _FLAGS), anchored)


@dataclass(frozen=True)
class EmergencySign:
    id: str
    patterns: Tuple["re.Pattern[str] | GuardedPattern", ...]
    examples: Tuple[str, ...]


@dataclass(frozen=True)
class EmergencyLanguage:
    """The emergency reply and the signs' patterns in one language other than English."""
    code: str  # as in knowledge/languages.yml
    reply: str
    reviewed: bool
    patterns: Tuple[Tuple[str, Tuple["re.Pattern[str] | GuardedPattern", ...]], ...]  # (sign id, its patterns)


@dataclass(frozen=True)
class EmergencyMatch:
    sign: str
    language: str  # "en", or the code of the language whose patterns matched


@dataclass(frozen=True)
class Emergency:
    reply: str
    signs: Tuple[EmergencySign, ...]
    languages: Tuple[EmergencyLanguage, ...] = ()

    def detect(self, text: str) -> Optional[EmergencyMatch]:
        """The first emergency sign the message shows and the language of the pattern that saw it,
        or None. Every language's patterns are tried, whatever language the message seems to be
        in: a short message is easily taken for another language, and a missed emergency costs
        more than a reply in two languages."""
        text = " ".join(text.replace("\u2019", "'").split())
        found = None
        for sign in self.signs:
            if any(pattern.search(text) for pattern in sign.patterns):
                found = EmergencyMatch(sign.id, "en")
                break
        if found is not None:
            # "mi hija está convulsionando": an English pattern ("convuls") sees a Spanish message.
            # When the message is in a language of its own with a pattern that sees it too, the
            # reply is in that language (then in English, as always).
            from knowledge.language import detect as detect_language

            own = self.language(detect_language(text) or "en")
            if own is not None and any(pattern.search(text) for _, patterns in own.patterns for pattern in patterns):
                found = EmergencyMatch(next(sign_id for sign_id, patterns in own.patterns
                                            if any(pattern.search(text) for pattern in patterns)), own.code)
        for language in self.languages if found is None else ():
            for sign_id, patterns in language.patterns:
                if any(pattern.search(text) for pattern in patterns):
                    found = EmergencyMatch(sign_id, language.code)
                    break
            if found:
                break
        if found is None:
            return None
        # Simplified and Traditional Chinese share most characters, so a pattern of one may see
        # the other: the script decides the reply's language.
        from knowledge.language import script_language  # here: knowledge.language imports this module

        script = script_language(text)
        return EmergencyMatch(found.sign, script) if script and self.language(script) else found

    def match(self, text: str) -> Optional[str]:
        """The id of the first emergency sign the message shows, or None."""
        found = self.detect(text)
        return found.sign if found else None

    def language(self, code: str) -> Optional[EmergencyLanguage]:
        return next((language for language in self.languages if language.code == code), None)


@dataclass
class KnowledgeBase:
    topics: Dict[str, Topic] = field(default_factory=dict)
    terms: List[Term] = field(default_factory=list)
    replies: Dict[str, Reply] = field(default_factory=dict)
    contacts: Dict[str, Contact] = field(default_factory=dict)
    emergency: Optional[Emergency] = None

    def topic(self, topic_id: str) -> Topic:
        return self.topics[topic_id]

    def contact(self, key: str) -> Contact:
        return self.contacts.get(key, Contact())

    def terms_with_label(self, label: str) -> List[Term]:
        return [term for term in self.terms if term.label == label]

    def term_named(self, label: str, name: Any) -> Optional[Term]:
        """The term of `label` that `name` (an entity's value) is the name or a synonym of, whatever its case."""
        wanted = str(name or "").strip().lower()
        return next((term for term in self.terms if term.label == label
                     and wanted in (known.lower() for known in (term.value, *term.synonyms))), None)


def _fail(path: Path, entry: str, problem: str) -> KnowledgeError:
    return KnowledgeError(f"{path.name}: {entry}: {problem}")


def _text(raw: dict, key: str, path: Path, entry: str, required: bool = True) -> str:
    value = raw.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _fail(path, entry, f"missing required field '{key}'")
        return ""
    if not isinstance(value, str):
        raise _fail(path, entry, f"field '{key}' must be text")
    return value.strip()


def _text_list(raw: dict, key: str, path: Path, entry: str) -> Tuple[str, ...]:
    value = raw.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise _fail(path, entry, f"field '{key}' must be a list of non-empty text items")
    return tuple(item.strip() for item in value)


def _parse_topic(raw: object, path: Path, index: int) -> Topic:
    if not isinstance(raw, dict):
        raise _fail(path, f"topic #{index + 1}", "must be a mapping")
    entry = f"topic '{raw.get('id', f'#{index + 1}')}'"
    topic_id = _text(raw, "id", path, entry)
    if not _ID_PATTERN.match(topic_id):
        raise _fail(path, entry, "id must be snake_case")
    kind = _text(raw, "kind", path, entry)
    if kind not in TOPIC_KINDS:
        raise _fail(path, entry, f"kind must be one of {', '.join(TOPIC_KINDS)}")
    topic = Topic(
        id=topic_id,
        title=_text(raw, "title", path, entry),
        kind=kind,
        section=_text(raw, "section", path, entry),
        answer=_text(raw, "answer", path, entry),
        source=_text_list(raw, "source", path, entry),
        related=_text_list(raw, "related", path, entry),
        examples=_text_list(raw, "examples", path, entry),
        file=path.name,
        cities=_text_list(raw, "cities", path, entry),
        treatments=_text_list(raw, "treatments", path, entry),
        situation=_text(raw, "situation", path, entry, required=False) or None,
        age=_text(raw, "age", path, entry, required=False) or None,
    )
    if topic.age is not None and topic.age not in AGE_GROUPS:
        raise _fail(path, entry, f"age must be one of {', '.join(AGE_GROUPS)}")
    if not topic.source:
        raise _fail(path, entry, "needs at least one source sentence from the page")
    if len(topic.examples) < MIN_EXAMPLES:
        raise _fail(path, entry, f"needs at least {MIN_EXAMPLES} examples, has {len(topic.examples)}")
    if kind == "program" and not topic.cities:
        raise _fail(path, entry, "a program needs its cities")
    if topic.treatments and kind != "program":
        raise _fail(path, entry, "only a program lists the treatments it gives")
    return topic


def _parse_term(raw: object, path: Path, index: int) -> Term:
    if not isinstance(raw, dict):
        raise _fail(path, f"term #{index + 1}", "must be a mapping")
    entry = f"term '{raw.get('value', f'#{index + 1}')}'"
    label = _text(raw, "label", path, entry)
    if label not in TERM_LABELS:
        raise _fail(path, entry, f"label must be one of {', '.join(TERM_LABELS)}")
    return Term(
        label=label,
        value=_text(raw, "value", path, entry),
        synonyms=_text_list(raw, "synonyms", path, entry),
        topic=_text(raw, "topic", path, entry, required=False) or None,
        file=path.name,
    )


def _parse_contacts(raw: object, path: Path) -> Dict[str, Contact]:
    if not isinstance(raw, dict):
        raise _fail(path, "contacts", "must be a mapping of topic id (or 'care_team') to phone/url/hours")
    contacts = {}
    for key, fields in raw.items():
        fields = fields or {}
        unknown = set(fields) - set(CONTACT_FIELDS)
        if not isinstance(fields, dict) or unknown:
            raise _fail(path, f"contact '{key}'", f"only {', '.join(CONTACT_FIELDS)} are allowed")
        contact = Contact(**{name: str(fields.get(name) or "").strip() for name in CONTACT_FIELDS})
        if contact.url and not re.match(r"https?://[^\s/]+\S*$", contact.url):
            raise _fail(path, f"contact '{key}'", f"url must be a web address starting with https://, not {contact.url!r}")
        contacts[str(key)] = contact
    return contacts


def _pattern_items(raw: dict, key: str, path: Path, entry: str) -> Tuple[object, ...]:
    """A list of patterns: texts, or {guard, match} / {guard, at_start} mappings (see _named)."""
    value = raw.get(key) or []
    if not isinstance(value, list) or not all(
            (isinstance(item, str) and item.strip()) or isinstance(item, dict) for item in value):
        raise _fail(path, entry, f"field '{key}' must be a list of patterns")
    return tuple(item.strip() if isinstance(item, str) else item for item in value)


def _named(item: dict, guards: Dict[str, "re.Pattern[str]"], path: Path, entry: str) -> GuardedPattern:
    """A pattern behind one of the file's named guards: `match` is looked for anywhere in the
    message, `at_start` is tried at its start (lookaheads such as "(?=.*fever)(?=.*chemo)")."""
    name, body = item.get("guard"), item.get("match", item.get("at_start"))
    if set(item) not in ({"guard", "match"}, {"guard", "at_start"}) or not isinstance(body, str) or not body.strip():
        raise _fail(path, entry, f"a guarded pattern needs 'guard' and one of 'match' or 'at_start', not {item!r}")
    if name not in guards:
        raise _fail(path, entry, f"guard {name!r} is not one of the file's guards ({', '.join(sorted(guards))})")
    anchored = "at_start" in item
    if not anchored and (body.startswith("(?=") or body.startswith("(?!")):
        raise _fail(path, entry, f"pattern {body!r} starts with a lookahead: use 'at_start' (under 'match' it is "
                                 "tried at every character of the message, which is slow on long ones)")
    try:
        return GuardedPattern(f"^(?!{guards[name].pattern})" + (body if anchored else f".*?{body}"),
                              guards[name], re.compile(body, _FLAGS), anchored)
    except re.error as error:
        raise _fail(path, entry, f"pattern {body!r} (guard {name!r}) is not a valid regular expression: "
                                 f"{error}") from error


def _patterns(texts: Tuple[object, ...], path: Path, entry: str,
              guards: Optional[Dict[str, "re.Pattern[str]"]] = None) -> Tuple["re.Pattern[str] | GuardedPattern", ...]:
    patterns: List["re.Pattern[str] | GuardedPattern"] = []
    for text in texts:
        if isinstance(text, dict):
            patterns.append(_named(text, guards or {}, path, entry))
            continue
        assert isinstance(text, str)
        if text.startswith("(?=") or text.startswith("(?!"):
            raise _fail(path, entry, f"pattern {text!r} starts with a lookahead: anchor it with ^ (unanchored, "
                                     "it is tried at every character of the message, which is slow on long ones)")
        try:
            patterns.append(_compile(text))
        except re.error as error:
            raise _fail(path, entry, f"pattern {text!r} is not a valid regular expression: {error}") from error
    if not patterns:
        raise _fail(path, entry, "needs at least one pattern")
    return tuple(patterns)


def _parse_emergency_language(raw: object, path: Path, index: int, sign_ids: List[str],
                              guards: Dict[str, "re.Pattern[str]"]) -> EmergencyLanguage:
    entry = f"language '{raw.get('code', f'#{index + 1}')}'" if isinstance(raw, dict) else f"language #{index + 1}"
    if not isinstance(raw, dict):
        raise _fail(path, entry, "must be a mapping with code, reviewed, reply and signs")
    if not isinstance(raw.get("reviewed"), bool):
        raise _fail(path, entry, "needs 'reviewed: true' or 'reviewed: false' (true only after a native speaker "
                                 "of the hospital's interpreter services checked it)")
    reply = _text(raw, "reply", path, entry)
    if "911" not in re.split(r"[.。!！?？]", reply)[0]:
        raise _fail(path, entry, "the reply must say to call 911 in its first sentence")
    signs = raw.get("signs")
    if not isinstance(signs, dict) or not signs:
        raise _fail(path, entry, "needs 'signs': a mapping of sign ids to their patterns in this language")
    patterns = []
    for sign_id, texts in signs.items():
        if sign_id not in sign_ids:
            raise _fail(path, entry, f"sign '{sign_id}' is not one of the English signs ({', '.join(sign_ids)})")
        where = f"{entry}, sign '{sign_id}'"
        patterns.append((sign_id, _patterns(_pattern_items(signs, sign_id, path, where), path, where, guards)))
    return EmergencyLanguage(_text(raw, "code", path, entry), reply, raw["reviewed"], tuple(patterns))


def _parse_emergency(raw: object, path: Path) -> Emergency:
    if not isinstance(raw, dict):
        raise _fail(path, "emergency", "must be a mapping with reply and signs")
    raw_guards = raw.get("guards") or {}
    if not isinstance(raw_guards, dict) or not all(isinstance(name, str) and isinstance(text, str) and text.strip()
                                                   for name, text in raw_guards.items()):
        raise _fail(path, "emergency", "'guards' must map names to regular expressions")
    guards: Dict[str, "re.Pattern[str]"] = {}
    for name, text in raw_guards.items():
        try:
            guards[name] = re.compile(text, _FLAGS)  # once, for every pattern that names it
        except re.error as error:
            raise _fail(path, f"guard '{name}'", f"is not a valid regular expression: {error}") from error
    signs = []
    for index, sign in enumerate(raw.get("signs") or []):
        entry = f"sign '{sign.get('id', f'#{index + 1}')}'" if isinstance(sign, dict) else f"sign #{index + 1}"
        if not isinstance(sign, dict):
            raise _fail(path, entry, "must be a mapping")
        signs.append(EmergencySign(_text(sign, "id", path, entry),
                                   _patterns(_pattern_items(sign, "patterns", path, entry), path, entry, guards),
                                   _text_list(sign, "examples", path, entry)))
    if not signs:
        raise _fail(path, "emergency", "needs at least one sign")
    raw_languages = raw.get("languages") or []
    if not isinstance(raw_languages, list):
        raise _fail(path, "emergency", "'languages' must be a list")
    languages = tuple(_parse_emergency_language(item, path, index, [sign.id for sign in signs], guards)
                      for index, item in enumerate(raw_languages))
    codes = [language.code for language in languages]
    if len(set(codes)) != len(codes):
        raise _fail(path, "emergency", "a language is listed twice")
    return Emergency(_text(raw, "reply", path, "emergency"), tuple(signs), languages)


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise KnowledgeError(f"{path.name}: not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise KnowledgeError(f"{path.name}: must be a mapping with a top-level key")
    return data


def _validate(kb: KnowledgeBase, topic_files: Dict[str, Path]) -> None:
    for topic in kb.topics.values():
        path = topic_files[topic.id]
        for related in topic.related:
            if related not in kb.topics:
                raise _fail(path, f"topic '{topic.id}'", f"related id '{related}' does not exist")
            if related == topic.id:
                raise _fail(path, f"topic '{topic.id}'", "lists itself as related")
    city_names = {term.value for term in kb.terms_with_label("CITY")}
    for topic in kb.topics.values():
        for city in topic.cities:
            if city not in city_names:
                raise _fail(topic_files[topic.id], f"topic '{topic.id}'", f"city '{city}' is not a CITY term")
    treatment_names = {term.value for term in kb.terms_with_label("TREATMENT")}
    for topic in kb.topics.values():
        for treatment in topic.treatments:
            if treatment not in treatment_names:
                raise _fail(topic_files[topic.id], f"topic '{topic.id}'",
                            f"treatment '{treatment}' is not a TREATMENT term")
    seen_names: Dict[str, str] = {}
    for term in kb.terms:
        path = KNOWLEDGE_DIR / term.file
        if term.topic and term.topic not in kb.topics:
            raise _fail(path, f"term '{term.value}'", f"topic '{term.topic}' does not exist")
        for name in (term.value, *term.synonyms):
            key = name.lower()
            owner = f"{term.label}:{term.value}"
            if seen_names.get(key, owner) != owner:
                raise _fail(path, f"term '{term.value}'", f"'{name}' is already used by {seen_names[key]}")
            seen_names[key] = owner
    seen_examples: Dict[str, str] = {}
    for topic in kb.topics.values():
        for example in topic.examples:
            key = " ".join(example.lower().split())
            if key in seen_examples and seen_examples[key] != topic.id:
                raise _fail(
                    topic_files[topic.id],
                    f"topic '{topic.id}'",
                    f"example '{example}' is also an example of '{seen_examples[key]}'",
                )
            seen_examples[key] = topic.id
    for key in kb.contacts:
        if key != "care_team" and key not in kb.topics:
            raise KnowledgeError(f"contacts: contact '{key}': no topic has that id")


def load(directory: Optional[Path] = None, contacts_file: Optional[Path] = None) -> KnowledgeBase:
    """Load every knowledge/*.yml file. Raises KnowledgeError naming the file and entry on bad data.

    The contact settings come from $CONTACTS_FILE when set, else knowledge/contacts.yml.
    """
    directory = Path(directory) if directory else KNOWLEDGE_DIR
    if contacts_file is None:
        contacts_file = Path(os.environ.get("CONTACTS_FILE") or directory / CONTACTS_FILE.name)
    kb = KnowledgeBase()
    topic_files: Dict[str, Path] = {}
    for path in sorted(directory.glob("*.yml")):
        # The contact settings are not content, wherever $CONTACTS_FILE points.
        if path.name == CONTACTS_FILE.name or path.resolve() == Path(contacts_file).resolve():
            continue
        data = _read_yaml(path)
        for index, raw in enumerate(data.get("topics") or []):
            topic = _parse_topic(raw, path, index)
            if topic.id in kb.topics:
                raise _fail(path, f"topic '{topic.id}'", f"duplicate id (also in {kb.topics[topic.id].file})")
            kb.topics[topic.id] = topic
            topic_files[topic.id] = path
        for index, raw in enumerate(data.get("terms") or []):
            kb.terms.append(_parse_term(raw, path, index))
        for key, raw in (data.get("replies") or {}).items():
            if not isinstance(raw, dict):
                raise _fail(path, f"reply '{key}'", "must be a mapping with text and source")
            kb.replies[key] = Reply(key, _text(raw, "text", path, f"reply '{key}'"),
                                    _text_list(raw, "source", path, f"reply '{key}'"))
        if "emergency" in data:
            kb.emergency = _parse_emergency(data["emergency"], path)
        # `languages` (knowledge/language.py), `interpreter` (actions/interpreter_form.py) and
        # `deferrals` (knowledge/deferrals.py) are read by their own modules.
        if not ({"topics", "terms", "replies", "emergency", "languages", "interpreter", "deferrals"} & set(data)):
            raise KnowledgeError(f"{path.name}: expected a top-level 'topics', 'terms', 'replies', 'emergency', "
                                 "'languages', 'interpreter' or 'deferrals' key")
    if not kb.topics:
        raise KnowledgeError(f"{directory}: no topics found")
    contacts_path = Path(contacts_file)
    if contacts_path.exists():
        kb.contacts = _parse_contacts(_read_yaml(contacts_path).get("contacts") or {}, contacts_path)
    _validate(kb, topic_files)
    return kb


def knowledge_directory() -> Path:
    """KNOWLEDGE_DIR when set (make bench serves a copy), else this package's directory."""
    return Path(os.environ.get("KNOWLEDGE_DIR") or KNOWLEDGE_DIR)


def contacts_file_setting() -> Optional[Path]:
    value = os.environ.get("CONTACTS_FILE")
    return Path(value) if value else None


Fingerprint = Tuple[Tuple[str, int, int], ...]


def fingerprint(directory: Path, contacts_file: Optional[Path]) -> Fingerprint:
    """Name, size and modification time of every knowledge file: changes when any file does."""
    paths = sorted(Path(directory).glob("*.yml")) + ([contacts_file] if contacts_file else [])
    stamps = []
    for path in paths:
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        stamps.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(stamps)


# What a change to knowledge/ can fail with: bad content, and a file that cannot be read (a folder
# where a file was, a file that is not UTF-8, a file removed while it was read).
RELOAD_ERRORS = (KnowledgeError, OSError, ValueError)


def describe_reload_error(error: Exception) -> str:
    if isinstance(error, KnowledgeError):
        return str(error)
    return f"{type(error).__name__}: {getattr(error, 'strerror', None) or error}"


class LiveKnowledge:
    """The knowledge base, loaded once and again whenever a file changed (checked at most every
    `check_every` seconds, when asked for). A change that does not validate is logged and refused:
    the last good version keeps serving."""

    def __init__(self, directory: Optional[Path] = None, contacts_file: Optional[Path] = None,
                 check_every: float = 2.0) -> None:
        self._directory = Path(directory) if directory else knowledge_directory()
        self._contacts_file = contacts_file if contacts_file is not None else contacts_file_setting()
        self._check_every = check_every
        self._lock = threading.Lock()
        self._fingerprint = fingerprint(self._directory, self._contacts_file)
        self._kb = load(self._directory, self._contacts_file)
        self._checked_at = time.monotonic()

    def current(self) -> KnowledgeBase:
        if time.monotonic() - self._checked_at >= self._check_every:
            with self._lock:
                self._checked_at = time.monotonic()
                seen = fingerprint(self._directory, self._contacts_file)
                if seen != self._fingerprint:
                    self._fingerprint = seen
                    try:
                        self._kb = load(self._directory, self._contacts_file)
                    except RELOAD_ERRORS as error:
                        logger.error("knowledge change refused, the last good version stays: %s",
                                     describe_reload_error(error))
        return self._kb


def source_text() -> str:
    """The hospital page, whitespace collapsed, for fidelity checks."""
    return " ".join(SOURCE_PAGE.read_text(encoding="utf-8").split())
