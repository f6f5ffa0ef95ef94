"""The store layout, on both stores (embedded pyoxigraph, and an Oxigraph server over HTTP):
per-document graphs, a deduplicated merged default graph, atomic replacement, kept counts."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pyoxigraph as ox
import pytest

from kg.errors import QueryError, StoreError
from kg.store import GraphStore, RemoteStore, Store, doc_graph_iri, unmerged_graphs
from tests.conftest import OxigraphServer, VirtuosoServer

BASE = "https://kg.example/id/"


def t(s: str, p: str, o: str) -> ox.Triple:
    return ox.Triple(ox.NamedNode(BASE + s), ox.NamedNode(BASE + p), ox.NamedNode(BASE + o))


SHARED = t("a", "p", "b")
DOC1 = [SHARED, t("a", "p", "c")]
DOC2 = [SHARED, t("x", "p", "y")]


def count(store: GraphStore, where: str = "?s ?p ?o") -> int:
    """Solutions of ``where`` over the default graph, as a user's query sees it."""
    rows = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")
    return int(next(iter(rows))["n"].value)  # type: ignore[call-overload]


def facts(store: GraphStore) -> int:
    return count(store, f"?s <{BASE}p> ?o")


def check_invariants(store: GraphStore) -> None:
    """The merged default graph is exactly the merge of the merged named graphs, and the kept
    counts are what the engine counts."""
    skip = ", ".join(f"<{g}>" for g in unmerged_graphs(BASE))
    graphs = store.ops.graphs().replace("{ }", "{ ?s ?p ?o }")
    rows = store.select(f"SELECT DISTINCT ?s ?p ?o WHERE {{ {graphs} FILTER(?g NOT IN ({skip})) }}")
    named = {(str(r["s"]), str(r["p"]), str(r["o"])) for r in rows}
    merge = store.select(f"SELECT ?s ?p ?o WHERE {{ {store.ops.in_merge('?s ?p ?o')} }}")
    default = {(str(r["s"]), str(r["p"]), str(r["o"])) for r in merge}
    assert default == named
    stats = store.stats()
    assert (stats.quads, stats.default_triples) == store.count()


@pytest.fixture(params=["embedded", "remote", "virtuoso"])
def store(request: pytest.FixtureRequest) -> Iterator[GraphStore]:
    if request.param == "embedded":
        yield Store(None, BASE)
        return
    if request.param == "virtuoso":
        virtuoso: VirtuosoServer = request.getfixturevalue("virtuoso_server")
        virtuoso.clear(BASE)
        on_virtuoso = virtuoso.store(BASE)
        on_virtuoso.ensure_counts()
        yield on_virtuoso
        on_virtuoso.close()
        return
    server: OxigraphServer = request.getfixturevalue("oxigraph_server")
    server.clear()
    remote = RemoteStore(server.url, BASE)
    remote.ensure_counts()
    yield remote
    remote.close()


def test_default_graph_counts_each_distinct_triple_once(store: GraphStore) -> None:
    store.put_document("d1", "one.txt", DOC1)
    store.put_document("d2", "two.txt", DOC2)
    assert facts(store) == 3
    assert count(store, f"<{BASE}a> <{BASE}p> <{BASE}b>") == 1
    check_invariants(store)
    stats = store.stats()
    assert (stats.named_graphs, stats.document_graphs) == (3, 2)  # two documents and the metadata


def test_removing_one_of_two_documents_keeps_the_shared_fact(store: GraphStore) -> None:
    store.put_document("d1", "one.txt", DOC1)
    store.put_document("d2", "two.txt", DOC2)
    assert store.remove_document("d1")
    assert count(store, f"<{BASE}a> <{BASE}p> <{BASE}b>") == 1
    assert count(store, f"<{BASE}a> <{BASE}p> <{BASE}c>") == 0
    assert facts(store) == 2
    check_invariants(store)
    assert not store.remove_document("d1")


def test_same_document_again_changes_nothing(store: GraphStore) -> None:
    assert store.put_document("d1", "one.txt", DOC1) == "added"
    before = store.stats()
    assert store.put_document("d1", "one.txt", DOC1) == "unchanged"
    assert store.stats() == before


def test_same_content_from_a_second_path_records_the_path_only(store: GraphStore) -> None:
    store.put_document("d1", "one.txt", DOC1)
    assert store.put_document("d1", "copy.txt", DOC1) == "source-added"
    graph = doc_graph_iri(BASE, "d1")
    assert store.sources_of(graph) == ["copy.txt", "one.txt"]
    assert facts(store) == 2
    check_invariants(store)


