"""Each command as a user runs it: exit codes, one-line errors, no tracebacks, store kept intact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from tests.conftest import EXAMPLES, Run, kg


def no_traceback(run: Run) -> None:
    assert "Traceback" not in run.err, run.err


def quads(store: Path) -> int:
    run = kg("info", "--store", store, "--json")
    return int(json.loads(run.out)["quads"])


def test_build_prints_a_summary(tmp_path: Path) -> None:
    run = kg("build", EXAMPLES, "--store", tmp_path / "s")
    assert run.code == 0, run.err
    assert "documents: 2 (2 added)" in run.out
    assert "entities: " in run.out and "Person" in run.out
    assert "triples: " in run.out and "violations: 0" in run.out


def test_building_again_changes_nothing(built: Path) -> None:
    before = quads(built)
    run = kg("build", EXAMPLES, "--store", built)
    assert run.code == 0 and "2 unchanged" in run.out
    assert quads(built) == before


def test_query_formats(built: Path) -> None:
    q = "SELECT ?name WHERE { ?p a <https://kg.example/ontology#Person> ; rdfs:label ?name } ORDER BY ?name"
    q = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> " + q
    table = kg("query", q, "--store", built)
    assert table.code == 0, table.err
    assert "Teodora Ilieva" in table.out and "row" in table.out
    data = json.loads(kg("query", q, "--store", built, "--format", "json").out)
    names = [b["name"]["value"] for b in data["results"]["bindings"]]
    assert names == sorted(names) and "Lars Holmqvist" in names
    csv = kg("query", q, "--store", built, "--format", "csv").out
    assert csv.splitlines()[0] == "name"
    tsv = kg("query", q, "--store", built, "--format", "tsv").out
    assert tsv.splitlines()[0] == "?name"


def test_query_from_file_and_ask(built: Path, tmp_path: Path) -> None:
    rq = tmp_path / "q.rq"
    rq.write_text("ASK { ?s ?p ?o }")
    run = kg("query", f"@{rq}", "--store", built)
    assert run.code == 0 and run.out.strip() == "true"


@pytest.mark.parametrize("fmt", ["turtle", "nquads", "trig", "jsonld"])
def test_export_is_deterministic_and_parses(built: Path, fmt: str) -> None:
    first = kg("export", "--store", built, "--format", fmt)
    second = kg("export", "--store", built, "--format", fmt)
    assert first.code == 0, first.err
    assert first.out == second.out
    rdflib_format = {"turtle": "turtle", "nquads": "nquads", "trig": "trig", "jsonld": "json-ld"}[fmt]
    if fmt in ("nquads", "trig"):
        ds = Dataset()
        ds.parse(data=first.out, format=rdflib_format)
        assert sum(1 for _ in ds.quads((None, None, None, None))) > 1000
    else:
        assert len(Graph().parse(data=first.out, format=rdflib_format)) > 1000


def test_export_to_file(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "dump.ttl"
    assert kg("export", "--store", built, "-o", out).code == 0
    assert len(Graph().parse(out)) > 100


def test_validate_and_info(built: Path) -> None:
    run = kg("validate", "--store", built)
    assert run.code == 0, run.out
    assert "violations: 0" in run.out
    info = json.loads(kg("info", "--store", built, "--json").out)
    assert info["documents"] == 2 and info["entities"]["Person"] >= 3
    assert info["versions"]["pyoxigraph"] == "0.5.13"


def test_store_defaults_to_env_then_cwd(built: Path, tmp_path: Path) -> None:
    q = "ASK { ?s ?p ?o }"
    assert kg("query", q, env={"KG_STORE": str(built)}).out.strip() == "true"
    run = kg("query", q, cwd=tmp_path)
    assert run.code == 2 and "kg-store: no kg store here" in run.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "missing.txt"], "missing.txt: no such file or folder"),
        (["export", "--format", "xml"], "Invalid value for '--format'"),
        (["query", "SELECT WHERE {"], "SPARQL syntax error"),
        (["query", "@nope.rq"], "nope.rq: cannot read the query file"),
    ],
)
def test_bad_input_one_line_error_and_store_intact(built: Path, args: list[str], message: str) -> None:
    before = quads(built)
    run = kg(*args, "--store", built)
    assert run.code == 2, (run.code, run.err)
    no_traceback(run)
    assert message in run.err
    assert len([line for line in run.err.splitlines() if line.strip()]) <= 3
    assert quads(built) == before


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("binary.txt", b"\x00\x01\x02\x03binary", "looks like a binary file"),
        ("empty.txt", b"", "the file is empty"),
        ("latin1.txt", "d\u00e9j\u00e0 vu".encode("latin-1"), "not valid UTF-8"),
    ],
)
def test_unreadable_files_are_reported_and_others_load(
    built: Path, tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    bad = tmp_path / name
    bad.write_bytes(data)
    before = quads(built)
    run = kg("build", bad, "--store", built)
    assert run.code == 2
    no_traceback(run)
    assert f"kg: error: {bad}: " in run.err and message in run.err
    assert quads(built) == before


def test_remove_keeps_shared_facts(tmp_path: Path) -> None:
    store = tmp_path / "s"
    assert kg("build", EXAMPLES, "--store", store).code == 0
    ask = (
        'ASK { ?p <http://www.w3.org/2000/01/rdf-schema#label> "Teodora Ilieva"@en ; '
        "<https://kg.example/ontology#holds> ?post }"
    )
    assert kg("query", ask, "--store", store).out.strip() == "true"
    run = kg("remove", EXAMPLES / "forum-statement.txt", "--store", store)
    assert run.code == 0, run.err
    assert kg("query", ask, "--store", store).out.strip() == "true"  # still stated by the other release
    assert json.loads(kg("info", "--store", store, "--json").out)["documents"] == 1
    missing = kg("remove", "nothing.txt", "--store", store)
    assert missing.code == 2 and "no such document" in missing.err


def test_help_lists_every_command() -> None:
    run = kg("--help")
    for command in ("build", "query", "export", "validate", "serve", "info", "remove", "evaluate", "link"):
        assert command in run.out


def test_serve_refuses_updates_without_a_token(built: Path) -> None:
    run = kg("serve", "--store", built, "--allow-update", "--port", "1")
    assert run.code == 2 and "needs a bearer token" in run.err
    no_traceback(run)


def test_query_table_shows_long_values_whole(built: Path) -> None:
    q = "SELECT ?sentence WHERE { ?s oa:exact ?sentence } ORDER BY DESC(STRLEN(?sentence)) LIMIT 1"
    data = json.loads(kg("query", q, "--store", built, "--format", "json").out)
    longest = data["results"]["bindings"][0]["sentence"]["value"]
    assert len(longest) > 60
    table = kg("query", q, "--store", built)
    assert table.code == 0 and longest.replace("\n", "\\n") in table.out


def test_export_one_document_graph(built: Path) -> None:
    """--graph DOC by source path, document id or graph IRI: exactly that graph, as a graph."""
    source = str(EXAMPLES / "pacific-dialogue.txt")
    q = f'SELECT ?g WHERE {{ GRAPH ?meta {{ ?g kg:loadedFrom "{source}" }} }}'
    graph = json.loads(kg("query", q, "--store", built, "--format", "json").out)["results"]["bindings"][0]
    iri = graph["g"]["value"]
    stored = kg(
        "query", f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}", "--store", built
    )
    expected = Graph().parse(data=stored.out, format="turtle")
    for doc in (source, iri.rsplit("/", 1)[-1], iri):
        run = kg("export", "--store", built, "--graph", doc, "--format", "turtle", "-q")
        assert run.code == 0, run.err
        assert isomorphic(Graph().parse(data=run.out, format="turtle"), expected)
    trig = kg("export", "--store", built, "--graph", iri, "--format", "trig", "-q")
    ds = Dataset()
    ds.parse(data=trig.out, format="trig")
    assert {str(c.identifier) for c in ds.graphs() if len(c)} == {iri}
    assert isomorphic(ds.graph(URIRef(iri)), expected)
    missing = kg("export", "--store", built, "--graph", "no-such-doc")
    assert missing.code == 2 and "--graph: no document 'no-such-doc'" in missing.err


def test_jsonld_export_has_a_context_and_is_the_same_graph(built: Path) -> None:
    jsonld = kg("export", "--store", built, "--format", "jsonld", "-q")
    doc = json.loads(jsonld.out)
    assert doc["@context"]["kg"] == "https://kg.example/ontology#"
    assert doc["@context"]["id"] == "https://kg.example/id/"
    assert any(n.get("@type") == ["kg:Person"] and n["@id"].startswith("id:person/") for n in doc["@graph"])
    ntriples = kg("export", "--store", built, "--format", "ntriples", "-q").out
    assert isomorphic(
        Graph().parse(data=jsonld.out, format="json-ld"), Graph().parse(data=ntriples, format="nt")
    )


def test_turtle_has_no_escaped_slashes(built: Path) -> None:
    turtle = kg("export", "--store", built, "-q").out
    assert "\\/" not in turtle and "<https://kg.example/id/state/" in turtle
