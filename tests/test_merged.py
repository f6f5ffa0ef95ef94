"""What only the merged graph shows: two documents giving one node two values of a property the
shapes allow once. Found before writing (``conflicts``) and in the store (``merged_violations``),
and prevented by the build (the later value quarantined), on both stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pyoxigraph as ox
import pytest

from kg import pipeline
from kg.merged import conflicts, functional_properties, merged_violations
from kg.namespaces import KG
from kg.store import GraphStore, RemoteStore, Store, doc_graph_iri
from tests.conftest import OxigraphServer, kg

BASE = "https://kg.example/id/"
XSD_DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")
TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
EVENT = ox.NamedNode(BASE + "event/summit")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


def k(term: str) -> ox.NamedNode:
    return ox.NamedNode(str(KG[term]))


def event_doc(end: str | None, label: str = "Water Summit") -> list[ox.Triple]:
    triples = [
        ox.Triple(EVENT, TYPE, k("Event")),
        ox.Triple(EVENT, LABEL, ox.Literal(label, language="en")),
        ox.Triple(EVENT, k("startDate"), ox.Literal("2031-05-02", datatype=XSD_DATE)),
    ]
    if end is not None:
        triples.append(ox.Triple(EVENT, k("endDate"), ox.Literal(end, datatype=XSD_DATE)))
    return triples


@pytest.fixture(params=["embedded", "oxigraph-server"])
def store(request: pytest.FixtureRequest) -> Iterator[GraphStore]:
    if request.param == "embedded":
        yield Store(None, BASE)
        return
    server: OxigraphServer = request.getfixturevalue("oxigraph_server")
    server.clear()
    remote = RemoteStore(server.url, BASE)
    remote.ensure_counts()
    yield remote
    remote.close()


def test_functional_properties_come_from_the_shapes() -> None:
    pairs = {(f.cls.rsplit("#", 1)[-1], f.path.rsplit("#", 1)[-1]) for f in functional_properties()}
    assert ("Event", "endDate") in pairs and ("Document", "symbol") in pairs and ("State", "iso3") in pairs
    assert not any(path.endswith("label") for _, path in pairs)  # labels: the writer adopts the stored one
    assert ("Person", "holds") not in pairs  # a person may hold many posts


def test_a_second_value_from_another_document_is_found_before_it_is_written(store: GraphStore) -> None:
    store.put_document("a", "a.txt", event_doc("2031-05-04"))
    same, other, more = event_doc("2031-05-04"), event_doc("2031-05-09"), event_doc(None)
    assert conflicts(store, same) == []  # agreeing is fine
    assert conflicts(store, more) == []  # saying less is fine
    found = conflicts(store, other)
    assert [(t.object, v.focus, v.value) for t, v in found] == [
        (ox.Literal("2031-05-09", datatype=XSD_DATE), EVENT.value, "2031-05-09")
    ]
    assert "2031-05-04" in found[0][1].message and "2031-05-09" in found[0][1].message
    # the graph a document replaces does not count against it
    assert conflicts(store, other, ignore=[doc_graph_iri(BASE, "a")]) == []


def test_the_merged_graph_is_checked_as_it_is(store: GraphStore) -> None:
    store.put_document("a", "a.txt", event_doc("2031-05-04"))
    store.put_document("b", "b.txt", event_doc("2031-05-04"))
    assert merged_violations(store) == []
    store.put_document("c", "c.txt", event_doc("2031-05-09"))  # written without the writer's check
    [violation] = merged_violations(store)
    assert violation.focus == EVENT.value and violation.path == str(KG.endDate)
    assert violation.value is not None and set(violation.value.split(" | ")) == {"2031-05-04", "2031-05-09"}
    store.remove_document("c")
    assert merged_violations(store) == []


def test_kg_validate_names_the_merged_node(tmp_path: Path) -> None:
    store = Store(tmp_path / "s", BASE)
    store.put_document("a", "a.txt", event_doc("2031-05-04"))
    store.put_document("c", "c.txt", event_doc("2031-05-09"))
    store.close()
    run = kg("validate", "--store", tmp_path / "s", env={"KG_BASE": BASE})
    assert run.code == 1, run.out
    [line] = [x for x in run.out.splitlines() if x.startswith("merged default graph:")]
    assert EVENT.value in line and "endDate" in line and "2031-05-09" in line


# -- the build prevents them: the value written first is kept, the later one is quarantined -------


def summit(folder: Path, name: str, end: int, who: str = "Kenya and Norway") -> Path:
    """A release about one event (same name, same start) that ends on ``end`` May."""
    path = folder / name
    path.write_text(
        "3 May 2031\n\nWater Summit Opens in Nairobi\n\nNAIROBI, 2 May — The Water Summit, held in "
        f"Nairobi from 2 May to {end} May, opened today.\n\nDelegates from {who} attended "
        "the opening.\n",
        encoding="utf-8",
    )
    return path


SUMMIT = ox.NamedNode(BASE + "event/water-summit-2031-05-02")


def end_dates(store: GraphStore) -> dict[str, set[str]]:
    """The summit's end dates in each document graph."""
    rows = store.select(f"SELECT ?g ?end WHERE {{ GRAPH ?g {{ <{SUMMIT.value}> <{KG.endDate}> ?end }} }}")
    out: dict[str, set[str]] = {}
    for r in rows:
        out.setdefault(cast(ox.NamedNode, r["g"]).value, set()).add(cast(ox.Literal, r["end"]).value)
    return out