def test_changed_version_replaces_its_old_graph(store: GraphStore) -> None:
    store.put_document("d1", "one.txt", DOC1)
    store.put_document("d2", "two.txt", DOC2)
    new_version = [t("a", "p", "z")]
    assert store.put_document("d3", "one.txt", new_version) == "replaced"
    assert not store.has_graph(doc_graph_iri(BASE, "d1"))
    assert store.graph_of_source("one.txt") == doc_graph_iri(BASE, "d3")
    assert count(store, f"<{BASE}a> <{BASE}p> <{BASE}c>") == 0
    assert count(store, f"<{BASE}a> <{BASE}p> <{BASE}b>") == 1  # still stated by d2
    assert facts(store) == 3
    check_invariants(store)


def test_replace_graph_is_atomic_and_keeps_the_merge_exact(store: GraphStore) -> None:
    store.replace_graph(BASE + "graph/links", [SHARED])
    store.put_document("d1", "one.txt", DOC1)
    store.replace_graph(BASE + "graph/links", [t("q", "p", "r")])
    assert count(store, f"<{BASE}a> <{BASE}p> <{BASE}b>") == 1  # still in d1
    assert facts(store) == 3
    check_invariants(store)


def test_ensure_graph_skips_same_content(store: GraphStore) -> None:
    assert store.ensure_graph(BASE + "graph/x", DOC1, "h1")
    assert not store.ensure_graph(BASE + "graph/x", DOC1, "h1")
    assert store.ensure_graph(BASE + "graph/x", DOC2, "h2")
    assert facts(store) == 2
    check_invariants(store)


def test_unmerged_graphs_stay_out_of_the_merge(store: GraphStore) -> None:
    quarantined = BASE + "graph/quarantine"
    store.replace_graph(quarantined, [t("bad", "p", "value")])
    store.put_document("d1", "one.txt", DOC1)
    assert count(store, f"<{BASE}bad> ?p ?o") == 0
    check_invariants(store)


def test_a_raw_update_drops_the_counts_and_they_are_counted_again(store: GraphStore) -> None:
    store.put_document("d1", "one.txt", DOC1)
    store.update(f"INSERT DATA {{ GRAPH <{BASE}graph/extra> {{ {SHARED} . {t('n', 'p', 'm')} }} }}")
    merge = store.ops.in_merge("?s ?p ?o")  # the default graph, or Virtuoso's merged graph
    store.update(f"INSERT {{ {merge} }} WHERE {{ GRAPH <{BASE}graph/extra> {{ ?s ?p ?o }} }}")
    check_invariants(store)


def test_malformed_query_is_a_query_error(store: GraphStore) -> None:
    with pytest.raises(QueryError):
        store.query("SELECT WHERE {")


def test_on_disk_store_persists_and_refuses_foreign_folders(tmp_path) -> None:
    path = tmp_path / "s"
    s = Store(path, BASE)
    s.put_document("d1", "one.txt", DOC1)
    s.close()
    ro = Store(path, BASE, read_only=True)
    assert facts(ro) == 2
    assert ro.stats().default_triples == 3  # two facts and the source record
    with pytest.raises(StoreError, match="read-only"):
        ro.put_document("d2", "two.txt", DOC2)
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "a.txt").write_text("x")
    with pytest.raises(StoreError, match="not a kg store"):
        Store(foreign, BASE)
    with pytest.raises(StoreError, match="no kg store here"):
        Store(tmp_path / "missing", BASE, read_only=True)


def test_remote_retries_5xx_then_says_the_server_is_gone() -> None:
    calls: list[str] = []

    def failing(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(503, text="busy")

    remote = RemoteStore(
        "http://127.0.0.1:9", BASE, retries=2, backoff=0.001, transport=httpx.MockTransport(failing)
    )
    with pytest.raises(StoreError, match=r"did not answer a query after 3 attempts \(HTTP 503: busy\)"):
        remote.stats()
    assert calls == ["/query"] * 3
    remote.close()


def test_remote_update_is_not_applied_twice_after_a_lost_answer(oxigraph_server: OxigraphServer) -> None:
    """The first attempt reaches the server but its answer is lost: kg sees its write id there
    and does not send it again (the counts would move twice)."""
    oxigraph_server.clear()
    real = httpx.HTTPTransport()
    updates: list[int] = []

    def lose_first_update_answer(request: httpx.Request) -> httpx.Response:
        response = real.handle_request(request)
        if request.url.path == "/update":
            updates.append(response.status_code)
            if len(updates) == 2:  # the first is ensure_counts', the second put_document's
                response.read()
                raise httpx.ReadTimeout("answer lost", request=request)
        return response

    remote = RemoteStore(
        oxigraph_server.url, BASE, backoff=0.001, transport=httpx.MockTransport(lose_first_update_answer)
    )
    remote.ensure_counts()
    remote.put_document("d1", "one.txt", DOC1)
    assert updates == [204, 204]  # applied once, not sent again
    check_invariants(remote)
    assert facts(remote) == 2
    remote.close()
    real.close()
