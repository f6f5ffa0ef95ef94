"""The spaCy layer: tokens, gazetteer names and sentences, built once per process.

    tokenizer          English, but hyphenated words stay one token ("Secretary-General", "Ji-hoon"),
                       brackets and slashes are tokens of their own
    kg_gazetteer       EntityRuler: States (STATE), demonyms (STATE_ADJ), organisations (ORG),
                       places (PLACE) from rules/states.json, organizations.json, places.json; the
                       entity id is the key (ISO3 for States, the casefolded canonical name otherwise)
    kg_sentences       a sentence starts after . ! ? (and closing quotes), and at a line break unless
                       the line runs on (the next line starts in lower case after a word)

No statistical model is loaded; nothing is downloaded. Everything else the extractor does is in the
components of ``kg.extract.pipeline``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from typing import Any, cast

import numpy
import spacy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.pipeline import EntityRuler
from spacy.tokens import Doc
from spacy.util import compile_infix_regex

from kg.extract import resources

STATE, STATE_ADJ, ORG, PLACE = "STATE", "STATE_ADJ", "ORG", "PLACE"
GAZETTEER_LABELS = frozenset({STATE, STATE_ADJ, ORG, PLACE})

_DASHES = re.compile(r"[\u2010\u2011\u2012\u2013\u2014]")
_SPACES = re.compile(r"\s+")

#: Calendar words: capitalised, but never part of a name.
CALENDAR_WORDS = frozenset(
    [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
)


@lru_cache(maxsize=16384)
def norm_key(text: str) -> str:
    """Casefolded, hyphen- and space-normalised form used for keys and label comparison."""
    text = unicodedata.normalize("NFKC", text)
    text = _DASHES.sub("-", text).replace("\u2019", "'")
    return _SPACES.sub(" ", text).strip().casefold()


@lru_cache(maxsize=16384)
def fold(text: str) -> str:
    """``norm_key`` without accents: "Jörg Ammann" and "Jorg Ammann" fold alike."""
    decomposed = unicodedata.normalize("NFKD", norm_key(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_INITIAL = re.compile(r"^[A-Z]\.?$")


@lru_cache(maxsize=65536)
def is_name_like(text: str) -> bool:
    """A capitalised word that could be (part of) a person's name: "Solberg-Vik", "Ji-hoon", "G.",
    "O'Neill"; an initial ("K", "K.") counts too."""
    if not text or not text[0].isupper() or any(c.isdigit() for c in text):
        return False
    if _INITIAL.match(text):
        return True
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 2 or not any(c.islower() for c in letters):
        return False
    return all(c.isalpha() or c in "-'." for c in text) and not text.endswith("-")


def is_initial(text: str) -> bool:
    return bool(_INITIAL.match(text))


def _strip_the(name: str) -> str:
    return name[4:] if name.lower().startswith("the ") else name


def gazetteer_patterns() -> list[dict[str, Any]]:
    """EntityRuler phrase patterns for States, demonyms, organisations and places."""
    patterns: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()

    def add(label: str, text: str, key: str) -> None:
        text = _strip_the(text)
        if (label, text) in seen or not text:
            return
        seen.add((label, text))
        patterns.append({"label": label, "pattern": text, "id": key})

    for place in resources.load("places")["places"]:
        for text in [place["name"], *place["variants"]]:
            add(PLACE, text, norm_key(place["name"]))
    for state in resources.load("states")["states"]:
        for text in [state["name"], *state["variants"]]:
            add(STATE, text, state["iso3"])
        for text in state["demonyms"]:
            add(STATE_ADJ, text, state["iso3"])
    for org in resources.load("organizations")["organizations"]:
        key = norm_key(org["name"])
        for text in [org["name"], *org["acronyms"], *org["variants"]]:
            add(ORG, text, key)
    return patterns


@Language.factory("kg_gazetteer")
def make_gazetteer(nlp: Language, name: str) -> EntityRuler:
    ruler = EntityRuler(nlp, name=name, phrase_matcher_attr="ORTH", overwrite_ents=True)
    ruler.add_patterns(gazetteer_patterns())
    return ruler


_FINAL = frozenset(".!?")
_CLOSERS = frozenset({'"', "'", ")", "]", "\u201d", "\u2019"})


@Language.component("kg_sentences")
def split_sentences(doc: Doc) -> Doc:
    """Sentence starts after final punctuation (and any closing quotes) and after line breaks,
    except where a line runs on: the next line starts with a lower-case word after a word."""
    texts = [t.text for t in doc]
    spaced = [bool(t.whitespace_) for t in doc]
    n = len(texts)
    starts = [-1] * n
    start_next = True
    last_word = ""
    i = 0
    while i < n:
        text = texts[i]
        if not text.strip():
            if start_next and i == 0:
                starts[i] = 1
            if "\n" in text:
                start_next = True
            i += 1
            continue
        if start_next and text[:1].islower() and last_word[-1:].isalpha() and i > 0:
            start_next = False  # a line that runs on ("the\n\ndecision-making body")
        starts[i] = 1 if start_next else -1
        start_next = False
        last_word = text
        if text in _FINAL or (len(text) > 1 and text[-1] in "!?"):
            j = i + 1
            while j < n and texts[j] in _CLOSERS and not spaced[j - 1]:  # '."' closes; '. "' opens
                j += 1
            start_next = True
            i = j
            continue
        i += 1
    if n:
        doc.from_array(
            [SENT_START], cast(Any, numpy.array(starts, dtype="int64").astype("uint64").reshape(-1, 1))
        )
    return doc


def _tokenizer_infixes(nlp: Language) -> list[str]:
    hyphen = re.compile(r"\(\?:-\|")
    kept = [p for p in nlp.Defaults.infixes or [] if isinstance(p, str) and not hyphen.search(p)]
    return [*kept, r"(?<=[A-Za-z])(?:–|—|--|---|——|~)(?=[A-Za-z])", r"[()\[\]“”\"]", r"(?<=\w)/(?=\w)"]


@cache
def get_nlp() -> Language:
    """The tokenizer, gazetteer and sentence splitter, built once per process."""
    nlp = spacy.blank("en")
    cast(Any, nlp.tokenizer).infix_finditer = compile_infix_regex(_tokenizer_infixes(nlp)).finditer
    nlp.add_pipe("kg_gazetteer")
    nlp.add_pipe("kg_sentences")
    for rule_file in resources.RULE_FILES:  # read now: a long-lived process reads them once
        resources.load(rule_file)
    return nlp


@cache
def institution_words() -> frozenset[str]:
    """Capitalised words of institutions and offices ("Resources", "Affairs", "Programme"): the
    words of the organisations' names in rules/organizations.json, of the post heads and modifiers
    in rules/posts.json and rules/people.json's ``institution_words``. A run of them is no person's
    name ("Human Resources Management")."""
    found: set[str] = set(resources.load("people")["institution_words"])
    found |= set(resources.load("people")["stopwords"])
    states = {
        w
        for s in resources.load("states")["states"]
        for name in [s["name"], *s["variants"], *s["demonyms"]]
        for w in name.split()
    }
    for org in resources.load("organizations")["organizations"]:
        for name in [org["name"], *org["variants"]]:
            found.update(w for w in _capitalised_words(name) if w not in states)
    posts = resources.load("posts")
    for phrase in [*posts["heads"], *posts["modifiers"]]:
        found.update(_capitalised_words(phrase))
    return frozenset(found)


def _capitalised_words(name: str) -> list[str]:
    """The capitalised words of a name, hyphenated words whole ("Nuclear-Test-Ban", not "Ban")."""
    return [w.strip(",.()") for w in name.split() if re.fullmatch(r"[A-Z][a-z]+(?:-[A-Za-z]+)*[,.]?", w)]
