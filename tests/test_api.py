"""The Python API (kg.api): its docstring examples run as doctests, and each call is checked
against what the CLI does on the same input."""

from __future__ import annotations

import doctest
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib.compare import isomorphic

import kg
import kg.api
from tests.conftest import EXAMPLES, ROOT
from tests.conftest import kg as run_kg

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def test_docstring_examples(tmp_path: Path) -> None:
    result = doctest.testmod(kg.api, extraglobs={"tmp": tmp_path, "examples": EXAMPLES}, optionflags=FLAGS)
    assert result.attempted >= 15 and result.failed == 0


def test_extract_is_the_pipeline_without_a_store() -> None:
    text = (EXAMPLES / "pacific-dialogue.txt").read_text(encoding="utf-8")
    reading = kg.extract(text)
    assert reading.title == "Regional Dialogue on Ocean Resilience Concludes in Suva"
    assert str(reading.issued) == "2019-03-05"
    people = {e.label for e in reading.entities if e.kind == "Person"}
    assert {"Mereani Vakatale", "Lars Holmqvist", "Teodora Ilieva"} <= people
    for fact in reading.facts:
        assert fact.evidence and all(sentence in text for sentence in fact.evidence)
    assert reading.graph is not None and len(reading.graph) > 100


def test_kg_extract_works_after_the_subpackage_is_imported() -> None:
    """kg.extract is also the name of the extraction package: importing it keeps the call working."""
    import kg.extract.people

    reading = kg.extract("Louise Arbour, the High Commissioner for Human Rights, spoke in Geneva.")
    assert any(e.label == "Louise Arbour" for e in reading.entities)


def test_graph_matches_the_cli(tmp_path: Path) -> None:
    with kg.Graph.open(tmp_path / "api") as graph:
        report = graph.build([EXAMPLES])
        assert report.exit_code == 0
        api_dump = graph.export("ntriples")
        people = dict(graph.entities("Person"))
    assert run_kg("build", EXAMPLES, "--store", tmp_path / "cli", "-q").code == 0
    cli_dump = run_kg("export", "--store", tmp_path / "cli", "--format", "ntriples", "-q").out
    from rdflib import Graph as RDFGraph

    # the two stores differ only in the metadata graph (source paths), not in the merged graph
    assert isomorphic(
        RDFGraph().parse(data=api_dump, format="nt"), RDFGraph().parse(data=cli_dump, format="nt")
    )
    assert "Teodora Ilieva" in people.values()


def test_query_results() -> None:
    graph = kg.Graph.open(None)
    graph.build([EXAMPLES])
    rows = graph.query("SELECT ?date WHERE { ?s dcterms:issued ?date } ORDER BY ?date")
    assert isinstance(rows, kg.Rows) and [type(r["date"]).__name__ for r in rows] == ["date", "date"]
    construct = graph.query("CONSTRUCT WHERE { ?s a kg:State }")
    assert len(construct) >= 2  # an rdflib Graph
    counted = graph.query("SELECT (COUNT(*) AS ?n) WHERE { ?s a kg:Person }")
    assert isinstance(counted, kg.Rows) and isinstance(counted[0]["n"], int)


def test_to_pandas_or_a_clear_error() -> None:
    rows = kg.Rows(["a"], [{"a": 1}, {}])
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="pip install pandas"):
            rows.to_pandas()
    else:
        frame = rows.to_pandas()
        assert list(frame.columns) == ["a"] and len(frame) == 2


def test_the_api_type_checks_as_users_write_it(tmp_path: Path) -> None:
    """mypy --strict on a user's script: kg.extract is a function, kg.Graph a class."""
    script = tmp_path / "notebook.py"
    script.write_text(
        "import kg\n"
        "reading: kg.Reading = kg.extract('Louise Arbour spoke.')\n"
        "labels: list[str] = [e.label for e in reading.entities]\n"
        "graph = kg.Graph.open(None)\n"
        "rows = graph.query('SELECT * WHERE { ?s ?p ?o }')\n"
        "if isinstance(rows, kg.Rows):\n"
        "    first: list[str] = rows.variables\n",
        encoding="utf-8",
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--follow-imports=silent",
            str(script),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
