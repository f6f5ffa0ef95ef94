"""End to end: the bundled examples through `kg build`, compared with a golden graph by isomorphism.

The golden graph is the merged default graph without the store's metadata graph (which records
local paths). After a deliberate change of extraction or mapping, regenerate and review it:
python -m tests.test_e2e
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from tests.conftest import ROOT, kg

GOLDEN = ROOT / "tests" / "data" / "e2e" / "examples.nt"
META_FREE = (
    "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } "
    "FILTER(?g NOT IN (<https://kg.example/id/graph/meta>, <https://kg.example/id/graph/stats>)) }"
)


def built_graph(store: Path) -> Graph:
    run = kg("build", "examples", "--store", store, cwd=ROOT)
    assert run.code == 0, run.err
    out = kg("query", META_FREE, "--store", store)
    assert out.code == 0, out.err
    return Graph().parse(data=out.out, format="turtle")


def test_examples_match_the_golden_graph(tmp_path: Path) -> None:
    got = built_graph(tmp_path / "s")
    expected = Graph().parse(GOLDEN, format="nt")
    if not isomorphic(got, expected):
        _, only_got, only_expected = graph_diff(to_isomorphic(got), to_isomorphic(expected))
        extra = sorted(" ".join(t.n3() for t in triple) for triple in only_got)[:20]
        missing = sorted(" ".join(t.n3() for t in triple) for triple in only_expected)[:20]
        pytest.fail(
            f"{len(only_got)} triples more, {len(only_expected)} fewer than the golden graph "
            "(regenerate with python -m tests.test_e2e after review)\n+ "
            + "\n+ ".join(extra)
            + "\n- "
            + "\n- ".join(missing)
        )


def test_every_stored_graph_conforms(tmp_path: Path) -> None:
    store = tmp_path / "s"
    assert kg("build", "examples", "--store", store, cwd=ROOT).code == 0
    run = kg("validate", "--store", store)
    assert run.code == 0, run.out


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        graph = built_graph(Path(tmp) / "s")
    lines = sorted(line for line in graph.serialize(format="nt").splitlines() if line.strip())
    GOLDEN.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN}: {len(graph)} triples")
    sys.exit(0)


EVIDENCE = """SELECT ?person ?p ?o ?sentence WHERE {
  VALUES ?p { kg:holds kg:representativeOf kg:chairs }
  ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?x .
  ?s rdfs:label ?person . ?x rdfs:label ?o .
  ?e oa:hasBody ?st ; oa:hasTarget/oa:hasSelector/oa:exact ?sentence }"""


def test_seed_facts_come_with_their_evidence_sentence(seed: Path, tmp_path: Path) -> None:
    store = tmp_path / "s"
    assert kg("build", seed, "--store", store).code == 0
    run = kg("query", EVIDENCE, "--store", store, "--format", "json")
    rows = [
        {k: v["value"].rsplit("#", 1)[-1] for k, v in b.items()}
        for b in json.loads(run.out)["results"]["bindings"]
    ]
    facts = {(r["person"], r["p"], r["o"]) for r in rows}
    assert ("Jürg Lauber", "representativeOf", "Switzerland") in facts
    assert ("Juan José Ignacio Gómez Camacho", "representativeOf", "Mexico") in facts
    assert ("Miroslav Lajčák", "holds", "President of the General Assembly of the United Nations") in facts
    assert {r["person"] for r in rows if r["p"] == "chairs"} == {
        "Jürg Lauber",
        "Juan José Ignacio Gómez Camacho",
    }
    for r in rows:  # the evidence is the sentence that names the person
        surname = r["person"].split()[-1]
        assert surname in r["sentence"], (r["person"], r["sentence"])
