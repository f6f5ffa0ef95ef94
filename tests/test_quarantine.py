"""Quarantine, not rejection: what breaks the shapes (and what depends on it) is left out and recorded
in the quarantine graph, the rest of the document loads; --strict rejects the document as a whole.

The cases of ``kg.quarantine`` are data (tests/data/quarantine); the pipeline, the CLI and both
stores are tested on the bundled examples with one statement broken on purpose.
"""

from __future__ import annotations

import gc
import json
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

import kg.pipeline
from kg.cli import cli
from kg.ingest import read_document
from kg.namespaces import KG
from kg.pipeline import DocResult, prepare
from kg.quarantine import DEPENDENT, VIOLATION, quarantine, record_graph
from kg.resolve import Resolution
from kg.store import GraphStore, RemoteStore, Store, doc_graph_iri, quarantine_graph_iri
from kg.validate import validate_graph
from tests.conftest import EXAMPLES, OxigraphServer
from tests.test_store import check_invariants

BASE = "https://kg.example/id/"
CASES = sorted((Path(__file__).parent / "data" / "quarantine").glob("*/"))
FORUM = EXAMPLES / "forum-statement.txt"
BAD_STATUS = Literal("sort-of")


def triples(path: Path) -> set[tuple[object, object, object]]:
    return set(Graph().parse(path))


# -- kg.quarantine on the cases ----------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_case(case: Path) -> None:
    graph = Graph().parse(case / "graph.ttl")
    report = validate_graph(graph)
    assert not report.conforms
    cut = quarantine(graph, report)
    assert cut.report.conforms, [v.line() for v in cut.report.violations]
    assert validate_graph(cut.graph).conforms
    left_out = set(graph) - set(cut.graph)
    assert left_out == triples(case / "left-out.ttl")
    assert set(cut.graph) | left_out == set(graph)  # nothing added
    recorded = {(URIRef(q.subject[1:-1]), URIRef(q.predicate[1:-1]), q.object) for q in cut.left_out}
    expected = {(s, p, o.n3()) for s, p, o in triples(case / "recorded.ttl")}
    assert recorded == expected
    for q in cut.left_out:
        assert q.cause in (VIOLATION, DEPENDENT) and q.message and q.shape


def test_records_name_the_shape_message_and_evidence() -> None:
    case = next(c for c in CASES if c.name == "wrong-class")
    graph = Graph().parse(case / "graph.ttl")
    cut = quarantine(graph, validate_graph(graph))
    holds = next(q for q in cut.left_out if q.predicate == f"<{KG.holds}>")
    assert (holds.cause, holds.shape, holds.message) == (
        VIOLATION,
        "https://kg.example/shapes#PersonShape",
        "kg:holds must point to a kg:Post",
    )
    assert [(e.start, e.end, e.text) for e in holds.evidence] == [
        (0, 41, "Ada Quill, President of the Council, spoke")
    ]
    tenure = [q for q in cut.left_out if q.subject == f"<{BASE}source/d1/tenure/t1>"]
    assert {q.cause for q in tenure} == {VIOLATION, DEPENDENT}  # its post broke the shape; the rest followed
    assert all(q.evidence == holds.evidence for q in tenure)  # the relation between its agent and post


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_records_conform_to_their_shape(case: Path) -> None:
    graph = Graph().parse(case / "graph.ttl")
    cut = quarantine(graph, validate_graph(graph))
    records = record_graph(cut.left_out, graph, BASE, "d1", BASE + "graph/d1")
    assert len(set(records.subjects(RDF.type, KG.QuarantineRecord))) == len(cut.left_out)
    shape = "https://kg.example/shapes#QuarantineRecordShape"
    wrong = [v for v in validate_graph(records).violations if v.shape == shape]
    assert not wrong, [v.line() for v in wrong]
    for record in records.subjects(RDF.type, KG.QuarantineRecord):
        assert records.value(record, KG.quarantinedFrom) == URIRef(BASE + "graph/d1")


# -- the pipeline ------------------------------------------------------------------------------


@pytest.fixture
def bad_status(monkeypatch: pytest.MonkeyPatch) -> None:
    """The forum statement's tenures get a status the shapes do not allow (one bad literal each)."""
    real = kg.pipeline.rdfize

    def rdfize(resolution: Resolution) -> Graph:
        graph = real(resolution)
        if resolution.extraction.document.source.endswith("forum-statement.txt"):
            for tenure in list(graph.subjects(RDF.type, KG.Tenure)):
                graph.set((tenure, KG.status, BAD_STATUS))
        return graph

    monkeypatch.setattr(kg.pipeline, "rdfize", rdfize)


def clean_graph(path: Path) -> set[tuple[object, object, object]]:
    """The document's graph as a clean build loads it."""
    prepared = prepare(read_document(path), BASE)
    return set(Graph().parse(data=prepared.ntriples, format="nt"))


