"""Against a real uvicorn server with worker processes over an on-disk store."""

from __future__ import annotations

import httpx


def test_select_json(live):
    r = httpx.get(
        live.url + "/sparql",
        params={"query": "SELECT ?s WHERE { ?s a <https://kg.example/ontology#Person> }"},
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    assert r.json()["results"]["bindings"][0]["s"]["value"] == "https://kg.example/id/person/louise-arbour"


def test_post_form_and_direct(live):
    r = httpx.post(live.url + "/sparql", data={"query": "ASK { ?s ?p ?o }"})
    assert r.json()["boolean"] is True
    r = httpx.post(
        live.url + "/sparql", content="ASK { ?s ?p 42 }", headers={"content-type": "application/sparql-query"}
    )
    assert r.json()["boolean"] is False


def test_syntax_error_has_position(live):
    r = httpx.get(live.url + "/sparql", params={"query": "SELECT * WHERE { ?s ?p }"})
    assert r.status_code == 400
    assert "at line 1, column" in r.json()["error"]["message"]
    assert r.headers["access-control-allow-origin"] == "*"
