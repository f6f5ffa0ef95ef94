"""Large results stream (no cap) or are cut at the cap with a note (spooled), complete either way."""

from __future__ import annotations

import httpx
import pytest

CROSS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def uncapped(live_factory):
    return live_factory("uncapped", max_rows=0)


@pytest.fixture(scope="module")
def capped(live_factory):
    return live_factory("capped", max_rows=5000)


def count(url: str) -> int:
    r = httpx.get(url + "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_uncapped_result_streams_complete(uncapped, fmt):
    n = count(uncapped.url) ** 3
    with httpx.stream(
        "GET", uncapped.url + "/sparql", params={"query": CROSS, "format": fmt}, timeout=60
    ) as r:
        assert r.status_code == 200 and r.headers["kg-row-limit"] == "0"
        assert "content-length" not in r.headers  # chunked: it was streamed
        body = r.read()
    if fmt == "json":
        import json

        assert len(json.loads(body)["results"]["bindings"]) == n
    elif fmt == "xml":
        assert body.count(b"<result>") == n and body.rstrip().endswith(b"</sparql>")
    else:
        assert body.count(b"\n") == n + 1


def test_capped_large_result_is_cut_with_a_note(capped):
    r = httpx.get(capped.url + "/sparql", params={"query": CROSS}, timeout=60)
    assert r.status_code == 200
    assert r.headers["kg-truncated"] == "true" and "max_rows=5000" in r.headers["warning"]
    data = r.json()
    assert len(data["results"]["bindings"]) == 5000 and "truncated" in data["kg:note"]


def test_capped_construct(capped):
    q = (
        "CONSTRUCT { ?a ?b ?x } WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i "
        "BIND(CONCAT(STR(?c), STR(?f), STR(?i)) AS ?x) }"
    )
    r = httpx.get(capped.url + "/sparql", params={"query": q, "format": "nt"}, timeout=60)
    assert r.status_code == 200
    assert r.headers["kg-truncated"] == "true"
    assert r.text.count("\n") == 5000
