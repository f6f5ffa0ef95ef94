"""Online linking against a real HTTP server on loopback (never the internet)."""

from __future__ import annotations

import json
import socket

import httpx
import pytest

from kg.link.cache import AnswerCache
from kg.link.errors import BadResponse, NetworkError, RateLimited, ServiceUnavailable
from kg.link.online import OnlineConfig, link_online, post_matches, targets_in
from kg.namespaces import sparql_prologue

from .conftest import BASE, make_store, org, person

WD = "http://www.wikidata.org/entity/"


def triples():
    return [
        *person("person/lajcak", "Miroslav Lajčák", "President of the General Assembly"),
        *person("person/summa", "Giancarlo Summa"),
        *org("org/smithsonian", "Smithsonian Associates"),
        *org("org/un", "United Nations", "UN"),
    ]


def config(services, **kw) -> OnlineConfig:
    return OnlineConfig(reconcile_url=services.reconcile_url, sparql_endpoint=services.sparql_url, **kw)


def quads(store) -> set[str]:
    return {str(q) for q in store.ox}


def run(store, services, cache=None, **kw):
    cache = AnswerCache(None) if cache is None else cache
    return link_online(store, config(services, **kw.pop("cfg", {})), cache, **kw)


def test_links_a_person_by_name_type_and_position(services):
    store = make_store(triples())
    report = run(store, services, exclude=frozenset({f"{BASE}org/un"}))
    by = {d.subject.rsplit("/", 1)[-1]: d for d in report.decisions}
    assert by["lajcak"].decision == "linked" and by["lajcak"].target == f"{WD}Q900000001"
    assert [c.target for c in by["lajcak"].candidates] == [f"{WD}Q900000001", f"{WD}Q900000002"]
    assert by["summa"].decision == "below-threshold" and by["summa"].target is None
    assert by["smithsonian"].decision == "no-candidate"
    assert "un" not in by
    # the question carried the type and the position-held constraint
    (recon,) = services.requests("reconcile")

    queries = json.loads(recon["form"]["queries"][0])
    q = next(v for v in queries.values() if v["query"] == "Miroslav Lajčák")
    assert q["type"] == "Q5" and q["properties"] == [{"pid": "P39", "v": "President of the General Assembly"}]
    assert recon["headers"]["user-agent"].startswith("kg/")
    # the links and the records are in the store
    rows = list(
        store.query(
            sparql_prologue()
            + f"""SELECT ?m ?n WHERE {{ <{BASE}person/lajcak> skos:exactMatch ?m .
            ?r kg:linkSubject <{BASE}person/lajcak> ; kg:method "online-reconciliation" ;
               kg:candidateCount ?n }}"""
        )
    )
    assert [(r["m"].value, int(r["n"].value)) for r in rows] == [(f"{WD}Q900000001", 2)]
    unlinked = list(
        store.query(
            sparql_prologue()
            + f"""SELECT ?t WHERE {{ ?r kg:linkSubject <{BASE}person/summa> ; kg:decision "below-threshold" ;
                kg:candidate ?c . ?c kg:linkTarget ?t }}"""
        )
    )
    assert [r["t"].value for r in unlinked] == [f"{WD}Q900000003"]
    assert not bool(store.query(sparql_prologue() + f"ASK {{ <{BASE}person/summa> skos:exactMatch ?m }}"))


def test_second_run_makes_no_request(services, tmp_path):
    store = make_store(triples())
    cache = AnswerCache(tmp_path / "cache.sqlite")
    first = run(store, services, cache)
    assert first.requests == 2 and first.written  # one reconciliation batch, one SPARQL query
    before = quads(store)
    n = len(services.log)
    cache.close()
    second = run(store, services, AnswerCache(tmp_path / "cache.sqlite"))
    assert len(services.log) == n and second.requests == 0 and second.cached > 0
    assert not second.written and quads(store) == before


def test_batching(services):
    store = make_store([t for i in range(7) for t in person(f"person/p{i}", f"Nobody {i}")])
    report = run(store, services, cfg={"batch_size": 3})
    assert report.requests == 3 and len(services.requests("reconcile")) == 3


