"""The spaCy pipeline: built once, blank English, rules from ``rules/``; every component is registered here.

    tokenizer          English, but hyphenated words stay one token ("Secretary-General", "Ji-hoon")
    kg_gazetteer       EntityRuler: States (STATE), demonyms (STATE_ADJ), organisations (ORG), places (PLACE);
                       the entity id is the key (ISO3 for States, canonical name casefolded otherwise)
    kg_sentences       sentence starts after . ! ? (and closing quotes) and at line breaks
    kg_tokens          token flags read by the patterns: name-like, honorific, title, speech verb
                       (doc.user_data["kg_flags"]; for the Matcher also as TAG "KG_N" for name-like
                       tokens and LEMMA "KG_<H|T|S>" for honorifics, titles and speech verbs)
    kg_posts           post spans (doc.spans["kg_post"]) from the head nouns of rules/posts.json, with
                       their right-hand tail ("... of Mexico to the United Nations"); NORM "KG_<B|E>"
                       marks the first and last token of each
    kg_people          Matcher over rules/people.json patterns -> doc.spans["kg_person"]; every token
                       test is an equality on a native attribute (the Matcher runs it in C), so
                       the "IN" lists and flag macros of a rule are expanded into several patterns

No statistical model is loaded; nothing is downloaded.
"""

from __future__ import annotations

import gc
import re
import unicodedata
from functools import cache, lru_cache
from itertools import product
from typing import Any, cast

import numpy
import spacy
from spacy.attrs import ENT_TYPE, LEMMA, SENT_START, SPACY, TAG
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.pipeline import EntityRuler
from spacy.tokens import Doc, Span, Token
from spacy.util import compile_infix_regex

from kg.extract import resources

STATE, STATE_ADJ, ORG, PLACE = "STATE", "STATE_ADJ", "ORG", "PLACE"
GAZETTEER_LABELS = frozenset({STATE, STATE_ADJ, ORG, PLACE})

# Token flags: one bit each, kept per document in doc.user_data["kg_flags"]. For the Matcher, which
# compares native attributes in C but calls Python for "IN" sets, the flags are also written into
# otherwise unused attributes: NAME as TAG "KG_N"; HON, TITLE and SPEECH as LEMMA "KG_<letters>";
# POST_START and POST_END as NORM "KG_<letters>".
NAME, PARTICLE, HON, TITLE, SPEECH, POST_START, POST_END = 1, 2, 4, 8, 16, 32, 64
_LETTERS = {NAME: "N", PARTICLE: "P", HON: "H", TITLE: "T", SPEECH: "S", POST_START: "B", POST_END: "E"}
ROLE_BITS = HON | TITLE | SPEECH
POST_BITS = POST_START | POST_END


def flag_tag(bits: int) -> str:
    return "KG_" + "".join(letter for bit, letter in _LETTERS.items() if bits & bit) if bits else ""


def flags(doc: Doc) -> list[int]:
    value: list[int] | None = doc.user_data.get("kg_flags")
    if value is None:  # (not setdefault: its default list would be built on every call)
        value = doc.user_data["kg_flags"] = [0] * len(doc)
    return value


def token_texts(doc: Doc) -> list[str]:
    """The texts of the doc's tokens, listed once per doc (doc.user_data["kg_texts"])."""
    value: list[str] | None = doc.user_data.get("kg_texts")
    if value is None or len(value) != len(doc):
        value = doc.user_data["kg_texts"] = [t.text for t in doc]
    return value


def _flag_getter(bit: int) -> Any:
    return lambda token: bool(flags(token.doc)[token.i] & bit)


for _name, _bit in (
    ("kg_name", NAME),
    ("kg_particle", PARTICLE),
    ("kg_hon", HON),
    ("kg_title", TITLE),
    ("kg_speech", SPEECH),
    ("kg_post_start", POST_START),
    ("kg_post_end", POST_END),
):
    if not Token.has_extension(_name):
        Token.set_extension(_name, getter=_flag_getter(_bit))