def stored(store: GraphStore, graph: str) -> set[tuple[object, object, object]]:
    return set(Graph().parse(data=store.graph_ntriples(graph), format="nt"))


def test_one_bad_literal_leaves_out_only_that_statement() -> None:
    clean = clean_graph(FORUM)
    tenures = {s for s, p, o in clean if p == RDF.type and o == KG.Tenure}
    assert tenures  # (the example states a tenure)
    with pytest.MonkeyPatch.context() as mp:
        real = kg.pipeline.rdfize

        def rdfize(resolution: Resolution) -> Graph:
            graph = real(resolution)
            for tenure in tenures:
                graph.set((tenure, KG.status, BAD_STATUS))
            return graph

        mp.setattr(kg.pipeline, "rdfize", rdfize)
        store = Store(None, BASE)
        report = kg.pipeline.build([FORUM], store, link=False)
    [result] = report.results
    assert result.outcome == "quarantined" and report.exit_code == 1
    graph = doc_graph_iri(BASE, result.doc_id or "")
    assert stored(store, graph) == {t for t in clean if not (t[0] in tenures and t[1] == KG.status)}
    assert {(q.subject, q.predicate, q.object) for q in result.quarantined} == {
        (f"<{t}>", f"<{KG.status}>", '"sort-of"') for t in tenures
    }
    assert [(g, q) for g, q in kg.pipeline.stored_quarantine(store)] == [
        (graph, q) for q in result.quarantined
    ]
    check_invariants(store)


def test_quarantine_graph_stays_out_of_the_default_graph(bad_status: None) -> None:
    store = Store(None, BASE)
    kg.pipeline.build([EXAMPLES], store, link=False)
    assert store.ask(f'ASK {{ GRAPH <{quarantine_graph_iri(BASE)}> {{ ?r <{KG.cause}> "violation" }} }}')
    assert not store.ask(f"ASK {{ ?r a <{KG.QuarantineRecord}> }}")
    assert not store.ask(f'ASK {{ ?t <{KG.status}> "sort-of" }}')
    assert quarantine_graph_iri(BASE) not in store.document_graphs()


def test_strict_rejects_the_document_as_a_whole(bad_status: None) -> None:
    store = Store(None, BASE)
    report = kg.pipeline.build([EXAMPLES], store, link=False, strict=True)
    outcomes = {Path(r.source).name: r.outcome for r in report.results}
    assert outcomes == {"forum-statement.txt": "invalid", "pacific-dialogue.txt": "added"}
    assert report.exit_code == 1 and not report.quarantined
    assert kg.pipeline.quarantine_counts(store) == (0, 0)