def test_the_build_keeps_the_first_value_and_quarantines_the_later(store: GraphStore, tmp_path: Path) -> None:
    first, later = summit(tmp_path, "a.txt", 4), summit(tmp_path, "b.txt", 6)
    report = pipeline.build([first, later], store, link=False)
    assert [r.outcome for r in report.results] == ["added", "quarantined"]
    [left_out] = report.results[1].quarantined
    assert left_out.subject == f"<{SUMMIT.value}>" and left_out.predicate == f"<{KG.endDate}>"
    assert "2031-05-04" in left_out.message and "2031-05-06" in left_out.message
    assert [e.text for e in left_out.evidence] == ["Water Summit"]  # where b names the event
    graphs = {r.source: doc_graph_iri(BASE, r.doc_id) for r in report.results}
    assert end_dates(store) == {graphs[str(first)]: {"2031-05-04"}}  # b's other statements are loaded
    assert store.has_graph(graphs[str(later)])
    assert merged_violations(store) == []
    assert [g for g, _ in pipeline.stored_quarantine(store)] == [graphs[str(later)]]
    # a forced rebuild of both comes to the same, and a document that agrees is loaded whole
    again = pipeline.build([first, later], store, force=True, link=False)
    assert [r.outcome for r in again.results] == ["replaced", "quarantined"]
    assert end_dates(store) == {graphs[str(first)]: {"2031-05-04"}}
    agreeing = pipeline.build([summit(tmp_path, "c.txt", 4, "Chile")], store, link=False)
    assert [r.outcome for r in agreeing.results] == ["added"] and merged_violations(store) == []


def test_an_edited_release_replaces_its_own_value_without_a_conflict(
    store: GraphStore, tmp_path: Path
) -> None:
    path = summit(tmp_path, "a.txt", 4)
    pipeline.build([path], store, link=False)
    summit(tmp_path, "a.txt", 6)  # the file is corrected: its old graph is not another document
    report = pipeline.build([path], store, link=False)
    assert [(r.outcome, r.quarantined) for r in report.results] == [("replaced", [])]
    assert end_dates(store) == {doc_graph_iri(BASE, report.results[0].doc_id): {"2031-05-06"}}
    assert merged_violations(store) == []


def test_kg_validate_finds_the_merge_conforming_after_a_build_with_conflicts(tmp_path: Path) -> None:
    summit(tmp_path, "a.txt", 4), summit(tmp_path, "b.txt", 6)
    built = kg("build", tmp_path / "a.txt", tmp_path / "b.txt", "--store", tmp_path / "s", "--no-link")
    assert built.code == 1, built.err  # (something was quarantined)
    assert "documents disagree (2031-05-04, 2031-05-06)" in built.err
    run = kg("validate", "--store", tmp_path / "s")
    assert run.code == 1, run.out  # (1: something is quarantined, listed)
    assert not [x for x in run.out.splitlines() if x.startswith("merged default graph:")]
    assert "violations: 0, quarantined: 1 statements of 1 documents" in run.out


def test_kg_remove_names_the_documents_whose_values_it_held_back(tmp_path: Path) -> None:
    first, later = summit(tmp_path, "a.txt", 4), summit(tmp_path, "b.txt", 6)
    other = summit(tmp_path, "c.txt", 4, "Chile")  # agrees with a: nothing of it was left out
    kg("build", first, later, other, "--store", tmp_path / "s", "--no-link")
    run = kg("remove", first, "--store", tmp_path / "s")
    assert run.code == 0, run.err
    [line] = [x for x in run.err.splitlines() if x.startswith("kg remove:")]
    assert f"{later}: 1 statement(s) were left out" in line and f"kg build --force {later}" in line
    # c still says 4 May, so b's 6 May stays out; once c is gone too, the rebuild loads it
    assert f"kg build --force {later}" in kg("remove", other, "--store", tmp_path / "s").err
    rebuilt = kg("build", later, "--store", tmp_path / "s", "--no-link", "--force")
    assert rebuilt.code == 0 and "quarantined" not in rebuilt.out, rebuilt.out