def _write_flags(doc: Doc, bits: list[int]) -> None:
    """TAG and LEMMA for the Matcher (see the flags above)."""
    strings = doc.vocab.strings
    # tokens without a flag get "KG_" (tested by no pattern): the Matcher refuses a doc none of
    # whose tokens has the attribute it tests
    none = strings.add("KG_")
    cache: dict[int, int] = {0: none}
    name = strings.add(flag_tag(NAME))
    tags = [name if b & NAME else none for b in bits]
    lemmas = [
        cache[r] if (r := b & ROLE_BITS) in cache else cache.setdefault(r, strings.add(flag_tag(r)))
        for b in bits
    ]
    values = numpy.array([tags, lemmas], dtype="uint64").T.reshape(-1, 2)
    doc.from_array([TAG, LEMMA], cast(Any, values))


_DASHES = re.compile(r"[\u2010\u2011\u2012\u2013\u2014]")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=8192)
def norm_key(text: str) -> str:
    """Casefolded, hyphen- and space-normalised form used for keys and label comparison."""
    text = unicodedata.normalize("NFKC", text)
    text = _DASHES.sub("-", text).replace("\u2019", "'")
    return _SPACES.sub(" ", text).strip().casefold()


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
    """Sentence starts after final punctuation (and any closing quotes) and after line breaks."""
    texts = token_texts(doc)
    tokens = [
        (text, " " if space else "") for text, space in zip(texts, doc.to_array(SPACY).tolist(), strict=True)
    ]
    n = len(tokens)
    starts = [-1] * n
    start_next = True
    i = 0
    while i < n:
        text, space = tokens[i]
        if not text.strip():
            if start_next and i == 0:
                starts[i] = 1
            if "\n" in text:
                start_next = True
            i += 1
            continue
        starts[i] = 1 if start_next else -1
        start_next = False
        if text in _FINAL or (len(text) > 1 and text[-1] in "!?"):
            j = i + 1
            while j < n and tokens[j][0] in _CLOSERS:
                j += 1
            start_next = True
            i = j
            continue
        if "\n" in space:
            start_next = True
        i += 1
    if n:
        doc.from_array(
            [SENT_START], cast(Any, numpy.array(starts, dtype="int64").astype("uint64").reshape(-1, 1))
        )
    return doc


class TokenFlags:
    """Sets the kg_* token flags the people patterns read."""

    def __init__(self) -> None:
        people = resources.load("people")
        self.stop = frozenset(people["stopwords"])
        self.particles = frozenset(people["particles"])
        self.honorifics: dict[str, str] = people["honorifics"]
        self.titles: dict[str, str] = people["titles"]
        self.speech = frozenset(people["speech_verbs"])
        # per word, what does not depend on the context (kept across documents)
        self._lexical: dict[str, tuple[int, bool, bool, bool]] = {}

    def __call__(self, doc: Doc) -> Doc:
        bits = [0] * len(doc)
        arr = doc.to_array([ENT_TYPE, SENT_START])
        strings = doc.vocab.strings
        gaz = {strings.add(label) for label in GAZETTEER_LABELS}
        ent_types: list[int] = arr[:, 0].tolist()
        starts = {i for i, v in enumerate(arr[:, 1].tolist()) if v == 1}
        lexical = self._lexical
        if len(lexical) > 200_000:
            lexical.clear()
        for i, text in enumerate(token_texts(doc)):
            entry = lexical.get(text)
            if entry is None:
                entry = lexical[text] = self._word(text)
            b, blocked, particle, name_like = entry
            if not (blocked or ent_types[i] in gaz):
                if particle and i not in starts:
                    b |= NAME | PARTICLE
                elif name_like:
                    b |= NAME
            bits[i] = b
        doc.user_data["kg_flags"] = bits
        doc.user_data["kg_sent_starts"] = starts
        _write_flags(doc, bits)
        return doc

    def _word(self, text: str) -> tuple[int, bool, bool, bool]:
        """What the flags take from the word alone: honorific/title/speech bits, whether it can never
        be part of a name, whether it is a particle, whether it is name-like."""
        b = 0
        if text in self.honorifics:
            b |= HON
        if text in self.titles:
            b |= TITLE
        if text.lower() in self.speech:
            b |= SPEECH
        blocked = text in self.stop or text in self.honorifics
        return b, blocked, text in self.particles, is_name_like(text)


