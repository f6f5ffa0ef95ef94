"""The pipeline's contract with --strict: a document that does not conform is reported and not loaded;
the rest loads. (Without --strict, what breaks the shapes is quarantined: tests/test_quarantine.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

import kg.pipeline
from kg.cli import cli
from kg.resolve import Resolution
from kg.store import Store
from tests.conftest import EXAMPLES

BASE = "https://kg.example/id/"


@pytest.fixture
def break_one_document(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the forum statement's graph lose its people's labels (a shape violation)."""
    real = kg.pipeline.rdfize

    def rdfize(resolution: Resolution) -> Graph:
        graph = real(resolution)
        if resolution.extraction.document.source.endswith("forum-statement.txt"):
            for person in [e for e in resolution.entities if e.kind.value == "Person"]:
                graph.remove((URIRef(resolution.iri[person.local_id]), RDFS.label, None))
        return graph

    monkeypatch.setattr(kg.pipeline, "rdfize", rdfize)


def test_invalid_document_is_not_loaded_and_the_rest_is(break_one_document: None) -> None:
    store = Store(None, BASE)
    report = kg.pipeline.build([EXAMPLES], store, link=False, strict=True)
    outcomes = {Path(r.source).name: r.outcome for r in report.results}
    assert outcomes == {"forum-statement.txt": "invalid", "pacific-dialogue.txt": "added"}
    assert report.exit_code == 1
    bad = next(r for r in report.results if r.outcome == "invalid")
    assert bad.violations and all(v.focus.startswith(BASE + "person/") for v in bad.violations)
    assert all("rdfs:label" in v.message for v in bad.violations)
    assert store.document_graphs() == [f"{BASE}graph/{report.results[1].doc_id}"]


def test_cli_reports_file_focus_and_message(break_one_document: None, tmp_path: Path) -> None:
    args = ["build", str(EXAMPLES), "--store", str(tmp_path / "s"), "--no-link", "--strict"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("kg: invalid:")]
    assert lines
    assert all("forum-statement.txt: https://kg.example/id/person/" in line for line in lines)
    assert "documents: 2 (1 added, 1 invalid)" in result.output
