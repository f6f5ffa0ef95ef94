"""/sparql knows the prefixes kg query knows, says where a query is wrong in one line, and writes
Turtle without escaped slashes."""

from __future__ import annotations

import httpx

from kg.namespaces import PREFIXES

#: The README's first query, as a user pastes it: no PREFIX lines.
README_QUERY = (
    "SELECT ?person ?office WHERE { ?p a kg:Person ; rdfs:label ?person ; kg:holds/rdfs:label ?office }"
)


def test_the_readme_query_runs_without_prefix_lines(live):
    r = httpx.get(
        live.url + "/sparql", params={"query": README_QUERY}, headers={"Accept": "application/json"}
    )
    assert r.status_code == 200, r.text
    rows = [(b["person"]["value"], b["office"]["value"]) for b in r.json()["results"]["bindings"]]
    assert rows == [("Louise Arbour", "High Commissioner for Human Rights")]


def test_a_query_may_still_declare_its_own_prefixes(live):
    q = "PREFIX kg: <urn:other#> ASK { ?p a kg:Person }"
    r = httpx.post(live.url + "/sparql", data={"query": q}, headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.json()["boolean"] is False


def test_syntax_errors_are_one_line_with_the_position(live):
    r = httpx.get(live.url + "/sparql", params={"query": "SELECT * WHERE {\n ?s ?p \n}"})
    assert r.status_code == 400
    message = r.json()["error"]["message"]
    assert message.startswith("SPARQL syntax error at line ") and ", column " in message
    assert "\n" not in message and "['" not in message
    r = httpx.get(live.url + "/sparql", params={"query": "SELECT * WHERE { ?s nope:x ?o }"})
    assert r.status_code == 400
    assert r.json()["error"]["message"].startswith("SPARQL syntax error: unknown prefix 'nope:' at line 1")
    assert "predeclared: " + ", ".join(sorted({*PREFIXES, "id"})) in r.json()["error"]["message"]


def test_turtle_answers_write_base_iris_whole(live):
    for url, params in (
        ("/sparql", {"query": "CONSTRUCT WHERE { ?s a kg:Post ; ?p ?o }"}),
        ("/id/person/louise-arbour", {}),
    ):
        r = httpx.get(live.url + url, params=params, headers={"Accept": "text/turtle"})
        assert r.status_code == 200, r.text
        assert "\\/" not in r.text and "<https://kg.example/id/post/high-commissioner>" in r.text