_INITIAL = re.compile(r"^[A-Z]\.$")


@lru_cache(maxsize=65536)
def is_name_like(text: str) -> bool:
    """A capitalised word that could be (part of) a person's name: "Solberg-Vik", "Ji-hoon", "G."."""
    if not text or not text[0].isupper() or any(c.isdigit() for c in text):
        return False
    if _INITIAL.match(text):
        return True
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 2 or not any(c.islower() for c in letters):
        return False
    return all(c.isalpha() or c in "-'’." for c in text) and not text.endswith("-")


@Language.factory("kg_tokens")
def make_token_flags(nlp: Language, name: str) -> TokenFlags:
    return TokenFlags()


class PostFinder:
    """Finds posts: a head noun with its modifiers and its capitalised right-hand tail."""

    def __init__(self, nlp: Language) -> None:
        posts = resources.load("posts")
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        heads = list(posts["heads"]) + list(posts["plural_heads"])
        self.matcher.add("POST", [nlp.make_doc(h) for h in heads])
        self.plural = {k.lower(): v for k, v in posts["plural_heads"].items()}
        self.modifiers = sorted((m.split() for m in posts["modifiers"]), key=len, reverse=True)
        # by last word, longest first (the order the modifiers are tried in)
        self.modifiers_by_last: dict[str, list[list[str]]] = {}
        for words in self.modifiers:
            self.modifiers_by_last.setdefault(words[-1], []).append(words)
        self.connectors = frozenset(posts["tail_connectors"])
        self.determiners = frozenset(posts["tail_determiners"])
        self.lower_nouns = frozenset(posts["tail_lowercase_nouns"])
        self.need_context = frozenset(posts["lowercase_heads_need_context"])
        self.honorific_heads = frozenset(posts["honorific_heads"])

    def __call__(self, doc: Doc) -> Doc:
        spans: list[Span] = []
        taken: set[int] = set()
        matches = sorted(self.matcher(doc), key=lambda m: (m[1], -(m[2] - m[1])))
        for _, start, end in matches:
            if start in taken or any(i in taken for i in range(start, end)):
                continue
            head = doc[start:end]
            if head.text in self.honorific_heads and end < len(doc) and flags(doc)[end] & (NAME | TITLE):
                continue  # "Ambassador Ana Ruiz": an honorific, not a post
            if (
                head.text[0].islower()
                and head.text.lower() in self.need_context
                and not self._lower_ok(doc, start, end)
            ):
                continue
            if head.text.lower() == "head" and (
                end < len(doc)
                and doc[end].lower_ == "of"
                and end + 1 < len(doc)
                and doc[end + 1].lower_ in ("state", "government", "states")
            ):
                continue
            left = self._extend_left(doc, start)
            right = tail_end(doc, end, self.connectors, self.determiners, self.lower_nouns)
            span = Span(doc, left, right, label="POST")
            spans.append(span)
            taken.update(range(left, right))
        spans.sort(key=lambda s: s.start)
        doc.spans["kg_post"] = spans
        bits = flags(doc)
        for span in spans:
            bits[span.start] |= POST_START
            bits[span.end - 1] |= POST_END
            for i in (span.start, span.end - 1):
                doc[i].norm_ = flag_tag(bits[i] & POST_BITS)
        return doc

    def _lower_ok(self, doc: Doc, start: int, end: int) -> bool:
        """A lower-case head ("representative", "head") is a post only with an "of"/"for" tail or a
        title before it."""
        if end < len(doc) and doc[end].lower_ in ("of", "for", "to"):
            return True
        prev = doc[start - 1] if start > 0 else None
        return prev is not None and (
            prev.ent_type_ == ORG or prev.text in ("UN", "U.N.", "Council", "Assembly")
        )

    def _extend_left(self, doc: Doc, start: int) -> int:
        left = start
        changed = True
        while changed and left > 0:
            changed = False
            for words in self.modifiers_by_last.get(doc[left - 1].text, ()):
                n = len(words)
                if left - n >= 0 and [t.text for t in doc[left - n : left]] == words:
                    left -= n
                    changed = True
                    break
        return left


