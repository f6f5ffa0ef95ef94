"""Links as data: a link decision and the RDF that records it.

Every decision the linker takes (offline or online) becomes one :class:`LinkDecision`, written as

* the link itself, ``<entity> skos:exactMatch <target>`` (``owl:sameAs`` too when a person
  confirmed it), only when the decision is ``linked`` or ``confirmed``;
* a **link record** ``<base>link/<sha1(subject target)>``, a ``kg:LinkRecord`` (a ``prov:Entity``:
  a statement generated at a time) saying what it links, how (``kg:method``), with which score,
  threshold and decision, from which source, when, and which candidates were considered;
* one ``kg:LinkCandidate`` per candidate, ``<record>/candidate/<n>``, with its target, score and
  label. Named graphs hold no blank nodes, so every node here has a minted IRI.

The triples depend only on the decision, never on the clock: offline records carry the review date
of the tables, online records the time the answer was first received (kept in the cache).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

import pyoxigraph as ox

from kg.namespaces import KG, OWL, PROV, RDF, RDFS, SKOS, XSD

Decision = Literal["linked", "confirmed", "ambiguous", "below-threshold", "no-candidate"]

#: Decisions that assert a link (``skos:exactMatch``) in the graph.
LINKING: frozenset[str] = frozenset({"linked", "confirmed"})


def _n(iri: object) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


T_RECORD = _n(KG.LinkRecord)
T_CANDIDATE = _n(KG.LinkCandidate)
P_TYPE = _n(RDF.type)
P_LABEL = _n(RDFS.label)
P_EXACT = _n(SKOS.exactMatch)
P_SAME = _n(OWL.sameAs)
P_SUBJECT = _n(KG.linkSubject)
P_TARGET = _n(KG.linkTarget)
P_METHOD = _n(KG.method)
P_SCORE = _n(KG.score)
P_THRESHOLD = _n(KG.threshold)
P_DECISION = _n(KG.decision)
P_SOURCE = _n(KG.linkSource)
P_MATCHED = _n(KG.matchedOn)
P_CANDIDATE = _n(KG.candidate)
P_COUNT = _n(KG.candidateCount)
P_TIME = _n(PROV.generatedAtTime)
D_DECIMAL = _n(XSD.decimal)
D_INTEGER = _n(XSD.integer)
D_DATETIME = _n(XSD.dateTime)


@dataclass(frozen=True)
class Candidate:
    """One target the linker considered, with its score in [0, 1]."""

    target: str
    score: float
    label: str = ""


@dataclass(frozen=True)
class LinkDecision:
    """What the linker decided for one entity and one target vocabulary."""

    subject: str
    method: str
    decision: Decision
    score: float
    threshold: float
    source: str
    generated: dt.datetime
    target: str | None = None
    matched_on: str = ""
    candidates: Sequence[Candidate] = field(default_factory=tuple)

    @property
    def links(self) -> bool:
        return self.decision in LINKING and self.target is not None


def decimal(value: float) -> ox.Literal:
    """An ``xsd:decimal`` rounded to three places, written as the store writes it back (``1``, ``0.9``)."""
    return ox.Literal(format(Decimal(f"{value:.3f}").normalize(), "f"), datatype=D_DECIMAL)


def datetime_literal(value: dt.datetime) -> ox.Literal:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    text = value.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return ox.Literal(text, datatype=D_DATETIME)


def record_iri(base: str, subject: str, target: str | None, method: str) -> str:
    """The link record's IRI: stable for a (subject, target) pair, or (subject, method) without target."""
    key = f"{subject}\n{target}" if target is not None else f"{subject}\n{method}\nunlinked"
    return f"{base}link/{hashlib.sha1(key.encode('utf-8')).hexdigest()}"


def decision_triples(base: str, d: LinkDecision) -> list[ox.Triple]:
    """The link (if any), its record and its candidates."""
    subject = _n(d.subject)
    rec = _n(record_iri(base, d.subject, d.target if d.links else None, d.method))
    out: list[ox.Triple] = []
    if d.links:
        assert d.target is not None
        out.append(ox.Triple(subject, P_EXACT, _n(d.target)))
        if d.decision == "confirmed":
            out.append(ox.Triple(subject, P_SAME, _n(d.target)))
        out.append(ox.Triple(rec, P_TARGET, _n(d.target)))
    out += [
        ox.Triple(rec, P_TYPE, T_RECORD),
        ox.Triple(rec, P_SUBJECT, subject),
        ox.Triple(rec, P_METHOD, ox.Literal(d.method)),
        ox.Triple(rec, P_DECISION, ox.Literal(d.decision)),
        ox.Triple(rec, P_SCORE, decimal(d.score)),
        ox.Triple(rec, P_THRESHOLD, decimal(d.threshold)),
        ox.Triple(rec, P_SOURCE, ox.Literal(d.source)),
        ox.Triple(rec, P_TIME, datetime_literal(d.generated)),
        ox.Triple(rec, P_COUNT, ox.Literal(str(len(d.candidates)), datatype=D_INTEGER)),
    ]
    if d.matched_on:
        out.append(ox.Triple(rec, P_MATCHED, ox.Literal(d.matched_on)))
    ranked = sorted(d.candidates, key=lambda c: (-round(c.score, 3), c.target))
    for n, c in enumerate(ranked, start=1):
        node = _n(f"{rec.value}/candidate/{n}")
        out += [
            ox.Triple(rec, P_CANDIDATE, node),
            ox.Triple(node, P_TYPE, T_CANDIDATE),
            ox.Triple(node, P_TARGET, _n(c.target)),
            ox.Triple(node, P_SCORE, decimal(c.score)),
        ]
        if c.label:
            out.append(ox.Triple(node, P_LABEL, ox.Literal(c.label)))
    return out


def graph_triples(base: str, decisions: Iterable[LinkDecision]) -> list[ox.Triple]:
    """All decisions as one deduplicated, sorted list of triples."""
    seen: dict[str, ox.Triple] = {}
    for d in decisions:
        for t in decision_triples(base, d):
            seen.setdefault(str(t), t)
    return [seen[k] for k in sorted(seen)]


def content_hash(triples: Iterable[ox.Triple]) -> str:
    """SHA-256 over the sorted N-Triples lines: equal graphs give equal hashes."""
    lines = sorted(f"{t.subject} {t.predicate} {t.object} ." for t in triples)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


__all__ = [
    "LINKING",
    "Candidate",
    "Decision",
    "LinkDecision",
    "content_hash",
    "datetime_literal",
    "decimal",
    "decision_triples",
    "graph_triples",
    "record_iri",
]
