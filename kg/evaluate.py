"""Scoring the extractor against hand-written gold files (``<id>.json``, schema in the corpus README).

    report = evaluate(Path("gold"), Path("texts"))
    print(format_table(report))
    json.dumps(report.to_json())

Strings are compared after normalisation (NFKC, U+2010/U+2011 to "-", U+00A0 to space, whitespace
collapsed, casefolded). A predicted person matches a gold person by any of its mentions; States and
organisations by their key (a gold name is looked up in the gazetteer) or their names; offices by
holder plus a fuzzy label match; events by label similarity, helped by place and date; documents
by label or alias; locations by name. Relations are (subject, predicate, object) triples after the
entities are aligned. Matching is one-to-one and greedy. Scores are micro-averaged.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path
from typing import Any

from kg.errors import InputError
from kg.extract import extract, resources
from kg.ingest import read_document
from kg.model import Entity, Extraction, Kind, PartialDate

#: Entity types scored, in the order of the table (gold file keys).
TYPES = ("people", "offices", "states", "organizations", "events", "documents", "locations")


@dataclass
class Score:
    """True positives, false positives and false negatives, with the usual ratios."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Score) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def to_json(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass
class DocumentReport:
    """Scores of one document, with the unmatched gold items (missed) and predictions (spurious)."""

    doc_id: str
    scores: dict[str, Score] = field(default_factory=dict)
    relations: Score = field(default_factory=Score)
    missed: list[str] = field(default_factory=list)
    spurious: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "doc": self.doc_id,
            "scores": {k: v.to_json() for k, v in self.scores.items()},
            "relations": self.relations.to_json(),
            "missed": self.missed,
            "spurious": self.spurious,
        }


@dataclass
class EvaluationReport:
    """Per-type, relation and overall scores over a set of documents."""

    types: dict[str, Score] = field(default_factory=lambda: {t: Score() for t in TYPES})
    relations: Score = field(default_factory=Score)
    documents: list[DocumentReport] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def entities(self) -> Score:
        """All entity types together (micro-averaged)."""
        total = Score()
        for score in self.types.values():
            total.add(score)
        return total

    def to_json(self) -> dict[str, Any]:
        return {
            "types": {k: v.to_json() for k, v in self.types.items()},
            "entities": self.entities.to_json(),
            "relations": self.relations.to_json(),
            "documents": [d.to_json() for d in self.documents],
            "warnings": self.warnings,
            "errors": self.errors,
        }


# ---------------------------------------------------------------- normalisation and similarity

_STOP = frozenset({"the", "of", "a", "an", "to", "for", "on", "in", "at", "and", "its", "this", "'s"})