def tail_end(
    doc: Doc,
    end: int,
    connectors: frozenset[str],
    determiners: frozenset[str],
    lower_nouns: frozenset[str],
    allow_comma: bool = False,
    stop_at_post: bool = False,
) -> int:
    """Where a name's right-hand tail ends: connector (+ determiner) + capitalised words, repeated.

    "Permanent Representative| of Mexico to the United Nations" -> end after "Nations".
    """
    right = end
    i = end
    n = len(doc)
    while i < n:
        tok = doc[i]
        if tok.lower_ in connectors and tok.text[0].islower():
            j = i + 1
            if j < n and doc[j].lower_ in determiners:
                if tok.lower_ == "and":
                    break  # "X and the Y": a second name, not part of this one
                j += 1
            k = j
            while (
                k < n
                and _tail_word(doc[k], lower_nouns, k > j)
                and not (stop_at_post and doc[k]._.kg_post_start)
            ):
                if k > j and doc[k - 1].ent_type_ in (STATE, STATE_ADJ) and doc[k].ent_iob_ != "I":
                    break  # a name ends with the gazetteer name it ends on ("... of Morocco| Hosts")
                k += 1
            if k < n and k > j and doc[k - 1].text.endswith("-based"):
                k -= 1
            if k == j or (tok.lower_ == "and" and not doc[i - 1].text[:1].isupper()):
                break
            if tok.lower_ == "and" and k < n and doc[k].text in ("'s", "’s"):
                break
            right = i = k
            continue
        if allow_comma and tok.text == "," and i + 1 < n and doc[i + 1].text[:1].isupper():
            k = i + 1
            while k < n and _tail_word(doc[k], lower_nouns, True):
                k += 1
            if k < n and doc[k].lower_ == "and":
                right = i = k
                continue
        break
    return right


_ORDINAL = re.compile(
    r"^(\d+(st|nd|rd|th)|[a-z]+-?(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)|"
    r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|\w+teenth|\w+tieth)$",
    re.I,
)


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
_NOT_IN_NAMES = CALENDAR_WORDS | {"I"}


def _tail_word(token: Token, lower_nouns: frozenset[str], not_first: bool) -> bool:
    text = token.text
    if token.is_space or (token.is_punct and text not in ("'s", "’s")) or text in _NOT_IN_NAMES:
        return False
    if text[0].isupper() or token.ent_type_ in GAZETTEER_LABELS:
        return True
    if _ORDINAL.match(text):
        return True
    if not not_first or text.lower() not in lower_nouns:
        return False
    prev = token.nbor(-1).text
    return bool(_ORDINAL.match(prev)) or prev[:1].isupper()


@Language.factory("kg_posts")
def make_posts(nlp: Language, name: str) -> PostFinder:
    return PostFinder(nlp)


def role_combinations() -> list[int]:
    """The HON/TITLE/SPEECH combinations a token can carry, given the word lists of rules/people.json."""
    people = resources.load("people")
    honorifics, titles = set(people["honorifics"]), set(people["titles"])
    speech = set(people["speech_verbs"])
    found = {SPEECH}
    for word in honorifics | titles:
        found.add(
            (HON if word in honorifics else 0)
            | (TITLE if word in titles else 0)
            | (SPEECH if word.lower() in speech else 0)
        )
    return sorted(found)