def test_rebuild_and_remove_clear_the_old_records(bad_status: None, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(None, BASE)
    report = kg.pipeline.build([EXAMPLES], store, link=False)
    assert kg.pipeline.quarantine_counts(store)[1] == 1
    again = kg.pipeline.build([EXAMPLES], store, link=False)  # unchanged: the records still stand
    assert {r.outcome for r in again.results} == {"unchanged"} and again.exit_code == 1
    monkeypatch.undo()  # the extraction is fixed: --force replaces the graph and its records
    fixed = kg.pipeline.build([EXAMPLES], store, link=False, force=True)
    assert {r.outcome for r in fixed.results} == {"replaced"} and fixed.exit_code == 0
    assert kg.pipeline.quarantine_counts(store) == (0, 0)
    check_invariants(store)
    bad = next(r for r in report.results if r.quarantined)
    with pytest.MonkeyPatch.context() as mp:
        real = kg.pipeline.rdfize
        mp.setattr(kg.pipeline, "rdfize", lambda res: _with_bad_status(real(res)))
        kg.pipeline.build([FORUM], store, link=False, force=True)
    assert kg.pipeline.quarantine_counts(store) == (len(bad.quarantined), 1)
    assert store.remove_document(bad.doc_id or "")
    assert kg.pipeline.quarantine_counts(store) == (0, 0)
    check_invariants(store)


def _with_bad_status(graph: Graph) -> Graph:
    for tenure in list(graph.subjects(RDF.type, KG.Tenure)):
        graph.set((tenure, KG.status, BAD_STATUS))
    return graph


def test_a_changed_file_takes_its_old_records_with_it(bad_status: None, tmp_path: Path) -> None:
    path = tmp_path / "forum-statement.txt"
    path.write_text(FORUM.read_text(encoding="utf-8"), encoding="utf-8")
    store = Store(None, BASE)
    first = kg.pipeline.build([path], store, link=False).results[0]
    assert first.outcome == "quarantined"
    path.write_text(FORUM.read_text(encoding="utf-8").replace("Ilieva", "Ilievska"), encoding="utf-8")
    second = kg.pipeline.build([path], store, link=False).results[0]
    assert second.outcome == "quarantined" and second.doc_id != first.doc_id
    graphs = {g for g, _ in kg.pipeline.stored_quarantine(store)}
    assert graphs == {doc_graph_iri(BASE, second.doc_id or "")}
    check_invariants(store)


def test_results_carry_the_records_across_processes(bad_status: None) -> None:
    prepared = prepare(read_document(FORUM), BASE)
    assert prepared.result.quarantined and prepared.quarantine
    data = json.loads(json.dumps(prepared.result.to_json()))
    assert DocResult.from_json(data) == prepared.result
    import pickle

    assert pickle.loads(pickle.dumps(prepared)) == prepared


# -- the CLI -----------------------------------------------------------------------------------


def invoke(*args: str) -> Result:
    """Run ``kg ARGS`` in this process; the store it opened is let go (click's finished frames
    hold the exit's traceback, which holds the store and its RocksDB lock, until collected)."""
    result = CliRunner().invoke(cli, list(args))
    if result.exc_info is not None:
        traceback.clear_frames(result.exc_info[2])
        result.exc_info[1].__traceback__ = None
        result.exc_info = (result.exc_info[0], result.exc_info[1], None)  # type: ignore[assignment]
    gc.collect()
    return result


def test_cli_build_lists_the_statements_and_exits_1(bad_status: None, tmp_path: Path) -> None:
    store = str(tmp_path / "s")
    result = invoke("build", str(EXAMPLES), "--store", store, "--no-link")
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("kg: quarantined:")]
    assert lines and all("forum-statement.txt: <https://kg.example/id/source/" in line for line in lines)
    assert all("kg:status is one of" in line and '"sort-of"' in line for line in lines)
    assert "documents: 2 (1 added, 1 quarantined)" in result.output
    assert f"quarantined: {len(lines)} statements of 1 documents" in result.output

    info = invoke("info", "--store", store, "--json")
    assert json.loads(info.output)["quarantined"] == {"statements": len(lines), "documents": 1}
    validate = invoke("validate", "--store", store, "--quiet")
    assert validate.exit_code == 1
    listed = [line for line in validate.output.splitlines() if ": quarantined: " in line]
    assert len(listed) == len(lines)
    assert f"violations: 0, quarantined: {len(lines)} statements of 1 documents" in validate.output

    removed = invoke("remove", str(EXAMPLES / "forum-statement.txt"), "--store", store)
    assert removed.exit_code == 0, removed.output
    assert invoke("validate", "--store", store, "--quiet").exit_code == 0


def test_cli_strict_rejects(bad_status: None, tmp_path: Path) -> None:
    args = ["build", str(EXAMPLES), "--store", str(tmp_path / "s"), "--no-link", "--strict"]
    result = invoke(*args)
    assert result.exit_code == 1
    assert "documents: 2 (1 added, 1 invalid)" in result.output
    assert "kg: quarantined:" not in result.output and "kg: invalid:" in result.output


def test_cli_unreadable_input_still_exits_2(bad_status: None, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "forum-statement.txt").write_text(FORUM.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    result = invoke("build", str(folder), "--store", str(tmp_path / "s"), "--no-link")
    assert result.exit_code == 2, result.output
    assert "1 quarantined" in result.output and "1 unreadable" in result.output


# -- the remote store --------------------------------------------------------------------------


@pytest.fixture
def remote(oxigraph_server: OxigraphServer) -> Iterator[RemoteStore]:
    oxigraph_server.clear()
    store = RemoteStore(oxigraph_server.url, BASE)
    store.ensure_counts()
    yield store
    store.close()


def test_remote_store_keeps_and_clears_records(bad_status: None, remote: RemoteStore) -> None:
    embedded = Store(None, BASE)
    here = kg.pipeline.build([EXAMPLES], embedded, link=False)
    there = kg.pipeline.build([EXAMPLES], remote, link=False)
    assert [r.outcome for r in there.results] == [r.outcome for r in here.results]
    bad = next(r for r in there.results if r.quarantined)
    graph = doc_graph_iri(BASE, bad.doc_id or "")
    assert stored(remote, graph) == stored(embedded, graph)
    q = quarantine_graph_iri(BASE)
    assert stored(remote, q) == stored(embedded, q)
    assert kg.pipeline.stored_quarantine(remote) == kg.pipeline.stored_quarantine(embedded)
    assert not remote.ask(f"ASK {{ ?r a <{KG.QuarantineRecord}> }}")
    check_invariants(remote)
    assert remote.remove_document(bad.doc_id or "")
    assert kg.pipeline.quarantine_counts(remote) == (0, 0)
    check_invariants(remote)
