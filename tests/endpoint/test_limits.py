"""Malformed and hostile requests get the right status and message, and the server keeps serving."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.endpoint.conftest import TOKEN, alive

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o . ?x ?y ?z }"


@pytest.fixture(scope="module")
def strict(live_factory):
    return live_factory(
        "strict", query_timeout=5.0, max_rows=3, max_body=2000, allow_update=True, token=TOKEN
    )


def _error(r: httpx.Response, status: int) -> str:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.headers["access-control-allow-origin"] == "*"
    body = r.json()["error"]
    assert body["status"] == status and body["message"]
    return str(body["message"])


def test_runaway_query_is_cancelled_and_its_cpu_freed(strict):
    """Measured by what happened, not by how long it took: the 503 names the timeout, and the
    process that ran the query is gone (waited for, however loaded the machine is)."""
    executor = strict.app.state.endpoint.executor
    before = set(executor.pids())
    r = httpx.get(strict.url + "/sparql", params={"query": RUNAWAY}, timeout=60)
    assert "query_timeout" in _error(r, 503)
    deadline = time.monotonic() + 60
    while all(alive(pid) for pid in before):
        assert time.monotonic() < deadline, "the worker running the query was not killed"
        time.sleep(0.05)
    r = httpx.get(strict.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=60)
    assert r.json()["boolean"] is True


def test_row_cap_is_announced(strict):
    r = httpx.get(strict.url + "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert r.status_code == 200
    assert r.headers["kg-truncated"] == "true" and r.headers["kg-row-limit"] == "3"
    data = r.json()
    assert len(data["results"]["bindings"]) == 3
    assert "max_rows=3" in data["kg:note"]
    r = httpx.get(strict.url + "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 2"})
    assert r.headers["kg-truncated"] == "false"
    assert "kg:note" not in r.json()


def test_oversize_body(strict):
    r = httpx.post(
        strict.url + "/sparql",
        content="ASK {}" + " " * 5000,
        headers={"content-type": "application/sparql-query"},
    )
    assert "max_body" in _error(r, 413)


@pytest.mark.parametrize(
    ("kwargs", "status", "needle"),
    [
        ({"params": [("query", "ASK {}"), ("query", "ASK {}")]}, 400, "2 'query'"),
        (
            {"content": "ASK {}".encode("utf-16"), "headers": {"content-type": "application/sparql-query"}},
            400,
            "UTF-8",
        ),
        ({"content": b"ASK {\xff}", "headers": {"content-type": "application/sparql-query"}}, 400, "UTF-8"),
        ({"content": "ASK {}", "headers": {"content-type": "text/plain"}}, 415, "text/plain"),
        ({"params": {"query": "SELECT * WHERE { ?s ?p }"}}, 400, "at line 1, column"),
        ({"params": {"query": "ASK {}"}, "headers": {"accept": "image/png"}}, 406, "Accept"),
        (
            {"params": {"query": "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"}},
            403,
            "allow_service",
        ),
    ],
    ids=["two-queries", "utf16", "bad-utf8", "wrong-media-type", "syntax", "not-acceptable", "service"],
)
def test_bad_queries(strict, kwargs, status, needle):
    method = "POST" if "content" in kwargs else "GET"
    r = httpx.request(method, strict.url + "/sparql", **kwargs)
    assert needle in _error(r, status)


def test_service_inside_a_string_is_not_refused(strict):
    r = httpx.get(strict.url + "/sparql", params={"query": 'ASK { FILTER("SERVICE <x>" != "") } # SERVICE'})
    assert r.status_code == 200


def test_method_not_allowed(strict):
    r = httpx.put(strict.url + "/sparql", content="x")
    _error(r, 405)
    assert "GET" in r.headers["allow"]
    _error(httpx.get(strict.url + "/update", params={"update": "CLEAR ALL"}), 405)


def test_update_needs_the_token(strict, live):
    upd = {"update": "INSERT DATA { GRAPH <https://kg.example/id/graph/x> { <urn:a> <urn:b> <urn:c> } }"}
    assert "Bearer" in _error(httpx.post(strict.url + "/update", data=upd), 401)
    r = httpx.post(strict.url + "/update", data=upd, headers={"authorization": "Bearer wrong"})
    _error(r, 401)
    assert "allow_update" in _error(
        httpx.post(live.url + "/update", data=upd, headers={"authorization": f"Bearer {TOKEN}"}), 403
    )
    assert "allow_update" in _error(
        httpx.put(
            live.url + "/store",
            params={"graph": "urn:g"},
            content="",
            headers={"content-type": "text/turtle"},
        ),
        403,
    )


def test_load_refused_by_default(strict):
    r = httpx.post(
        strict.url + "/update",
        data={"update": "LOAD <http://example.org/x> INTO GRAPH <urn:g>"},
        headers={"authorization": f"Bearer {TOKEN}"},
    )
    assert "LOAD" in _error(r, 403)


def test_health_openapi_void(live):
    assert httpx.get(live.url + "/health").json()["status"] == "ok"
    paths = httpx.get(live.url + "/openapi.json").json()["paths"]
    assert {"/sparql", "/update", "/store", "/void", "/health"} <= set(paths)
    r = httpx.get(live.url + "/void", headers={"accept": "application/n-triples"})
    assert r.status_code == 200 and "http://rdfs.org/ns/void#classPartition" in r.text
    assert "https://kg.example/ontology#Person" in r.text


def test_metrics(live_factory):
    server = live_factory("metrics", metrics=True)
    httpx.get(server.url + "/sparql", params={"query": "ASK {}"})
    text = httpx.get(server.url + "/metrics").text
    assert 'kg_http_requests_total{route="/sparql",status="200"}' in text
    assert "kg_http_request_seconds_bucket" in text
