"""The store layout: per-document graphs, a deduplicated merged default graph, atomic replacement."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.errors import QueryError, StoreError
from kg.store import Store, doc_graph_iri

BASE = "https://kg.example/id/"


def t(s: str, p: str, o: str) -> ox.Triple:
    return ox.Triple(ox.NamedNode(BASE + s), ox.NamedNode(BASE + p), ox.NamedNode(BASE + o))


SHARED = t("a", "p", "b")
DOC1 = [SHARED, t("a", "p", "c")]
DOC2 = [SHARED, t("x", "p", "y")]


def count(store: Store, where: str = "?s ?p ?o") -> int:
    rows = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")
    return int(next(iter(rows))["n"].value)  # type: ignore[call-overload]


def facts(store: Store) -> int:
    return count(store, f"?s <{BASE}p> ?o")


def distinct_triples(store: Store) -> int:
    return count(store, "SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }".join(["{", "}"]))


@pytest.fixture
def store() -> Store:
    return Store(None, BASE)


def test_default_graph_counts_each_distinct_triple_once(store: Store) -> None:
    store.put_document("d1", "one.txt", DOC1)
    store.put_document("d2", "two.txt", DOC2)
    assert facts(store) == 3
    assert count(store) == distinct_triples(store)
    assert count(store, f"<{BASE}a> <{BASE}p> <{BASE}b>") == 1


def test_removing_one_of_two_documents_keeps_the_shared_fact(store: Store) -> None:
    store.put_document("d1", "one.txt", DOC1)
    store.put_document("d2", "two.txt", DOC2)
    assert store.remove_document("d1")
    assert count(store, f"<{BASE}a> <{BASE}p> <{BASE}b>") == 1
    assert count(store, f"<{BASE}a> <{BASE}p> <{BASE}c>") == 0
    assert facts(store) == 2
    assert count(store) == distinct_triples(store)
    assert not store.remove_document("d1")


def test_same_document_again_changes_nothing(store: Store) -> None:
    assert store.put_document("d1", "one.txt", DOC1) == "added"
    before = len(store.ox)
    assert store.put_document("d1", "one.txt", DOC1) == "unchanged"
    assert len(store.ox) == before


def test_same_content_from_a_second_path_records_the_path_only(store: Store) -> None:
    store.put_document("d1", "one.txt", DOC1)
    assert store.put_document("d1", "copy.txt", DOC1) == "source-added"
    graph = doc_graph_iri(BASE, "d1")
    assert store.sources_of(graph) == ["copy.txt", "one.txt"]
    assert facts(store) == 2


def test_changed_version_replaces_its_old_graph(store: Store) -> None:
    store.put_document("d1", "one.txt", DOC1)
    store.put_document("d2", "two.txt", DOC2)
    new_version = [t("a", "p", "z")]
    assert store.put_document("d3", "one.txt", new_version) == "replaced"
    assert not store.has_graph(doc_graph_iri(BASE, "d1"))
    assert store.graph_of_source("one.txt") == doc_graph_iri(BASE, "d3")
    assert count(store, f"<{BASE}a> <{BASE}p> <{BASE}c>") == 0
    assert count(store, f"<{BASE}a> <{BASE}p> <{BASE}b>") == 1  # still stated by d2
    assert facts(store) == 3
    assert count(store) == distinct_triples(store)


def test_replace_graph_is_atomic_and_keeps_the_merge_exact(store: Store) -> None:
    store.replace_graph(BASE + "graph/links", [SHARED])
    store.put_document("d1", "one.txt", DOC1)
    store.replace_graph(BASE + "graph/links", [t("q", "p", "r")])
    assert count(store, f"<{BASE}a> <{BASE}p> <{BASE}b>") == 1  # still in d1
    assert facts(store) == 3
    assert count(store) == distinct_triples(store)


def test_ensure_graph_skips_same_content(store: Store) -> None:
    assert store.ensure_graph(BASE + "graph/x", DOC1, "h1")
    assert not store.ensure_graph(BASE + "graph/x", DOC1, "h1")
    assert store.ensure_graph(BASE + "graph/x", DOC2, "h2")
    assert facts(store) == 2


def test_malformed_query_is_a_query_error(store: Store) -> None:
    with pytest.raises(QueryError, match="SPARQL syntax error"):
        store.query("SELECT WHERE {")


def test_on_disk_store_persists_and_refuses_foreign_folders(tmp_path) -> None:
    path = tmp_path / "s"
    s = Store(path, BASE)
    s.put_document("d1", "one.txt", DOC1)
    s.flush()
    del s
    ro = Store(path, BASE, read_only=True)
    assert facts(ro) == 2
    with pytest.raises(StoreError, match="read-only"):
        ro.put_document("d2", "two.txt", DOC2)
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "a.txt").write_text("x")
    with pytest.raises(StoreError, match="not a kg store"):
        Store(foreign, BASE)
    with pytest.raises(StoreError, match="no kg store here"):
        Store(tmp_path / "missing", BASE, read_only=True)