def test_without_position_context_the_namesakes_are_not_linked(services):
    store = make_store(person("person/lajcak", "Miroslav Lajčák"))
    (d,) = run(store, services).decisions
    assert d.decision == "ambiguous" and d.target is None and len(d.candidates) == 2
    assert d.candidates[0].score == d.candidates[1].score


def test_post_matching():
    assert post_matches(
        "President of the General Assembly", "President of the United Nations General Assembly"
    )
    assert not post_matches("President", "President of France")
    assert not post_matches("Secretary-General", "President of the United Nations General Assembly")


def test_backoff_honours_retry_after(services):
    services.fail["reconcile"] = "429-once"
    slept: list[float] = []
    report = run(make_store(triples()), services, sleep=slept.append)
    assert slept == [7.0] and any(d.decision == "linked" for d in report.decisions)


# -- failures leave the store as it was ----------------------------------------------------------


@pytest.fixture
def linked_store(services):
    """A store that already holds an online graph from an earlier run (it must survive failures)."""
    store = make_store(triples())
    run(store, services)
    store.replace_graph(f"{BASE}graph/doc-2", person("person/new", "Someone New", "Special Envoy"))
    return store


@pytest.mark.parametrize(
    ("route", "mode", "error", "words"),
    [
        ("reconcile", "500", ServiceUnavailable, "HTTP 500"),
        ("reconcile", "429", RateLimited, "429 Too Many Requests after 4 attempts"),
        ("reconcile", "malformed", BadResponse, "not JSON"),
        ("reconcile", "slow", ServiceUnavailable, "no answer within 0.3 s"),
        ("sparql", "500", ServiceUnavailable, "HTTP 500"),
        ("sparql", "malformed", BadResponse, "not JSON"),
    ],
)
def test_failures_leave_the_store_unchanged(services, linked_store, route, mode, error, words):
    before = quads(linked_store)
    services.fail[route] = mode
    slept: list[float] = []
    with pytest.raises(error) as info:
        run(linked_store, services, cfg={"timeout": 0.3}, sleep=slept.append)
    assert words in info.value.message and "the store was not changed" in info.value.message
    assert isinstance(info.value, NetworkError) and info.value.exit_code == 3
    assert quads(linked_store) == before
    if mode == "429":
        assert slept == [7.0, 7.0, 7.0]


def test_connection_refused(services):
    store = make_store(triples())
    before = quads(store)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = OnlineConfig(
        reconcile_url=f"http://127.0.0.1:{port}/reconcile", sparql_endpoint=services.sparql_url
    )
    with pytest.raises(ServiceUnavailable, match="cannot connect"):
        link_online(store, cfg, AnswerCache(None))
    assert quads(store) == before


def test_wrong_shape_is_a_bad_response():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"q0": {"nothing": []}})

    store = make_store(person("person/x", "X"))
    http = httpx.Client(transport=httpx.MockTransport(handler))
    with pytest.raises(BadResponse, match="no valid result list"):
        link_online(
            store, OnlineConfig(reconcile_url="http://recon.invalid/api"), AnswerCache(None), http=http
        )


def test_targets_skip_entities_linked_to_wikidata():
    from kg.link import offline_link_triples

    store = make_store(triples())
    links, _ = offline_link_triples(store)
    store.replace_graph(f"{BASE}graph/links", links)
    assert [t.subject.rsplit("/", 1)[-1] for t in targets_in(store)] == ["smithsonian", "lajcak", "summa"]


@pytest.mark.parametrize(
    ("header", "attempt", "expected"),
    [
        ("7", 0, 7.0),
        ("", 0, 1.0),
        ("", 2, 4.0),
        ("999", 0, 60.0),
        ("soon", 1, 2.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0, 0.0),
    ],
)
def test_retry_after(header, attempt, expected):
    from kg.link.online import _retry_after

    headers = {"Retry-After": header} if header else {}
    assert _retry_after(httpx.Response(429, headers=headers), attempt, 60.0) == expected