def norm(text: str) -> str:
    """NFKC, hyphen and no-break-space variants unified, whitespace collapsed, casefolded."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u2010", "-").replace("\u2011", "-").replace("\u00a0", " ")
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2013", "-").replace("\u2014", "-")
    return re.sub(r"\s+", " ", text).strip().casefold()


def _content(text: str) -> list[str]:
    text = norm(text).replace("-", " ")
    text = re.sub(r"[^\w/ ']", " ", text)
    return [w for w in text.split() if w not in _STOP]


def similarity(a: str, b: str) -> float:
    """1.0 for the same content words, 0.9 when one's content words are a subset of the other's
    (at least two), else the character-level ratio of the normalised strings."""
    ca, cb = _content(a), _content(b)
    if not ca or not cb:
        return 0.0
    sa, sb = set(ca), set(cb)
    if sa == sb:
        return 1.0
    small, large = (sa, sb) if len(sa) <= len(sb) else (sb, sa)
    if len(small) >= 2 and small <= large:
        return 0.9
    return SequenceMatcher(None, " ".join(ca), " ".join(cb)).ratio()


def _strip_un(text: str) -> str:
    return re.sub(r"^(un|u\.n\.|united nations)\s+", "", norm(text))


def office_similarity(a: str, b: str) -> float:
    """Post labels: as ``similarity``, also after dropping a leading "UN" / "United Nations"."""
    best = max(similarity(a, b), similarity(_strip_un(a), _strip_un(b)))
    if _content(_strip_un(a)) == _content(_strip_un(b)):
        best = 1.0
    ca, cb = set(_content(_strip_un(a))), set(_content(_strip_un(b)))
    if ca and cb and (ca <= cb or cb <= ca):
        best = max(best, 0.85)
    return best


@cache
def _gazetteer_keys() -> tuple[dict[str, str], dict[str, str]]:
    """Normalised State and organisation names (and variants, acronyms, demonyms) -> key."""
    states: dict[str, str] = {}
    for s in resources.load("states")["states"]:
        for name in [s["name"], *s["variants"], *s["demonyms"]]:
            states[norm(re.sub(r"^the ", "", name, flags=re.I))] = s["iso3"]
    orgs: dict[str, str] = {}
    for o in resources.load("organizations")["organizations"]:
        for name in [o["name"], *o["acronyms"], *o["variants"]]:
            orgs[norm(name)] = norm(o["name"])
    return states, orgs


def _names(entity: Entity) -> set[str]:
    return (
        {norm(entity.label)} | {norm(a) for a in entity.alt_labels} | {norm(m.text) for m in entity.mentions}
    )


def _date(value: object) -> str | None:
    return value.iso() if isinstance(value, PartialDate) else None


# ---------------------------------------------------------------- alignment


@dataclass
class _Aligned:
    """Gold item -> predicted local id, per type; and the (type, gold text) of every gold item."""

    ids: dict[tuple[str, str], str] = field(default_factory=dict)


def _greedy(
    gold: list[Any], pred: list[Any], score: Callable[[Any, Any], float], threshold: float
) -> list[tuple[int, int]]:
    pairs = sorted(
        ((score(g, p), gi, pi) for gi, g in enumerate(gold) for pi, p in enumerate(pred)),
        key=lambda x: -x[0],
    )
    used_g: set[int] = set()
    used_p: set[int] = set()
    out: list[tuple[int, int]] = []
    for s, gi, pi in pairs:
        if s < threshold or gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        out.append((gi, pi))
    return out


def score_document(gold: dict[str, Any], extraction: Extraction) -> DocumentReport:
    """Score one extraction against one gold annotation."""
    report = DocumentReport(doc_id=str(gold.get("doc", extraction.document.doc_id)))
    by_kind: dict[Kind, list[Entity]] = {}
    for e in extraction.entities:
        by_kind.setdefault(e.kind, []).append(e)
    states_gz, orgs_gz = _gazetteer_keys()
    align: dict[str, str] = {}  # "<type>:<normalised gold string>" -> local id
    entity_by_id = {e.local_id: e for e in extraction.entities}

    def record(kind: str, gold_items: list[str], preds: list[str], pairs: list[tuple[int, int]]) -> None:
        sc = Score(tp=len(pairs), fp=len(preds) - len(pairs), fn=len(gold_items) - len(pairs))
        report.scores[kind] = sc
        matched_g = {g for g, _ in pairs}
        matched_p = {p for _, p in pairs}
        report.missed += [f"{kind}: {g}" for i, g in enumerate(gold_items) if i not in matched_g]
        report.spurious += [f"{kind}: {p}" for i, p in enumerate(preds) if i not in matched_p]

    # people
    people = by_kind.get(Kind.PERSON, [])
    gold_people = gold.get("people", [])

    def person_score(g: dict[str, Any], p: Entity) -> float:
        gold_names = {norm(g["name"])} | {norm(m) for m in g.get("mentions", [])}
        return 1.0 if gold_names & _names(p) else 0.0

    pairs = _greedy(gold_people, people, person_score, 1.0)
    for gi, pi in pairs:
        align[f"person:{norm(gold_people[gi]['name'])}"] = people[pi].local_id
    record("people", [g["name"] for g in gold_people], [p.label for p in people], pairs)

    # states
    states = by_kind.get(Kind.STATE, [])
    gold_states = gold.get("states", [])

    def state_score(g: str, p: Entity) -> float:
        key = states_gz.get(norm(g))
        return 1.0 if (key is not None and key == p.key) or norm(g) in _names(p) else 0.0

    pairs = _greedy(gold_states, states, state_score, 1.0)
    for gi, pi in pairs:
        align[f"state:{norm(gold_states[gi])}"] = states[pi].local_id
    record("states", gold_states, [p.label for p in states], pairs)

    # organisations
    orgs = by_kind.get(Kind.ORGANIZATION, [])
    gold_orgs = gold.get("organizations", [])

    def org_score(g: str, p: Entity) -> float:
        key = orgs_gz.get(norm(g))
        if key is not None and key == p.key:
            return 1.0
        return 1.0 if norm(g) in _names(p) or norm(g) == p.key else 0.0

    pairs = _greedy(gold_orgs, orgs, org_score, 1.0)
    for gi, pi in pairs:
        align[f"org:{norm(gold_orgs[gi])}"] = orgs[pi].local_id
    record("organizations", gold_orgs, [p.label for p in orgs], pairs)

    # locations (only when the gold file lists them)
    places = by_kind.get(Kind.PLACE, [])
    if "locations" in gold:
        gold_locs = gold.get("locations", [])
        pairs = _greedy(
            gold_locs, places, lambda g, p: 1.0 if norm(g) in _names(p) else similarity(g, p.label), 0.9
        )
        for gi, pi in pairs:
            align[f"place:{norm(gold_locs[gi])}"] = places[pi].local_id
        record("locations", gold_locs, [p.label for p in places], pairs)
    else:
        report.scores["locations"] = Score()

    # offices: (post, holder) pairs from the holds relations, and posts nobody holds
    posts = {e.local_id: e for e in by_kind.get(Kind.POST, [])}
    holders: dict[str, list[str]] = {}
    for rel in extraction.relations:
        if rel.predicate == "holds" and rel.object in posts:
            holders.setdefault(rel.object, []).append(rel.subject)
    offices: list[tuple[Entity, str | None]] = []
    for pid, post in posts.items():
        for h in holders.get(pid, []) or [None]:  # type: ignore[list-item]
            offices.append((post, h))
    gold_offices = gold.get("offices", [])

    def office_score(g: dict[str, Any], p: tuple[Entity, str | None]) -> float:
        post, holder = p
        if g.get("holder"):
            want = align.get(f"person:{norm(g['holder'])}")
            if want is None or want != holder:
                return 0.0
            return (
                office_similarity(g["label"], post.label)
                if office_similarity(g["label"], post.label) >= 0.55
                else 0.0
            )
        if holder is not None:
            return 0.0
        s = office_similarity(g["label"], post.label)
        return s if s >= 0.8 else 0.0

    pairs = _greedy(gold_offices, offices, office_score, 0.55)
    for gi, pi in pairs:
        g = gold_offices[gi]
        align[f"office:{norm(g['label'])}|{norm(g.get('holder') or '')}"] = offices[pi][0].local_id
        align.setdefault(f"office:{norm(g['label'])}", offices[pi][0].local_id)
    record(
        "offices",
        [f"{g['label']} [{g.get('holder')}]" for g in gold_offices],
        [f"{p.label} [{entity_by_id[h].label if h else None}]" for p, h in offices],
        pairs,
    )

    # events
    events = by_kind.get(Kind.EVENT, [])
    gold_events = gold.get("events", [])

    def event_score(g: dict[str, Any], p: Entity) -> float:
        sim = max(similarity(g["label"], name) for name in {p.label, *p.alt_labels})
        bonus = 0.0
        loc = p.attrs.get("location")
        if (
            g.get("location")
            and isinstance(loc, str)
            and loc in entity_by_id
            and norm(g["location"]) in _names(entity_by_id[loc])
        ):
            bonus += 0.2
        if g.get("start") and _date(p.attrs.get("start")) == g["start"]:
            bonus += 0.2
        return sim + bonus

    pairs = _greedy(gold_events, events, event_score, 0.6)
    for gi, pi in pairs:
        align[f"event:{norm(gold_events[gi]['label'])}"] = events[pi].local_id
    record("events", [g["label"] for g in gold_events], [p.label for p in events], pairs)

    # documents
    documents = by_kind.get(Kind.DOCUMENT, [])
    gold_docs = gold.get("documents", [])

    def doc_score(g: dict[str, Any], p: Entity) -> float:
        gold_names = [g["label"], *g.get("aliases", [])] + ([g["title"]] if g.get("title") else [])
        pred_names = {p.label, *p.alt_labels} | ({str(p.attrs["symbol"])} if "symbol" in p.attrs else set())
        return max(similarity(a, b) for a in gold_names for b in pred_names)

    pairs = _greedy(gold_docs, documents, doc_score, 0.75)
    for gi, pi in pairs:
        g = gold_docs[gi]
        for name in [g["label"], *g.get("aliases", [])]:
            align[f"document:{norm(name)}"] = documents[pi].local_id
    record("documents", [g["label"] for g in gold_docs], [p.label for p in documents], pairs)

    # relations
    def resolve(text: str, predicate: str, subject: str | None, as_object: bool) -> str | None:
        n = norm(text)
        if predicate == "holds" and as_object:
            found = align.get(f"office:{n}|{norm(subject or '')}") or align.get(f"office:{n}")
            if found:
                return found
        for prefix in ("person", "state", "org", "event", "document", "place", "office"):
            found = align.get(f"{prefix}:{n}")
            if found:
                return found
        key = states_gz.get(n)
        if key:
            return next((e.local_id for e in states if e.key == key), None)
        key = orgs_gz.get(n)
        if key:
            return next((e.local_id for e in orgs if e.key == key), None)
        for e in places:
            if n in _names(e):
                return e.local_id
        return None

    predicted = {(r.subject, r.predicate, r.object) for r in extraction.relations}
    matched: set[tuple[str, str, str]] = set()
    missed_rel: list[str] = []
    for g in gold.get("relations", []):
        s = resolve(g["s"], g["p"], None, False)
        o = resolve(g["o"], g["p"], g["s"], True)
        triple = (s or "?", g["p"], o or "?")
        if s and o and triple in predicted and triple not in matched:
            matched.add(triple)
        else:
            missed_rel.append(f"relation: {g['s']} {g['p']} {g['o']}")
    report.relations = Score(tp=len(matched), fp=len(predicted - matched), fn=len(missed_rel))
    report.missed += missed_rel
    for s, p, o in sorted(predicted - matched):
        report.spurious.append(f"relation: {entity_by_id[s].label} {p} {entity_by_id[o].label}")
    return report


def evaluate(
    gold_dir: Path, text_dir: Path, extractor: Callable[..., Extraction] = extract
) -> EvaluationReport:
    """Extract every text in ``text_dir`` that has a gold file in ``gold_dir`` and score it.

    A text without a gold file is reported in ``errors``; a gold file without its text is skipped
    with a warning. Raises InputError when a folder does not exist or holds nothing to score.
    """
    for folder in (gold_dir, text_dir):
        if not folder.is_dir():
            raise InputError(str(folder), "no such folder", "give the gold folder and the text folder")
    golds = {p.stem: p for p in sorted(gold_dir.glob("*.json"))}
    texts = {p.stem: p for p in sorted(text_dir.glob("*.txt"))}
    if not golds:
        raise InputError(str(gold_dir), "no gold files (<id>.json) in the folder")
    report = EvaluationReport()
    for doc_id in sorted(set(texts) - set(golds)):
        report.errors.append(f"{texts[doc_id]}: no gold file {doc_id}.json in {gold_dir}")
    for doc_id in sorted(set(golds) - set(texts)):
        report.warnings.append(f"{golds[doc_id]}: no text {doc_id}.txt in {text_dir}; skipped")
    for doc_id in sorted(set(golds) & set(texts)):
        with golds[doc_id].open(encoding="utf-8") as f:
            gold = json.load(f)
        document = read_document(texts[doc_id])
        doc_report = score_document(gold, extractor(document))
        doc_report.doc_id = doc_id
        report.documents.append(doc_report)
        for kind, score in doc_report.scores.items():
            report.types[kind].add(score)
        report.relations.add(doc_report.relations)
    if not report.documents:
        raise InputError(
            str(text_dir), f"no text has a gold file in {gold_dir}", "name texts <id>.txt after <id>.json"
        )
    return report


def format_table(report: EvaluationReport) -> str:
    """The scores as a plain-text table (one row per entity type, then entities and relations)."""
    rows: list[tuple[str, Score]] = [(t, report.types[t]) for t in TYPES]
    rows += [("entities (all)", report.entities), ("relations", report.relations)]
    lines = [f"{'type':<16}{'gold':>6}{'pred':>6}{'tp':>6}{'P':>8}{'R':>8}{'F1':>8}"]
    for name, s in rows:
        if name == "entities (all)":
            lines.append("-" * len(lines[0]))
        counts = f"{name:<16}{s.tp + s.fn:>6}{s.tp + s.fp:>6}{s.tp:>6}"
        lines.append(f"{counts}{s.precision:>8.3f}{s.recall:>8.3f}{s.f1:>8.3f}")
    lines.append(f"documents: {len(report.documents)}")
    lines += [f"warning: {w}" for w in report.warnings]
    lines += [f"error: {e}" for e in report.errors]
    return "\n".join(lines) + "\n"


def error_kinds(report: EvaluationReport) -> list[tuple[str, int]]:
    """The most common kinds of error: missed / spurious per type, most frequent first."""
    counts: dict[str, int] = {}
    for d in report.documents:
        for prefix, items in (("missed", d.missed), ("spurious", d.spurious)):
            for item in items:
                kind = item.split(":", 1)[0]
                if kind == "relation":
                    kind = f"relation {_predicate(item)}"
                counts[f"{prefix} {kind}"] = counts.get(f"{prefix} {kind}", 0) + 1
    return sorted(counts.items(), key=lambda kv: -kv[1])


def _predicate(item: str) -> str:
    for p in resources.load("actions")["predicates"]:
        if f" {p} " in item:
            return str(p)
    return "?"
