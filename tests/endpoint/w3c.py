"""A small harness for the W3C SPARQL 1.1 Protocol / Graph Store / Service Description manifests.

The manifests describe HTTP exchanges in the ``ht:`` vocabulary; each request is replayed against
a live kg server with its path mapped (``/sparql/`` -> ``/sparql`` or ``/update``, ``/gsp`` ->
``/store``) and the response checked for the expected status, boolean, format, Location and
(graph store) an isomorphic graph. Write requests get the server's bearer token added: the
manifests predate authentication, and kg refuses anonymous writes by design.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import httpx
import rdflib
from rdflib import RDF, RDFS, Namespace
from rdflib.collection import Collection
from rdflib.compare import isomorphic

HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "w3c-sparql11"

STATUS = {
    "OK": {200},
    "Created": {201},
    "NoContent": {204},
    "NotFound": {404},
    "StatusCode2xx": set(range(200, 300)),
    "StatusCode3xx": set(range(300, 400)),
    "StatusCode4xx": set(range(400, 500)),
}

#: Tests that cannot apply to kg, and why.
NOT_APPLICABLE = {
    "put_get_default": "kg's default graph is the merge of its named graphs, so it cannot be PUT "
    "(PUT ?default answers 405 with that explanation)",
}


@dataclass
class Exchange:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[int]
    boolean: bool | None = None
    fmt: str | None = None
    location_var: str | None = None
    content_type: str | None = None
    expected_body: str | None = None


@dataclass
class Case:
    name: str
    title: str
    data: list[tuple[Path, str]] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)


def _list(g: rdflib.Graph, node: rdflib.term.Node | None) -> list[rdflib.term.Node]:
    return [] if node is None else list(Collection(g, node))  # type: ignore[arg-type]


def _headers(g: rdflib.Graph, node: rdflib.term.Node) -> dict[str, str]:
    out: dict[str, str] = {}
    for h in _list(g, g.value(node, HT.headers)):
        out[str(g.value(h, HT.fieldName)).lower()] = str(g.value(h, HT.fieldValue))
    return out


def _body(g: rdflib.Graph, node: rdflib.term.Node) -> tuple[bytes | None, str | None]:
    b = g.value(node, HT.body)
    if b is None:
        return None, None
    chars = str(g.value(b, CNT.chars))
    enc = str(g.value(b, CNT.characterEncoding) or "UTF-8")
    return chars.encode(enc.replace("UTF-16", "utf-16")), chars


def load(manifest: Path) -> list[Case]:
    g = rdflib.Graph()
    g.parse(manifest, format="turtle")
    cases: list[Case] = []
    for entries in g.objects(None, MF.entries):
        for test in _list(g, entries):
            name = str(test).rsplit("#", 1)[-1]
            case = Case(name, str(g.value(test, MF.name)))
            for gd in g.objects(test, UT.graphData):
                file = Path(str(g.value(gd, UT.graph)).removeprefix("file://"))
                case.data.append((manifest.parent / file.name, str(g.value(gd, RDFS.label))))
            action = g.value(test, MF.action)
            for req in _list(g, g.value(action, HT.requests) if action is not None else None):
                resp = g.value(req, HT.resp)
                body, _ = _body(g, req)
                statuses: set[int] = set()
                for s in g.objects(resp, MF.expectedStatus):
                    statuses |= STATUS[str(s).rsplit("#", 1)[-1]]
                boolean = g.value(resp, MF.expectedBoolean)
                fmt = g.value(resp, MF.expectedFormat)
                loc = g.value(resp, MF.expectedLocation)
                _, expected_body = _body(g, resp)
                case.exchanges.append(
                    Exchange(
                        method=str(g.value(req, HT.methodName)),
                        path=str(g.value(req, HT.absolutePath)),
                        headers=_headers(g, req),
                        body=body,
                        statuses=statuses,
                        boolean=None if boolean is None else bool(boolean.toPython()),
                        fmt=None if fmt is None else str(fmt),
                        location_var=None if loc is None else str(loc),
                        content_type=_headers(g, resp).get("content-type"),
                        expected_body=expected_body,
                    )
                )
            cases.append(case)
    return cases


def _is_update(case: Case, ex: Exchange) -> bool:
    ctype = ex.headers.get("content-type", "")
    text = ex.path + (ex.body or b"").decode("latin-1")
    if "sparql-update" in ctype or "update=" in text or "using-graph-uri" in text:
        return True
    if "sparql-query" in ctype or "query=" in text:
        return False
    return "update" in case.name


def map_path(case: Case, ex: Exchange, path: str) -> str:
    if path.startswith("/sparql"):
        rest = path.removeprefix("/sparql").removeprefix("/")
        route = "/update" if _is_update(case, ex) else "/sparql"
        return route + rest
    if path.startswith("/gsp"):
        return "/store" + path.removeprefix("/gsp")
    return path


def _format_ok(fmt: str, response: httpx.Response) -> bool:
    ctype = response.headers.get("content-type", "")
    if fmt in ("boolean", "tabular"):
        return "sparql-results" in ctype or ctype.startswith(("text/csv", "text/tab-separated-values"))
    return ctype.startswith(
        (
            "text/turtle",
            "application/rdf+xml",
            "application/n-triples",
            "application/ld+json",
            "application/trig",
            "application/n-quads",
        )
    )


def _graph(text: str, ctype: str, base: str) -> rdflib.Graph:
    g = rdflib.Graph()
    fmt = {
        "text/turtle": "turtle",
        "application/rdf+xml": "xml",
        "application/n-triples": "nt",
        "application/ld+json": "json-ld",
    }[ctype.split(";")[0].strip()]
    g.parse(data=text, format=fmt, publicID=base)
    return g


def run(case: Case, base_url: str, token: str) -> list[str]:
    """Replay a case; the list of failures (empty: passed)."""
    failures: list[str] = []
    variables: dict[str, str] = {}
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for i, ex in enumerate(case.exchanges):
            path = ex.path
            body = ex.body
            for var, value in variables.items():
                path = path.replace(var, value)
                body = body.replace(var.encode(), value.encode()) if body is not None else None
            url = path if path.startswith("http") else map_path(case, ex, path)
            headers = dict(ex.headers)
            if ex.method in ("PUT", "POST", "DELETE") and ("/sparql" not in url):
                headers["authorization"] = f"Bearer {token}"
            r = client.request(ex.method, url, headers=headers, content=body)
            where = f"request {i + 1} ({ex.method} {url})"
            if ex.statuses and r.status_code not in ex.statuses:
                failures.append(
                    f"{where}: status {r.status_code}, expected {sorted(ex.statuses)[:3]}: {r.text[:200]}"
                )
                continue
            if ex.fmt and not _format_ok(ex.fmt, r):
                failures.append(f"{where}: content-type {r.headers.get('content-type')} is not {ex.fmt}")
            if ex.boolean is not None and r.json().get("boolean") is not ex.boolean:
                failures.append(f"{where}: boolean {r.text[:100]}, expected {ex.boolean}")
            if ex.location_var:
                loc = r.headers.get("location")
                if not loc:
                    failures.append(f"{where}: no Location header")
                else:
                    variables[ex.location_var] = loc
            if ex.expected_body is not None and ex.method == "GET":
                ctype = r.headers.get("content-type", "")
                if ex.content_type and ctype.split(";")[0] != ex.content_type.split(";")[0]:
                    failures.append(f"{where}: content-type {ctype}, expected {ex.content_type}")
                    continue
                graph_iri = str(r.request.url)
                if "graph=" in graph_iri:
                    graph_iri = r.request.url.params["graph"]
                got = _graph(r.text, ctype, graph_iri)
                want = _graph(ex.expected_body, ex.content_type or "text/turtle", graph_iri)
                if not isomorphic(got, want):
                    failures.append(f"{where}: the graph differs from the expected one:\n{r.text[:300]}")
    return failures


def service_description_checks(base_url: str) -> dict[str, list[str]]:
    """The three Service Description tests: RDF on GET, an sd:endpoint triple, the sd schema."""
    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
    out: dict[str, list[str]] = {"returns-rdf": [], "has-endpoint-triple": [], "conforms-to-schema": []}
    endpoint = base_url + "/sparql"
    r = httpx.get(endpoint, headers={"accept": "text/turtle, application/rdf+xml;q=0.9"})
    if r.status_code != 200 or not r.headers.get("content-type", "").startswith("text/turtle"):
        out["returns-rdf"].append(f"status {r.status_code}, content-type {r.headers.get('content-type')}")
        return out
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    services = list(g.subjects(RDF.type, sd.Service))
    if not any((s, sd.endpoint, rdflib.URIRef(endpoint)) in g for s in services):
        out["has-endpoint-triple"].append(f"no sd:Service with sd:endpoint <{endpoint}>")
    for s in services:
        for lang in g.objects(s, sd.supportedLanguage):
            if lang not in (sd.SPARQL10Query, sd.SPARQL11Query, sd.SPARQL11Update):
                out["conforms-to-schema"].append(f"unknown sd:supportedLanguage {lang}")
        if not list(g.objects(s, sd.supportedLanguage)):
            out["conforms-to-schema"].append("sd:Service without sd:supportedLanguage")
        for ds in g.objects(s, sd.defaultDataset):
            if (ds, RDF.type, sd.Dataset) not in g:
                out["conforms-to-schema"].append("sd:defaultDataset is not an sd:Dataset")
    if not services:
        out["conforms-to-schema"].append("no sd:Service")
    return out
