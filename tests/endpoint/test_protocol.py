"""Pure protocol pieces: request parsing, content negotiation, the policy read from a real parse."""

from __future__ import annotations

import pytest

from kg.endpoint import classify, tasks
from kg.endpoint.classify import ALL, Origin
from kg.endpoint.negotiation import RDF_FORMATS, RESULT_FORMATS, negotiate, pick
from kg.endpoint.protocol import Policy, ProtocolError, Request, check_write, parse_operation
from kg.endpoint.scan import scan

POLICY = Policy(max_body=100)


def status_of(req: Request, policy: Policy = POLICY, update: bool = False) -> int:
    with pytest.raises(ProtocolError) as info:
        parse_operation(req, policy, update)
    return info.value.status


def test_get_post_form_and_direct():
    op = parse_operation(Request("GET", [("query", "ASK {}"), ("default-graph-uri", "urn:g")]), POLICY, False)
    assert op is not None and op.text == "ASK {}" and op.default_graphs == ["urn:g"]
    op = parse_operation(
        Request(
            "POST", [("named-graph-uri", "urn:n")], "application/x-www-form-urlencoded", b"query=ASK%20%7B%7D"
        ),
        POLICY,
        False,
    )
    assert op is not None and op.text == "ASK {}" and op.named_graphs == ["urn:n"]
    op = parse_operation(
        Request("POST", [], "application/sparql-query; charset=utf-8", b"ASK {}"), POLICY, False
    )
    assert op is not None and op.text == "ASK {}"
    assert parse_operation(Request("GET", []), POLICY, False) is None  # service description


@pytest.mark.parametrize(
    ("req", "status"),
    [
        (Request("GET", [("query", "a"), ("query", "b")]), 400),
        (Request("POST", [], "application/sparql-query", b"\xff"), 400),
        (Request("POST", [], "application/sparql-query; charset=utf-16", "ASK {}".encode("utf-16")), 415),
        (Request("POST", [], "text/plain", b"ASK {}"), 415),
        (Request("POST", [], None, b"query=ASK"), 415),
        (Request("POST", [], "application/x-www-form-urlencoded", b"q=1"), 400),
        (Request("PUT", [("query", "ASK {}")]), 405),
        (Request("POST", [], "application/sparql-query", b"x" * 101), 413),
        (Request("POST", [("query", "ASK {}")], "application/sparql-query", b"ASK {}"), 400),
    ],
    ids=[
        "two",
        "non-utf8",
        "utf16",
        "media-type",
        "no-media-type",
        "form-without-query",
        "method",
        "size",
        "param-and-body",
    ],
)
def test_bad_requests(req, status):
    assert status_of(req) == status


def test_writes_need_flag_and_token():
    req = Request("POST", [], authorization="Bearer t")
    with pytest.raises(ProtocolError) as info:
        check_write(req, Policy(allow_update=False, token="t"))
    assert info.value.status == 403
    with pytest.raises(ProtocolError) as info:
        check_write(Request("POST", [], authorization="Bearer nope"), Policy(allow_update=True, token="t"))
    assert info.value.status == 401
    check_write(req, Policy(allow_update=True, token="t"))


@pytest.mark.parametrize(
    ("accept", "offered", "key"),
    [
        (None, RESULT_FORMATS, "json"),
        ("*/*", RDF_FORMATS, "ttl"),
        ("text/csv;q=0.5, application/sparql-results+xml", RESULT_FORMATS, "xml"),
        ("text/*", RESULT_FORMATS, "csv"),
        ("application/json;q=0.1, text/tab-separated-values;q=0.2", RESULT_FORMATS, "tsv"),
        ("application/ld+json, text/turtle;q=0.5", RDF_FORMATS, "jsonld"),
        ("text/turtle;q=0, */*;q=0.1", RDF_FORMATS, "nt"),
        ("application/n-quads", RDF_FORMATS, "nq"),
    ],
)
def test_negotiation(accept, offered, key):
    fmt = negotiate(accept, offered)
    assert fmt is not None and fmt.key == key


def test_negotiation_406_and_format_param():
    assert negotiate("image/png", RESULT_FORMATS) is None
    assert pick("text/turtle", RESULT_FORMATS, "csv").key == "csv"  # type: ignore[union-attr]
    assert pick("text/turtle", RDF_FORMATS, "json").key == "ttl"  # type: ignore[union-attr]


