"""Mentions -> entities with IRIs: merging within a document, identity across documents.

An entity's IRI is minted from its kind and key (``<base>person/louise-arbour``,
``<base>state/mex``), so the same person, State, organization or office read out of two press
releases is one node. Entities of one document that share kind and key are merged. A label
already recorded in the store for an IRI wins over the new document's spelling (which becomes
an ``skos:altLabel``), so every entity keeps exactly one ``rdfs:label``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from kg.model import Entity, Extraction, Kind, Relation

_SLUG_DROP = re.compile(r"[^\w]+", re.UNICODE)
MAX_SLUG = 80


def ascii_fold(text: str) -> str:
    """``text`` without accents and with the usual ASCII spellings of other letters ("Jörn" ->
    "Jorn", "Løj" -> "Loj", "Straße" -> "Strasse"); characters with no such spelling stay."""
    text = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    return "".join(c for c in text if not unicodedata.combining(c))


_LETTERS = str.maketrans(
    {
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ł": "l",
        "Ł": "L",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ı": "i",
        "þ": "th",
        "ð": "d",
    }
)


def slug(key: str) -> str:
    """A readable, typeable IRI segment from a key: NFKC, folded to ASCII where a letter has an
    ASCII spelling ("Jörn Vestergård" -> ``jorn-vestergard``), case-folded, non-word runs to ``-``.

    The same name with and without accents is one IRI; the label keeps the text's spelling.
    Long keys are cut and suffixed with a short hash so that they stay unique.
    """
    text = ascii_fold(unicodedata.normalize("NFKC", key)).casefold()
    text = _SLUG_DROP.sub("-", text).strip("-_") or "x"
    if len(text) > MAX_SLUG:
        digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]
        text = text[:MAX_SLUG].rstrip("-") + "-" + digest
    return text


def identity_key(kind: Kind, key: str) -> str:
    """What makes two entities of ``kind`` one node. For a person, the first and last words of the
    name: "Anna K. Lindqvist", "Anna Lindqvist" and "Anna Katarina Lindqvist" are one person
    wherever they are read (and with or without accents: see ``slug``). A seat (a post several
    people hold at once, keyed "<post> @ <holder>") is one node per post and holder identity."""
    if kind is Kind.PERSON:
        words = [w for w in _SLUG_DROP.sub(" ", key).split() if w]
        if len(words) > 2:
            return f"{words[0]} {words[-1]}"
    if kind is Kind.POST and " @ " in key:  # a seat: "judge of the court @ anna k. lindqvist"
        post, holder = key.rsplit(" @ ", 1)
        return f"{post} @ {identity_key(Kind.PERSON, holder)}"
    return key


def entity_iri(base: str, kind: Kind, key: str) -> str:
    return f"{base}{kind.value.lower()}/{slug(identity_key(kind, key))}"


def source_iri(base: str, doc_id: str) -> str:
    return f"{base}source/{doc_id}"


def _digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def statement_iri(base: str, s: str, p: str, o: str) -> str:
    """The IRI of the reified fact ``s p o``: the same in every document that states it."""
    return f"{base}statement/{_digest(s, p, o)}"


@dataclass
class Resolution:
    """An extraction whose entities have IRIs; ``entities`` are merged per IRI."""

    extraction: Extraction
    base: str
    entities: list[Entity]
    iri: dict[str, str] = field(default_factory=dict)  # local id -> IRI (merged ids included)
    relations: list[Relation] = field(default_factory=list)

    @property
    def source(self) -> str:
        return source_iri(self.base, self.extraction.document.doc_id)


def resolve(
    extraction: Extraction, base: str, known_label: Callable[[str], str | None] | None = None
) -> Resolution:
    """Give every entity its IRI, merge duplicates and remap relations onto the merged ids."""
    merged: dict[str, Entity] = {}
    canonical_id: dict[str, str] = {}
    iri_of: dict[str, str] = {}
    for entity in extraction.entities:
        iri = entity_iri(base, entity.kind, entity.key)
        iri_of[entity.local_id] = iri
        kept = merged.get(iri)
        if kept is None:
            kept = Entity(
                local_id=entity.local_id,
                kind=entity.kind,
                label=entity.label,
                key=entity.key,
                mentions=list(entity.mentions),
                alt_labels=set(entity.alt_labels),
                attrs=dict(entity.attrs),
            )
            merged[iri] = kept
        else:
            if len(entity.label) > len(kept.label):
                kept.alt_labels.add(kept.label)
                kept.label = entity.label
            else:
                kept.alt_labels.add(entity.label)
            kept.mentions.extend(entity.mentions)
            kept.alt_labels |= entity.alt_labels
            for name, value in entity.attrs.items():
                kept.attrs.setdefault(name, value)
        canonical_id[entity.local_id] = kept.local_id
    if known_label is not None:
        for iri, entity in merged.items():
            stored = known_label(iri)
            if stored is not None and stored != entity.label:
                entity.alt_labels.add(entity.label)
                entity.label = stored
    for entity in merged.values():
        entity.alt_labels.discard(entity.label)
        for name, value in list(entity.attrs.items()):
            if isinstance(value, str) and value in canonical_id:
                entity.attrs[name] = canonical_id[value]
    relations: list[Relation] = []
    seen: dict[tuple[str, str, str], Relation] = {}
    for rel in extraction.relations:
        if rel.subject not in canonical_id or rel.object not in canonical_id:
            continue
        s, o = canonical_id[rel.subject], canonical_id[rel.object]
        if s == o:
            continue
        triple = (s, rel.predicate, o)
        if triple in seen:
            seen[triple].evidence.extend(e for e in rel.evidence if e not in seen[triple].evidence)
            for k, v in rel.attrs.items():
                seen[triple].attrs.setdefault(k, v)
            continue
        new = Relation(s, rel.predicate, o, list(rel.evidence), dict(rel.attrs))
        seen[triple] = new
        relations.append(new)
    return Resolution(
        extraction=extraction,
        base=base,
        entities=list(merged.values()),
        iri=iri_of,
        relations=relations,
    )
