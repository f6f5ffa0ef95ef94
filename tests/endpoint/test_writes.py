"""Writes (Update, Graph Store) keep the default graph the merge of the named graphs, atomically."""

from __future__ import annotations

import threading

import httpx
import pytest

from tests.endpoint.conftest import BASE, DOC_GRAPH, TOKEN

AUTH = {"authorization": f"Bearer {TOKEN}"}
G2 = BASE + "graph/doc-2"


def ask(url: str, pattern: str) -> bool:
    r = httpx.get(url + "/sparql", params={"query": f"ASK {{ {pattern} }}"})
    assert r.status_code == 200, r.text
    return bool(r.json()["boolean"])


def update(url: str, text: str) -> httpx.Response:
    return httpx.post(
        url + "/update", content=text, headers={"content-type": "application/sparql-update", **AUTH}
    )


def test_update_keeps_the_merge(live_rw):
    url = live_rw.url
    assert update(url, f"INSERT DATA {{ GRAPH <{G2}> {{ <urn:x> <urn:p> <urn:y> }} }}").status_code == 204
    assert ask(url, "<urn:x> <urn:p> <urn:y>")  # in the default graph, no GRAPH needed
    # the same triple stated by a second graph survives deleting it from one of them
    update(url, f"INSERT DATA {{ GRAPH <{DOC_GRAPH}> {{ <urn:x> <urn:p> <urn:y> }} }}")
    update(url, f"DELETE DATA {{ GRAPH <{G2}> {{ <urn:x> <urn:p> <urn:y> }} }}")
    assert ask(url, "<urn:x> <urn:p> <urn:y>")
    update(url, f"WITH <{DOC_GRAPH}> DELETE {{ <urn:x> ?p ?o }} WHERE {{ <urn:x> ?p ?o }}")
    assert not ask(url, "<urn:x> <urn:p> <urn:y>")
    assert ask(url, "<https://kg.example/id/person/louise-arbour> ?p ?o")


def test_update_of_the_default_graph_is_refused(live_rw):
    r = update(live_rw.url, "INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    assert r.status_code == 400
    assert "named graph" in r.json()["error"]["message"]
    assert not ask(live_rw.url, "<urn:a> <urn:b> <urn:c>")


def test_graph_store_put_get_delete(live_rw):
    url = live_rw.url
    g = BASE + "graph/doc-gsp"
    ttl = "<urn:s> <urn:p> 'one' , 'two' ."
    r = httpx.put(
        url + "/store", params={"graph": g}, content=ttl, headers={"content-type": "text/turtle", **AUTH}
    )
    assert r.status_code == 201
    assert ask(url, "<urn:s> <urn:p> 'two'")
    r = httpx.put(
        url + "/store",
        params={"graph": g},
        content="<urn:s> <urn:p> 'three' .",
        headers={"content-type": "text/turtle", **AUTH},
    )
    assert r.status_code == 204
    assert not ask(url, "<urn:s> <urn:p> 'two'") and ask(url, "<urn:s> <urn:p> 'three'")
    r = httpx.get(url + "/store", params={"graph": g}, headers={"accept": "application/n-triples"})
    assert r.text.strip() == '<urn:s> <urn:p> "three" .'
    assert httpx.delete(url + "/store", params={"graph": g}, headers=AUTH).status_code == 204
    assert not ask(url, "<urn:s> <urn:p> 'three'")
    assert httpx.get(url + "/store", params={"graph": g}).status_code == 404
    r = httpx.put(
        url + "/store", params={"default": ""}, content="", headers={"content-type": "text/turtle", **AUTH}
    )
    assert r.status_code == 405


def test_document_graph_dump(live_rw):
    r = httpx.get(live_rw.url + "/store", params={"graph": DOC_GRAPH}, headers={"accept": "text/turtle"})
    assert r.status_code == 200 and "louise-arbour" in r.text


def test_readers_never_see_half_a_replacement(live_rw):
    """A graph replaced over and over between two 100-triple states: readers see 100 or 100."""
    url = live_rw.url
    g = BASE + "graph/doc-flip"
    states = ["".join(f"<urn:s{i}> <urn:p> '{tag}' .\n" for i in range(100)) for tag in ("a", "b")]
    seen: list[int] = []
    stop = threading.Event()

    def reader() -> None:
        q = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <" + g + "> { ?s <urn:p> ?o } }"
        with httpx.Client() as c:
            while not stop.is_set():
                r = c.get(url + "/sparql", params={"query": q})
                seen.append(int(r.json()["results"]["bindings"][0]["n"]["value"]))

    httpx.put(
        url + "/store",
        params={"graph": g},
        content=states[0],
        headers={"content-type": "text/turtle", **AUTH},
    )
    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(20):
        r = httpx.put(
            url + "/store",
            params={"graph": g},
            content=states[i % 2],
            headers={"content-type": "text/turtle", **AUTH},
        )
        assert r.status_code == 204
    stop.set()
    for t in threads:
        t.join()
    assert seen and set(seen) == {100}


@pytest.mark.parametrize("fmt", ["text/turtle", "application/ld+json", "application/n-triples"])
def test_entity_rdf(live, fmt):
    r = httpx.get(live.url + "/id/person/louise-arbour", headers={"accept": fmt})
    assert r.status_code == 200 and r.headers["content-type"].startswith(fmt)
    assert "Louise Arbour" in r.text


def test_entity_html_and_404(live):
    r = httpx.get(live.url + "/id/person/louise-arbour", headers={"accept": "text/html,*/*;q=0.8"})
    assert r.status_code == 200 and "Louise Arbour, the High Commissioner" in r.text
    assert "wikidata.org/entity/Q255629" in r.text
    assert httpx.get(live.url + "/id/person/nobody").status_code == 404
