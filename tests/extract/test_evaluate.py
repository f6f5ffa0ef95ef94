"""kg.evaluate on a tiny gold set written for this test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.evaluate import evaluate, format_table, similarity

TEXT = (
    "ALDERBURG, Norway, 13 November \u2014 The Regional Forum on Water Security concluded today.\n\n"
    "The forum was chaired by Ingrid Solberg-Vik, Permanent Representative of Norway to the United Nations.\n"
)
GOLD = {
    "doc": "a",
    "people": [{"name": "Ingrid Solberg-Vik", "mentions": ["Ingrid Solberg-Vik"]}],
    "offices": [
        {"label": "Permanent Representative of Norway to the United Nations", "holder": "Ingrid Solberg-Vik"}
    ],
    "states": ["Norway"],
    "organizations": ["UN"],
    "events": [{"label": "Regional Forum on Water Security", "location": "Alderburg", "start": None}],
    "documents": [],
    "relations": [
        {"s": "Ingrid Solberg-Vik", "p": "representativeOf", "o": "Norway"},
        {"s": "Ingrid Solberg-Vik", "p": "chairs", "o": "Regional Forum on Water Security"},
        {"s": "Ingrid Solberg-Vik", "p": "appoints", "o": "Ingrid Solberg-Vik"},
    ],
    "locations": ["Alderburg"],
}


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    gold, texts = tmp_path / "gold", tmp_path / "texts"
    gold.mkdir()
    texts.mkdir()
    (gold / "a.json").write_text(json.dumps(GOLD), encoding="utf-8")
    (texts / "a.txt").write_text(TEXT, encoding="utf-8")
    (gold / "b.json").write_text(json.dumps({"doc": "b"}), encoding="utf-8")
    (texts / "c.txt").write_text("No gold for this one.", encoding="utf-8")
    return gold, texts


def test_scores_table_and_json(folders: tuple[Path, Path]) -> None:
    report = evaluate(*folders)
    assert report.types["people"].f1 == 1.0
    assert report.types["states"].tp == 1
    assert report.types["organizations"].tp == 1  # "UN" is the United Nations
    assert report.types["offices"].tp == 1
    assert report.relations.tp == 2 and report.relations.fn == 1
    assert any("b.json" in w for w in report.warnings)
    assert any("c.txt" in e for e in report.errors)
    table = format_table(report)
    assert table.splitlines()[0].split()[:4] == ["type", "gold", "pred", "tp"]
    data = report.to_json()
    json.dumps(data)
    assert data["documents"][0]["doc"] == "a"
    assert "relation: Ingrid Solberg-Vik appoints Ingrid Solberg-Vik" in data["documents"][0]["missed"]


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        evaluate(tmp_path / "nope", tmp_path)


def test_similarity() -> None:
    assert similarity("Secretary\u2011General", "secretary-general") == 1.0
    assert similarity("first conference", "first conference in Yokohama") == 0.9
    assert similarity("meeting", "ceremony") < 0.5
