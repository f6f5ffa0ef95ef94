"""The annotation of one document that the extraction components pass from one to the next.

Like a spaCy ``Doc`` travelling through a pipeline, one ``Annotation`` goes through the components
of ``kg.extract.pipeline`` in their fixed order; each reads what the earlier ones wrote and adds its
own layer:

    tokens, sentences       made once (the spaCy tokenizer, gazetteer and sentence splitter)
    lines                   furniture: headline, menu and credit lines (``furniture``)
    entities + mentions     States, organisations, places, people, posts, events, documents
    facts                   relations between entities, each with the sentences that state it
    quotes                  quotations with their speakers

Token offsets index the spaCy doc; character offsets index ``text``, the document's text with
typographic characters normalised one-for-one (``kg.text.normalize``), so they are offsets into the
original text too.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from spacy.attrs import IDX
from spacy.tokens import Doc

from kg.extract.nlp import get_nlp, is_name_like, norm_key
from kg.model import Document, Kind, PartialDate
from kg.text import find_dateline, normalize

_PREFIX = {
    Kind.PERSON: "person",
    Kind.POST: "post",
    Kind.STATE: "state",
    Kind.ORGANIZATION: "org",
    Kind.EVENT: "event",
    Kind.DOCUMENT: "doc",
    Kind.PLACE: "place",
}
_SPACES = re.compile(r"\s+")
_CANON = [
    (re.compile(r"\bsecretary[ -]general\b", re.I), "Secretary-General"),
    (re.compile(r"\bunder[ -]secretary[ -]general\b", re.I), "Under-Secretary-General"),
    (re.compile(r"\bdirector[ -]general\b", re.I), "Director-General"),
]


@dataclass(eq=False)
class Mention:
    """Tokens ``[start, end)`` naming an entity; ``rule`` says which rule found it."""

    start: int
    end: int
    sent: int
    rule: str = ""
    #: what a component noted about this mention (a post's ``status`` word, ``plural``)
    attrs: dict[str, object] = field(default_factory=dict)


@dataclass(eq=False)
class Ent:
    """An entity of the document being read (kind, key, label, mentions, kind-specific attrs)."""

    kind: Kind
    key: str
    label: str
    id: str
    mentions: list[Mention] = field(default_factory=list)
    alt: set[str] = field(default_factory=set)
    attrs: dict[str, object] = field(default_factory=dict)
    #: events and documents: the word that made them ("meeting", "resolution"); posts: the head
    trigger: str = ""

    def first(self) -> int:
        return min((m.start for m in self.mentions), default=0)

    def __repr__(self) -> str:
        return f"<{self.id} {self.label!r}>"


@dataclass(eq=False)
class Fact:
    """``subject predicate object`` with the sentences that state it and qualifiers (``attrs``:
    a tenure's ``status``, ``start`` and ``end``)."""

    subject: Ent
    predicate: str
    object: Ent
    sents: set[int] = field(default_factory=set)
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Quote:
    """A quotation: characters ``[start, end)`` with its speaker and, if known, its event."""

    start: int
    end: int
    speaker: Ent
    event: Ent | None = None


class Annotation:
    """Tokens and sentences of one document, and the layers the components add to them."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.text = normalize(document.text)
        nlp = get_nlp()
        if len(self.text) >= nlp.max_length:
            nlp.max_length = len(self.text) + 1
        self.doc: Doc = nlp(self.text)
        doc = self.doc
        self.n = len(doc)
        self.texts: list[str] = [t.text for t in doc]
        self.lowers: list[str] = [t.lower() for t in self.texts]
        self.idx: list[int] = [int(i) for i in doc.to_array(IDX).tolist()] if self.n else []
        self.ends: list[int] = [i + len(t) for i, t in zip(self.idx, self.texts, strict=True)]
        self.space: list[bool] = [not t.strip() for t in self.texts]
        #: gazetteer label (STATE, STATE_ADJ, ORG, PLACE or "") and entity key per token
        self.gaz: list[str] = [t.ent_type_ for t in doc]
        self.gaz_iob: list[str] = [t.ent_iob_ for t in doc]
        self.gaz_key: list[str] = [t.ent_id_ for t in doc]
        self.name_like: list[bool] = [is_name_like(t) for t in self.texts]
        # sentences: token ranges of the sentences that have text; whitespace goes to the one before
        self.sents: list[tuple[int, int]] = []
        for s in doc.sents:
            if any(not self.space[i] for i in range(s.start, s.end)):
                self.sents.append((s.start, s.end))
        self.sent_of: list[int] = [0] * self.n
        for k, (a, b) in enumerate(self.sents):
            for i in range(a, b):
                self.sent_of[i] = k
        last = 0
        for i in range(self.n):
            if self.space[i]:
                self.sent_of[i] = last
            else:
                last = self.sent_of[i]
        self.sent_starts: frozenset[int] = frozenset(
            next(i for i in range(a, b) if not self.space[i]) for a, b in self.sents
        )
        #: tokens inside quotation marks (a line break closes an unclosed quotation)
        self.quoted: list[bool] = []
        inside = False
        for t in self.texts:
            if "\n" in t:
                inside = False
            if t == '"':
                self.quoted.append(True)
                inside = not inside
                continue
            self.quoted.append(inside)
        #: sentences that are page furniture (menus, credits, dates alone) and headline-like lines
        self.furniture: set[int] = set()
        self.headlines: set[int] = set()
        self.dateline = find_dateline(document.text)
        self.dateline_end = self.dateline.end if self.dateline is not None else 0
        self.reference: dt.date | None = document.issued
        self.entities: list[Ent] = []
        self.facts: dict[tuple[str, str, str], Fact] = {}
        self.quotes: list[Quote] = []
        self.warnings: list[str] = []
        #: names a statistical model proposed (``kg.extract.backstop``), for ``people`` to check
        self.candidates: list[Any] = []
        self._counters: dict[Kind, int] = {}
        self._by_key: dict[tuple[Kind, str], Ent] = {}
        self._at: dict[int, list[tuple[Mention, Ent]]] | None = None

    # -- text ---------------------------------------------------------------------------------

    def span_text(self, start: int, end: int) -> str:
        return self.text[self.idx[start] : self.ends[end - 1]] if end > start else ""

    def label(self, start: int, end: int) -> str:
        """The label of tokens ``[start, end)``: their text with spaces collapsed, as the text spells it."""
        return _SPACES.sub(" ", self.span_text(start, end)).strip()

    def sent_text(self, sent: int) -> str:
        a, b = self.sents[sent]
        return self.span_text(a, b)

    def sent_range(self, sent: int) -> tuple[int, int]:
        return self.sents[sent]

    def token_at(self, char: int) -> int:
        """The token covering character ``char`` (or the next one)."""
        from bisect import bisect_right

        return max(0, bisect_right(self.idx, char) - 1)

    def is_cap(self, i: int) -> bool:
        return 0 <= i < self.n and self.texts[i][:1].isupper()

    def words(self, start: int, end: int) -> list[str]:
        return [self.texts[i] for i in range(start, end) if not self.space[i]]

    # -- entities -----------------------------------------------------------------------------

    def entity(self, kind: Kind, key: str, label: str, trigger: str = "") -> Ent:
        """The entity of ``kind`` with ``key``, made when new."""
        found = self._by_key.get((kind, key))
        if found is not None:
            if label and label != found.label:
                found.alt.add(label)  # the same entity, spelled another way
            return found
        n = self._counters[kind] = self._counters.get(kind, 0) + 1
        ent = Ent(kind, key, label, f"{_PREFIX[kind]}-{n}", trigger=trigger)
        self.entities.append(ent)
        self._by_key[(kind, key)] = ent
        return ent

    def find(self, kind: Kind, key: str) -> Ent | None:
        return self._by_key.get((kind, key))

    def rekey(self, ent: Ent, key: str, label: str | None = None) -> Ent:
        """Give ``ent`` a new key (and label); merges into the entity that already has that key."""
        other = self._by_key.get((ent.kind, key))
        if other is not None and other is not ent:
            self.merge(other, ent)
            if label is not None and label != other.label:
                other.alt.add(label)
            return other
        self._by_key.pop((ent.kind, ent.key), None)
        ent.key = key
        if label is not None and label != ent.label:
            ent.alt.add(ent.label)
            ent.label = label
        self._by_key[(ent.kind, key)] = ent
        return ent

    def mention(self, ent: Ent, start: int, end: int, rule: str = "") -> Mention:
        for m in ent.mentions:
            if m.start == start and m.end == end:
                return m
        m = Mention(start, end, self.sent_of[start], rule)
        ent.mentions.append(m)
        if self._at is not None:
            for t in range(start, end):
                self._at.setdefault(t, []).append((m, ent))
        return m

    def add(self, kind: Kind, key: str, label: str, start: int, end: int, rule: str = "") -> Ent:
        ent = self.entity(kind, key, label)
        self.mention(ent, start, end, rule)
        return ent

    def of_kind(self, *kinds: Kind) -> list[Ent]:
        return [e for e in self.entities if e.kind in kinds]

    def remove(self, ent: Ent) -> None:
        if ent in self.entities:
            self.entities.remove(ent)
        if self._by_key.get((ent.kind, ent.key)) is ent:
            del self._by_key[(ent.kind, ent.key)]
        for key in [k for k, f in self.facts.items() if f.subject is ent or f.object is ent]:
            del self.facts[key]
        for q in list(self.quotes):
            if q.speaker is ent:
                self.quotes.remove(q)
            elif q.event is ent:
                q.event = None
        self._at = None

    def drop_mention(self, ent: Ent, mention: Mention) -> None:
        if mention in ent.mentions:
            ent.mentions.remove(mention)
            self._at = None
        if not ent.mentions:
            self.remove(ent)

    def merge(self, keep: Ent, drop: Ent) -> None:
        """Fold ``drop`` into ``keep``: mentions, labels, attributes and facts."""
        if keep is drop:
            return
        for m in drop.mentions:
            if not any(m.start == k.start and m.end == k.end for k in keep.mentions):
                keep.mentions.append(m)
        keep.alt |= drop.alt | ({drop.label} - {keep.label})
        for k, v in drop.attrs.items():
            keep.attrs.setdefault(k, v)
        for f in list(self.facts.values()):
            s = keep if f.subject is drop else f.subject
            o = keep if f.object is drop else f.object
            if s is f.subject and o is f.object:
                continue
            del self.facts[(f.subject.id, f.predicate, f.object.id)]
            if s is not o:
                self.fact(s, f.predicate, o, f.sents, **f.attrs)
        for q in self.quotes:
            if q.speaker is drop:
                q.speaker = keep
            if q.event is drop:
                q.event = keep
        for e in self.entities:
            for k, v in list(e.attrs.items()):
                if v is drop:
                    e.attrs[k] = keep
        if drop in self.entities:
            self.entities.remove(drop)
        if self._by_key.get((drop.kind, drop.key)) is drop:
            del self._by_key[(drop.kind, drop.key)]
        self._at = None

    # -- lookups ------------------------------------------------------------------------------

    def _index(self) -> dict[int, list[tuple[Mention, Ent]]]:
        if self._at is None:
            at: dict[int, list[tuple[Mention, Ent]]] = {}
            for e in self.entities:
                for m in e.mentions:
                    for t in range(m.start, m.end):
                        at.setdefault(t, []).append((m, e))
            self._at = at
        return self._at

    def at(self, token: int, *kinds: Kind) -> list[tuple[Mention, Ent]]:
        """The mentions covering ``token`` (of ``kinds``, or of any kind), outermost first."""
        found = [(m, e) for m, e in self._index().get(token, ()) if not kinds or e.kind in kinds]
        found.sort(key=lambda me: (me[0].start - me[0].end, me[0].start))
        return found

    def ent_at(self, token: int, *kinds: Kind) -> Ent | None:
        found = self.at(token, *kinds)
        return found[0][1] if found else None

    def starting_at(self, token: int, *kinds: Kind) -> tuple[Mention, Ent] | None:
        """The longest mention of ``kinds`` that starts at ``token``."""
        for m, e in self.at(token, *kinds):
            if m.start == token:
                return m, e
        return None

    def ending_at(self, token: int, *kinds: Kind) -> tuple[Mention, Ent] | None:
        """The longest mention of ``kinds`` whose last token is ``token``."""
        for m, e in self.at(token, *kinds):
            if m.end == token + 1:
                return m, e
        return None

    def covered(self, start: int, end: int, *kinds: Kind) -> bool:
        idx = self._index()
        return any(any(not kinds or e.kind in kinds for _, e in idx.get(t, ())) for t in range(start, end))

    def in_sent(self, sent: int, *kinds: Kind) -> list[tuple[Mention, Ent]]:
        """The mentions of ``kinds`` that start in sentence ``sent``, in text order."""
        a, b = self.sents[sent]
        out = [
            (m, e)
            for e in self.entities
            if not kinds or e.kind in kinds
            for m in e.mentions
            if a <= m.start < b
        ]
        out.sort(key=lambda me: (me[0].start, me[0].start - me[0].end))
        return out

    def in_range(self, start: int, end: int, *kinds: Kind) -> list[tuple[Mention, Ent]]:
        """The outermost mentions of ``kinds`` that start in tokens ``[start, end)``, in text order."""
        out: list[tuple[Mention, Ent]] = []
        t = start
        while t < end:
            found = self.starting_at(t, *kinds)
            if found is None:
                t += 1
                continue
            out.append(found)
            t = max(found[0].end, t + 1)
        return out

    def last_before(self, token: int, *kinds: Kind, within: int | None = None) -> Ent | None:
        """The entity of ``kinds`` mentioned last before ``token`` (within ``within`` tokens)."""
        best: tuple[int, Ent] | None = None
        for e in self.entities:
            if e.kind not in kinds:
                continue
            for m in e.mentions:
                near = m.end <= token and (within is None or token - m.end <= within)
                if near and (best is None or m.start > best[0]):
                    best = (m.start, e)
        return best[1] if best else None

    # -- facts --------------------------------------------------------------------------------

    def fact(
        self, s: Ent | None, p: str, o: Ent | None, sents: int | Iterable[int], **attrs: object
    ) -> Fact | None:
        if s is None or o is None or s is o:
            return None
        key = (s.id, p, o.id)
        f = self.facts.get(key)
        if f is None:
            f = self.facts[key] = Fact(s, p, o)
        f.sents.update([sents] if isinstance(sents, int) else sents)
        for k, v in attrs.items():
            if v is not None:
                f.attrs.setdefault(k, v)
        return f

    def facts_of(self, predicate: str, subject: Ent | None = None, obj: Ent | None = None) -> Iterator[Fact]:
        for f in list(self.facts.values()):
            if (
                f.predicate == predicate
                and (subject is None or f.subject is subject)
                and (obj is None or f.object is obj)
            ):
                yield f

    def drop_fact(self, f: Fact) -> None:
        self.facts.pop((f.subject.id, f.predicate, f.object.id), None)

    # -- sentences ----------------------------------------------------------------------------

    def is_headline(self, sent: int) -> bool:
        return sent in self.headlines

    def is_body(self, sent: int) -> bool:
        return sent not in self.headlines and sent not in self.furniture


def key_of(text: str) -> str:
    """The key of a name: ``norm_key`` of its usual spelling, so that "Secretary General" and
    "Secretary-General" (or "Director General") are one key."""
    low = text.lower()
    if "general" in low:
        for pattern, canon in _CANON:
            text = pattern.sub(canon, text)
    return norm_key(text)


def dates_order(d: PartialDate) -> tuple[int, int, int]:
    return (d.year, d.month or 0, d.day or 0)