def _alternatives(element: dict[str, Any], roles: list[int]) -> list[dict[str, Any]]:
    """A rules/people.json pattern element (with macros) as spaCy Matcher token patterns that only
    test native attributes for equality; an element that allows several values gives several."""
    element = dict(element)
    if "NAME" in element:
        op = element.pop("NAME")
        return [{"TAG": flag_tag(NAME), "OP": op, **element}]
    if element.pop("STATE", False):
        return [{"ENT_TYPE": STATE, "OP": "+", **element}]
    for macro, bit in (("SPEECH", SPEECH), ("HON", HON), ("TITLE", TITLE)):
        if element.pop(macro, False):
            return [{"LEMMA": flag_tag(r), **element} for r in roles if r & bit]
    for macro, bit in (("POST_END", POST_END), ("POST_START", POST_START)):
        if element.pop(macro, False):
            return [{"NORM": flag_tag(p), **element} for p in (POST_START, POST_END, POST_BITS) if p & bit]
    return [element]


def matcher_patterns(pattern: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The Matcher patterns of one rules/people.json pattern (every combination of alternatives)."""
    roles = role_combinations()
    return [list(combo) for combo in product(*(_alternatives(e, roles) for e in pattern))]


class PeopleMatcher:
    """Matches the contexts of rules/people.json; each match's name tokens become a candidate span."""

    def __init__(self, nlp: Language) -> None:
        self.matcher = Matcher(nlp.vocab)
        self.name_elements: dict[str, set[int]] = {}
        for rule in resources.load("people")["patterns"]:
            self.matcher.add(rule["id"], matcher_patterns(rule["pattern"]))
            self.name_elements[rule["id"]] = {i for i, e in enumerate(rule["pattern"]) if "NAME" in e}

    def __call__(self, doc: Doc) -> Doc:
        found: dict[tuple[int, int], str] = {}
        bits = flags(doc)
        starts = doc.user_data.get("kg_sent_starts", set())
        for match in self.matcher(doc, with_alignments=True):
            match_id, start, _end, alignment = cast(tuple[int, int, int, list[int]], match)
            rule = doc.vocab.strings[match_id]
            elements = self.name_elements[rule]
            idx = [start + k for k, a in enumerate(alignment) if a in elements]
            if not idx:
                continue
            s, e = min(idx), max(idx) + 1
            # extend to the whole run of name-like tokens, then trim particles at the edges
            # (a token's trailing whitespace is one space at most: line breaks are tokens, not NAME)
            while s > 0 and bits[s - 1] & NAME and s not in starts:
                s -= 1
            while e < len(doc) and bits[e] & NAME:
                e += 1
            while s < e and bits[s] & PARTICLE:
                s += 1
            while e > s and bits[e - 1] & PARTICLE:
                e -= 1
            if e > s:
                found.setdefault((s, e), rule)
        spans = [Span(doc, s, e, label=rule) for (s, e), rule in found.items()]
        doc.spans["kg_person"] = spans
        return doc


@Language.factory("kg_people")
def make_people(nlp: Language, name: str) -> PeopleMatcher:
    return PeopleMatcher(nlp)


def _tokenizer_infixes(nlp: Language) -> list[str]:
    hyphen = re.compile(r"\(\?:-\|")
    kept = [p for p in nlp.Defaults.infixes or [] if isinstance(p, str) and not hyphen.search(p)]
    return [*kept, r"(?<=[A-Za-z])(?:–|—|--|---|——|~)(?=[A-Za-z])", r"[()\[\]]"]


@cache
def get_nlp() -> Language:
    """The extraction pipeline, built once per process."""
    nlp = spacy.blank("en")
    cast(Any, nlp.tokenizer).infix_finditer = compile_infix_regex(_tokenizer_infixes(nlp)).finditer
    nlp.add_pipe("kg_gazetteer")
    nlp.add_pipe("kg_sentences")
    nlp.add_pipe("kg_tokens")
    nlp.add_pipe("kg_posts")
    nlp.add_pipe("kg_people")
    # The pipeline and the rule data it holds live as long as the process. Moving everything alive
    # now out of the collector's generations spares every full collection from re-scanning them:
    # about 2 ms (a tenth) of each 5 KB document's extraction goes to the collector otherwise.
    for rule_file in resources.RULE_FILES:  # read now, so that they are frozen too
        resources.load(rule_file)
    gc.freeze()
    return nlp