def services(text: str) -> list[str | None]:
    if not classify.mentions(text, ("service",)):
        return []
    return classify.classify_query(text, None, {}).services


@pytest.mark.parametrize(
    ("text", "targets"),
    [
        ("SELECT * { SERVICE <http://a/> { ?s ?p ?o } }", ["http://a/"]),
        ("PREFIX e: <http://e/> SELECT * { SERVICE SILENT e:x { } }", ["http://e/x"]),
        ("SELECT * { SERVICE ?u { } }", [None]),
        ('SELECT * { ?s ?p "SERVICE <http://a/>" } # SERVICE <http://b/>', []),
        ("SELECT * { ?s <http://x/SERVICE> ?o . ?s <urn:service> ?o }", []),
        ("SELECT * { ?s ?p '''multi\nSERVICE''' }", []),
        ("BASE <http://b/> SELECT * { SERVICE <x> { } }", ["http://b/x"]),
        ("PREFIX ex: <http://e/> SELECT * { ?s ex:a ?o SERVICE <http://a/> { } }", ["http://a/"]),
    ],
)
def test_service_detection(text, targets):
    assert services(text) == targets


def test_service_policy():
    op = "SELECT * { SERVICE <http://wikidata.example/sparql> { ?s ?p ?o } }"
    reading = classify.classify_query(op, None, {})
    with pytest.raises(ProtocolError) as info:
        classify.check_remote(reading, False, ())
    assert info.value.status == 403
    classify.check_remote(reading, True, (Origin.parse("http://wikidata.example/"),))
    with pytest.raises(ProtocolError):
        classify.check_remote(reading, True, (Origin.parse("http://elsewhere/"),))


META = "https://kg.example/id/graph/meta"


def prepare(text: str, using: list[str] | None = None, named: list[str] | None = None) -> tasks.Prepared:
    return tasks.prepare_update(text, None, {}, (META,), 100, using or [], named or [])


@pytest.mark.parametrize(
    ("update", "touched", "refused"),
    [
        ("INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }", {"urn:g"}, False),
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", set(), True),
        ("WITH <urn:w> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", {"urn:w"}, False),
        ("DELETE WHERE { GRAPH ?g { ?s ?p ?o } }", {ALL}, False),
        ("CLEAR DEFAULT", set(), True),
        ("DROP ALL", {ALL}, False),
        ("LOAD <http://x/>", set(), True),
        ("LOAD <http://x/> INTO GRAPH <urn:l>", {"urn:l"}, False),
        ("COPY <urn:a> TO DEFAULT", set(), True),
        ("MOVE <urn:a> TO <urn:b>", {"urn:a", "urn:b"}, False),
        ("PREFIX e: <urn:e:> INSERT { GRAPH e:g { ?s ?p 1 } } WHERE { ?s ?p ?o }", {"urn:e:g"}, False),
        ('INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> "}" } }', {"urn:g"}, False),
        (f"INSERT DATA {{ GRAPH <{META}> {{ <urn:a> <urn:b> <urn:c> }} }}", {META}, True),
    ],
)
def test_update_plan(update, touched, refused):
    plan = prepare(update).reading
    assert (plan.refusal is not None) is refused
    assert plan.touched >= touched


def test_using_graph_uri_becomes_using():
    prepared = prepare("INSERT { GRAPH <urn:g> { ?s a 1 } } WHERE { ?s ?p ?o }", ["urn:d"], ["urn:n"])
    assert "USING <urn:d> USING NAMED <urn:n> WHERE" in prepared.text


def test_update_rules():
    assert status_of(Request("GET", [("update", "CLEAR ALL")]), update=True) == 405
    with pytest.raises(ProtocolError) as info:
        prepare("WITH <urn:x> DELETE {?s ?p ?o} WHERE {?s ?p ?o}", ["urn:g"])
    assert info.value.status == 400 and "conflict" in info.value.message


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("SELECT * { ?s ?p ?o } LIMIT 10", 10),
        ("SELECT * { ?s ?p ?o } OFFSET 5 LIMIT 7", 7),
        ("SELECT * { { SELECT * { ?s ?p ?o } LIMIT 3 } }", None),
        ("SELECT * { ?s ?p 'LIMIT 4' }", None),
        ("PREFIX ex: <http://e/> SELECT * { ?s ex:a\\#b ?o } LIMIT 5", 5),
    ],
)
def test_declared_limit(text, limit):
    assert scan(text, 0).limit == limit
