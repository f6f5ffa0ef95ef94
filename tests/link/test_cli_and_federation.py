"""``kg link`` end to end on an on-disk store, confirmed links, and a federated SERVICE query."""

from __future__ import annotations

import gc
import traceback

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.link.errors import NetworkError
from kg.namespaces import sparql_prologue
from kg.store import Store

from .conftest import BASE, seed_triples

WD = "http://www.wikidata.org/entity/"


@pytest.fixture
def disk_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "kg-store"
    store = Store(path, BASE)
    store.replace_graph(f"{BASE}graph/doc-seed", seed_triples())
    store.flush()
    del store
    return path


def invoke(*args: str):
    env = {"KG_BASE": BASE, "KG_CONFIG": "", "KG_STORE": ""}
    env = {k: v for k, v in env.items() if v}
    # through the group, as ``kg link`` runs (its context settings apply to the subcommand)
    result = CliRunner().invoke(cli, ["link", *args], env=env, catch_exceptions=True)
    # click's finished frames hold their exception, whose traceback holds them: a cycle that also
    # keeps the calling test's frame, and with it pyoxigraph results, which must be dropped on the
    # thread that made them, for the garbage collector to free later on a fake service's thread
    if result.exc_info is not None:
        traceback.clear_frames(result.exc_info[2])
        result.exc_info[1].__traceback__ = None
        result.exc_info = (result.exc_info[0], result.exc_info[1], None)  # type: ignore[assignment]
    return result


def all_quads(path) -> set[str]:
    store = Store(path, BASE, read_only=True)
    try:
        return {str(q) for q in store.ox}
    finally:
        del store


def test_offline_link_command_is_idempotent(disk_store):
    first = invoke("--store", str(disk_store))
    assert first.exit_code == 0, first.output
    assert "offline: " in first.output and "(written)" in first.output
    second = invoke("--store", str(disk_store))
    assert "(unchanged)" in second.output


def test_online_command_links_and_second_run_asks_nothing(disk_store, services):
    args = [
        "--store",
        str(disk_store),
        "--online",
        "--reconcile-url",
        services.reconcile_url,
        "--endpoint",
        services.sparql_url,
    ]
    first = invoke(*args)
    assert first.exit_code == 0, first.output
    assert "online: 1 linked" in first.output
    assert (disk_store / "kg-link-cache.sqlite").is_file()
    n = len(services.log)
    second = invoke(*args)
    assert second.exit_code == 0 and len(services.log) == n
    assert "0 requests" in second.output and "(unchanged)" in second.output
    store = Store(disk_store, BASE, read_only=True)
    rows = store.query(sparql_prologue() + f"SELECT ?m WHERE {{ <{BASE}person/lajcak> skos:exactMatch ?m }}")
    assert [r["m"].value for r in rows] == [f"{WD}Q900000001"]


def test_online_failure_leaves_store_and_says_so(disk_store, services):
    before = all_quads(disk_store)
    services.fail["reconcile"] = "500"
    result = invoke(
        "--store",
        str(disk_store),
        "--online",
        "--reconcile-url",
        services.reconcile_url,
        "--endpoint",
        services.sparql_url,
    )
    assert isinstance(result.exception, NetworkError)
    assert "HTTP 500" in result.exception.message and "the store was not changed" in result.exception.message
    assert all_quads(disk_store) == before  # not even the offline links were written


def test_confirm_writes_owl_sameas(disk_store, tmp_path):
    confirm = tmp_path / "reviewed.tsv"
    confirm.write_text(
        f"subject\ttarget\tdate\treviewer\n{BASE}person/lajcak\t{WD}Q900000001\t2026-11-20\tA. Reviewer\n",
        encoding="utf-8",
    )
    result = invoke("--store", str(disk_store), "--confirm", str(confirm))
    assert result.exit_code == 0, result.output
    store = Store(disk_store, BASE, read_only=True)
    q = (
        sparql_prologue()
        + f"""SELECT ?t WHERE {{ <{BASE}person/lajcak> owl:sameAs ?t .
        ?r kg:linkSubject <{BASE}person/lajcak> ; kg:method "person-confirmed" ;
           prov:generatedAtTime "2026-11-20T00:00:00Z"^^xsd:dateTime }}"""
    )
    assert [r["t"].value for r in store.query(q)] == [f"{WD}Q900000001"]


def test_confirm_rejects_unknown_subject(disk_store, tmp_path):
    before = all_quads(disk_store)
    confirm = tmp_path / "reviewed.csv"
    confirm.write_text(f"{BASE}person/nobody,{WD}Q1\n", encoding="utf-8")
    result = invoke("--store", str(disk_store), "--confirm", str(confirm))
    message = result.exception.message
    del result  # its traceback holds the command's read-write store open
    gc.collect()
    assert "not in the store" in message
    assert all_quads(disk_store) == before


def test_missing_store_is_a_store_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("--store", str(tmp_path / "nothing"))
    assert "no kg store here" in result.exception.message and not (tmp_path / "nothing").exists()


def test_federated_query_joins_links_with_a_remote_endpoint(services):
    """pyoxigraph 0.5.13 evaluates SERVICE with its built-in HTTP client (loopback server here)."""
    from kg.link import offline_link_triples

    from .conftest import make_store

    store = make_store(seed_triples())
    triples, _ = offline_link_triples(store)
    store.replace_graph(f"{BASE}graph/links", triples)
    q = (
        sparql_prologue()
        + f"""SELECT ?state ?wdLabel WHERE {{
      ?state a kg:State ; skos:exactMatch ?wd .
      SERVICE <{services.sparql_url}> {{ ?wd rdfs:label ?wdLabel }}
    }}"""
    )
    rows = [(r["state"].value, r["wdLabel"]) for r in store.query(q)]
    assert rows == [(f"{BASE}state/mex", ox.Literal("Mexico", language="en"))]
    assert services.requests("sparql")[0]["headers"]["user-agent"].startswith("Oxigraph/")
