"""The seed release (shared corpus): what the issue says must come out of it."""

from __future__ import annotations

import json
from pathlib import Path

from kg.evaluate import score_document
from kg.extract import extract
from kg.ingest import read_document
from kg.model import Kind

from .conftest import SEED_ID


def _facts(x):
    names = {e.local_id: e.label for e in x.entities}
    return {(names[r.subject], r.predicate, names[r.object]) for r in x.relations}


def test_seed_entities_and_facts(shared_corpus: Path) -> None:
    x = extract(read_document(shared_corpus / f"{SEED_ID}.txt"))
    people = {e.label for e in x.entities if e.kind == Kind.PERSON}
    assert people == {
        "Louise Arbour",
        "Miroslav Lajčák",
        "Juan José Ignacio Gómez Camacho",
        "Jürg Lauber",
        "Pope Francis",
        "Giancarlo Summa",
    }
    assert {e.key for e in x.entities if e.kind == Kind.STATE} == {"MEX", "CHE", "MAR"}
    meeting = next(
        e
        for e in x.entities
        if e.kind == Kind.EVENT and e.label.startswith("preparatory stocktaking meeting")
    )
    assert (meeting.attrs["start"].iso(), meeting.attrs["end"].iso()) == ("2017-12-04", "2017-12-06")
    assert x.entity(str(meeting.attrs["location"])).label == "Puerto Vallarta"
    assert len([e for e in x.entities if e.kind == Kind.DOCUMENT]) == 3
    facts = _facts(x)
    lauber = "Jürg Lauber"
    assert (lauber, "holds", "Permanent Representative of Switzerland to the United Nations") in facts
    assert (lauber, "representativeOf", "Switzerland") in facts
    assert (lauber, "chairs", meeting.label) in facts
    iom = next(e for e in x.entities if e.kind == Kind.ORGANIZATION and e.label == "IOM")
    assert iom.key == "international organization for migration"


def test_seed_scores_against_its_gold(shared_corpus: Path) -> None:
    gold = json.loads((shared_corpus / "gold" / f"{SEED_ID}.json").read_text(encoding="utf-8"))
    report = score_document(gold, extract(read_document(shared_corpus / f"{SEED_ID}.txt")))
    for kind, score in report.scores.items():
        assert score.f1 >= 0.99 or score.tp + score.fn == 0, (kind, report.missed, report.spurious)
    assert report.relations.recall == 1.0, report.missed
