"""/sparql queries take the plain ASGI fast path; they answer exactly as the FastAPI routes would."""

from __future__ import annotations

import httpx

from kg.endpoint.fastpath import App


def test_queries_take_the_fast_path(live):
    assert isinstance(live.app, App) and live.app.fast is not None


def test_head_get_post_agree(live):
    q = {"query": "SELECT ?s WHERE { ?s a <https://kg.example/ontology#Person> }"}
    get = httpx.get(live.url + "/sparql", params=q)
    head = httpx.head(live.url + "/sparql", params=q)
    post = httpx.post(live.url + "/sparql", data=q)
    assert get.status_code == head.status_code == post.status_code == 200
    assert head.content == b""
    for r in (get, head, post):
        assert r.headers["content-type"] == "application/sparql-results+json"
        assert r.headers["access-control-allow-origin"] == "*"
        assert "KG-Truncated" in r.headers["access-control-expose-headers"]
        assert r.headers["kg-truncated"] == "false"
    assert get.content == post.content and int(get.headers["content-length"]) == len(get.content)


def test_text_formats_carry_a_charset(live):
    r = httpx.get(
        live.url + "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "format": "csv"}
    )
    assert r.headers["content-type"] == "text/csv; charset=utf-8"


def test_service_description_and_other_methods_still_go_through_fastapi(live):
    r = httpx.get(live.url + "/sparql", headers={"accept": "text/turtle"})
    assert r.status_code == 200 and "sparql-service-description" in r.text
    r = httpx.options(
        live.url + "/sparql",
        headers={"origin": "https://example.org", "access-control-request-method": "POST"},
    )
    assert r.status_code == 204 and r.headers["access-control-allow-origin"] == "*"
