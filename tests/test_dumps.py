"""Faithful dumps and restore, as a user runs them: build -> export -> restore -> export gives
byte-identical dumps and the same ``kg info``; one graph with ``--graph``; a remote store (an
Oxigraph server) gives the same dump as the embedded store."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset
from rdflib.compare import isomorphic

from tests.conftest import EXAMPLES, OxigraphServer, VirtuosoServer, kg

BASE = "https://kg.example/id/"


def info(store: str | Path) -> dict[str, object]:
    run = kg("info", "--store", store, "--json")
    assert run.code == 0, run.err
    data = json.loads(run.out)
    del data["store"]
    return data


def export(store: str | Path, fmt: str, *extra: str) -> bytes:
    run = kg("export", "--store", store, "--format", fmt, *extra)
    assert run.code == 0, run.err
    return run.out.encode()


def test_nquads_round_trip_is_byte_identical(built: Path, tmp_path: Path) -> None:
    dump = tmp_path / "dump.nq"
    dump.write_bytes(export(built, "nquads"))
    graphs = {line.rsplit(" ", 2)[-2] for line in dump.read_text().splitlines() if line.endswith("> .")}
    assert f"<{BASE}graph/meta>" in graphs and any("graph/" in g for g in graphs)
    restored = tmp_path / "restored"
    run = kg("restore", dump, "--store", restored)
    assert run.code == 0, run.err
    assert "restored" in run.out
    assert export(restored, "nquads") == dump.read_bytes()
    assert info(restored) == info(built)
    assert kg("validate", "--store", restored).code == 0


def test_trig_carries_every_named_graph_and_restores(built: Path, tmp_path: Path) -> None:
    trig = export(built, "trig")
    assert trig != export(built, "turtle")
    nquads = Dataset().parse(data=export(built, "nquads").decode(), format="nquads")
    from_trig = Dataset().parse(data=trig.decode(), format="trig")
    names = {g.identifier for g in nquads.graphs()}
    assert names == {g.identifier for g in from_trig.graphs()}
    for name in names:
        assert isomorphic(nquads.graph(name), from_trig.graph(name)), name
    (tmp_path / "dump.trig").write_bytes(trig)
    restored = tmp_path / "restored"
    assert kg("restore", tmp_path / "dump.trig", "--store", restored).code == 0
    assert export(restored, "nquads") == export(built, "nquads")


def test_restore_replaces_an_existing_store_and_a_bad_dump_leaves_it(built: Path, tmp_path: Path) -> None:
    target = tmp_path / "target"
    assert kg("build", EXAMPLES / "forum-statement.txt", "--store", target).code == 0
    before = export(target, "nquads")
    bad = tmp_path / "bad.nq"
    bad.write_bytes(export(built, "nquads") + b"<broken line\n")
    run = kg("restore", bad, "--store", target)
    assert run.code == 2 and "bad.nq" in run.err and "left as it was" in run.err
    assert export(target, "nquads") == before
    good = tmp_path / "good.nq"
    good.write_bytes(export(built, "nquads"))
    assert kg("restore", good, "--store", target).code == 0
    assert export(target, "nquads") == good.read_bytes()
    assert not list(tmp_path.glob(".target.*"))  # nothing left beside it


def test_a_dump_without_the_merge_gets_it_rebuilt(built: Path, tmp_path: Path) -> None:
    quads = ox.parse(export(built, "nquads"), format=ox.RdfFormat.N_QUADS)
    dump = tmp_path / "named.nq"
    with dump.open("wb") as out:
        ox.serialize((q for q in quads if isinstance(q.graph_name, ox.NamedNode)), out, ox.RdfFormat.N_QUADS)
    restored = tmp_path / "restored"
    assert kg("restore", dump, "--store", restored).code == 0
    assert export(restored, "nquads") == export(built, "nquads")


def test_export_one_graph(built: Path) -> None:
    meta = f"{BASE}graph/meta"
    lines = export(built, "nquads", "--graph", meta).decode().splitlines()
    assert lines and all(line.endswith(f"<{meta}> .") for line in lines)
    assert lines == sorted(lines)
    run = kg("export", "--store", built, "--graph", f"{BASE}graph/nothing")
    assert run.code == 2 and "no document" in run.err


def test_remote_store_builds_and_exports_the_same_dataset(
    built: Path, oxigraph_server: OxigraphServer, tmp_path: Path
) -> None:
    oxigraph_server.clear()
    url = oxigraph_server.url
    run = kg("build", EXAMPLES, "--store", url)
    assert run.code == 0, run.err
    assert export(url, "nquads") == export(built, "nquads")
    assert export(url, "turtle") == export(built, "turtle")
    assert info(url) == info(built)
    assert kg("validate", "--store", url).code == 0
    query = kg("query", "SELECT (COUNT(*) AS ?n) WHERE { ?p a kg:Person }", "--store", url, "--format", "csv")
    local = kg(
        "query", "SELECT (COUNT(*) AS ?n) WHERE { ?p a kg:Person }", "--store", built, "--format", "csv"
    )
    assert query.code == 0 and query.out == local.out
    again = kg("build", EXAMPLES, "--store", url)
    assert "2 unchanged" in again.out
    doc = EXAMPLES / "forum-statement.txt"
    assert kg("remove", str(doc), "--store", url).code == 0
    assert kg("link", "--store", url).code == 0
    assert info(url)["documents"] == 1


def test_virtuoso_builds_and_exports_the_same_dataset(built: Path, virtuoso_server: VirtuosoServer) -> None:
    """Virtuoso keeps the merge in a named graph (its default graph is every graph): the same
    dataset comes out, byte for byte."""
    virtuoso_server.clear(BASE)
    url = virtuoso_server.url
    env = {
        "KG_STORE_QUERY": "/sparql",
        "KG_STORE_UPDATE": "/sparql",
        "KG_STORE_DATA": "/sparql-graph-crud",
        "KG_STORE_MERGED_GRAPH": f"{BASE}graph/merged",
    }
    run = kg("build", EXAMPLES, "--store", url, env=env)
    assert run.code == 0, run.err
    for fmt in ("nquads", "turtle"):
        there = kg("export", "--store", url, "--format", fmt, env=env)
        assert there.code == 0, there.err
        assert there.out.encode() == export(built, fmt), fmt
    on_virtuoso = kg("info", "--store", url, "--json", env=env)
    assert json.loads(on_virtuoso.out)["distinct_triples"] == info(built)["distinct_triples"]
    assert kg("validate", "--store", url, env=env).code == 0
