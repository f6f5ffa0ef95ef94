"""The review's findings against a live server (issue 10), each as the reviewer reproduced it.

SSRF tests point SERVICE and LOAD at a listener on 127.0.0.1 and assert that it receives nothing;
no test sends traffic anywhere else.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.endpoint.conftest import BASE, TOKEN

AUTH = {"authorization": f"Bearer {TOKEN}"}


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.hits: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.hits.append(conn.recv(4096) or b"(connected)")
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nsecret"
                    )
                except OSError:
                    self.hits.append(b"(connected)")

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


@pytest.fixture()
def listener() -> Iterator[Listener]:
    target = Listener()
    yield target
    target.close()


@pytest.fixture(scope="module")
def writable(live_factory):
    return live_factory("security-rw", allow_update=True, token=TOKEN)


def query(url: str, text: str) -> httpx.Response:
    return httpx.post(
        url + "/sparql", content=text, headers={"content-type": "application/sparql-query"}, timeout=30
    )


def update(url: str, text: str) -> httpx.Response:
    return httpx.post(
        url + "/update",
        content=text,
        headers={"content-type": "application/sparql-update", **AUTH},
        timeout=30,
    )


def settle(target: Listener) -> list[bytes]:
    """What the listener got, once anything on its way has had time to arrive (it is local)."""
    time.sleep(0.3)
    return target.hits


HIDDEN_SERVICE = [
    # finding 1: the escaped '#' of a prefixed name was read as a comment by the old lexer
    "PREFIX ex: <http://e/> SELECT * WHERE { BIND(ex:a\\#b AS ?k) SERVICE <{url}/x> {{ ?x ?y ?z }} }}",
    # rdflib expands \u escapes everywhere, Oxigraph only inside strings: the two read this differently
    'SELECT * WHERE {{ BIND("\\u0022" AS ?a) SERVICE <{url}/x> {{ ?s ?p ?o }} BIND("\\u0022" AS ?b) }}',
    "SELECT * WHERE {{ sErViCe <{url}/x> {{ ?s ?p ?o }} }}",
    "PREFIX t: <{url}/> SELECT * WHERE {{ SERVICE t:x {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE <{url}/x> {{ ?s ?p ?o }} }}",
]


@pytest.mark.parametrize("text", HIDDEN_SERVICE, ids=["pn-local-esc", "u-escape", "case", "pname", "plain"])
def test_service_never_reaches_the_network(live, listener, text):
    r = query(live.url, text.replace("{url}", listener.url).replace("{{", "{").replace("}}", "}"))
    assert r.status_code in (400, 403), r.text
    assert "secret" not in r.text
    assert settle(listener) == []


HIDDEN_LOAD = [
    "PREFIX ex: <http://e/> INSERT {{ GRAPH <urn:g> {{ ex:a\\#b <urn:p> 1 }} }} WHERE {{}} ; "
    "LOAD <{url}/x> INTO GRAPH <urn:l>",
    "LOAD <{url}/x> INTO GRAPH <urn:l>",
    "INSERT {{ GRAPH <urn:g> {{ ?s ?p ?o }} }} WHERE {{ SERVICE <{url}/x> {{ ?s ?p ?o }} }}",
    'INSERT DATA {{ GRAPH <urn:g> {{ <urn:a> <urn:b> "\\u0022" }} }} ; LOAD <{url}/x> INTO GRAPH <urn:l>',
]


@pytest.mark.parametrize("text", HIDDEN_LOAD, ids=["pn-local-esc", "load", "service", "u-escape"])
def test_updates_never_reach_the_network(writable, listener, text):
    """Nor are they run to check them: the old syntax check ran the update, LOAD included."""
    r = update(writable.url, text.replace("{url}", listener.url).replace("{{", "{").replace("}}", "}"))
    assert r.status_code in (400, 403), r.text
    assert settle(listener) == []


def test_allowlist_compares_origins(live_factory, listener):
    """An allow-list entry for one port does not admit a longer port that starts with it."""
    server = live_factory(
        "allowlist", allow_service=True, service_allowlist=f"http://localhost:{listener.port}"
    )
    longer = f"http://localhost:{listener.port}0/x"
    r = query(server.url, f"SELECT * WHERE {{ SERVICE <{longer}> {{ ?s ?p ?o }} }}")
    assert r.status_code == 403 and "service_allowlist" in r.json()["error"]["message"]
    r = query(
        server.url,
        f"SELECT * WHERE {{ SERVICE <http://localhost:{listener.port}@127.0.0.1:9/x> {{ ?s ?p ?o }} }}",
    )
    assert r.status_code == 403
    assert settle(listener) == []


def test_query_workers_have_no_network(tmp_path, listener):
    """Defence in depth: a worker runs a SERVICE that no check stopped, and it cannot connect."""
    import pickle

    from kg.endpoint.execute import Job
    from kg.endpoint.pool import _spawn
    from kg.store import Store

    Store(tmp_path / "store", BASE).flush()
    worker = _spawn(network=False)
    sock = worker.sock
    sock.settimeout(60)

    def frame() -> bytes:
        size = int.from_bytes(sock.recv(4, socket.MSG_WAITALL), "big")
        return sock.recv(size, socket.MSG_WAITALL)

    try:
        assert frame()[:1] == b"R"  # ready, and confined
        job = Job(f"SELECT * WHERE {{ SERVICE <{listener.url}/x> {{ ?s ?p ?o }} }}", "json", None)
        message = pickle.dumps((str(tmp_path / "store"), job))
        sock.sendall(len(message).to_bytes(4, "big") + message)
        answer = frame()
    finally:
        sock.close()
        worker.proc.kill()
        worker.proc.wait(10)
    assert answer[:1] == b"E" and "denied" in answer.decode().lower(), answer
    assert settle(listener) == []


def test_writer_thread_has_no_network(writable):
    endpoint = writable.app.state.endpoint

    def try_connect() -> str:
        try:
            socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
        except OSError as exc:
            return str(exc)
        return "connected"

    assert "denied" in endpoint.writer.submit(try_connect).result(10).lower()


def test_prologue_update_and_metadata_kept(writable):
    """Finding 5: updates that start with PREFIX/BASE work; GRAPH ?g keeps the store's records."""
    store = writable.store
    meta = f"<{BASE}graph/meta>"
    store.put_document("doc-meta", "/in/release.txt", [])  # a metadata record, as kg build writes
    writable.app.state.endpoint._publish()
    assert ask(writable.url, f"GRAPH {meta} {{ ?g <https://kg.example/ontology#loadedFrom> ?src }}")
    r = update(
        writable.url,
        "PREFIX e: <urn:e:>\nBASE <http://b.example/base/>\nINSERT DATA { GRAPH e:g { e:a e:b <c> } }",
    )
    assert r.status_code == 204, r.text
    assert ask(writable.url, "<urn:e:a> <urn:e:b> <http://b.example/base/c>")
    r = update(writable.url, "INSERT { GRAPH ?g { <urn:x> <urn:y> 1 } } WHERE { VALUES ?g { <urn:e:g> } }")
    assert r.status_code == 204, r.text
    assert ask(writable.url, f"GRAPH {meta} {{ ?g <https://kg.example/ontology#loadedFrom> ?src }}")
    assert ask(writable.url, "?g <https://kg.example/ontology#loadedFrom> '/in/release.txt'")  # default graph
    r = update(writable.url, f"DROP GRAPH {meta}")
    assert r.status_code == 403 and "graph/meta" in r.json()["error"]["message"]
    r = update(writable.url, "DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert r.status_code == 204, r.text
    assert ask(writable.url, f"GRAPH {meta} {{ ?g <https://kg.example/ontology#loadedFrom> ?src }}")


def test_syntax_error_positions_are_the_callers(writable):
    r = update(writable.url, "PREFIX e: <urn:e:>\nINSERT DATA { GRAPH e:g {\n e:a e:b } }")
    assert r.status_code == 400 and "syntax error" in r.json()["error"]["message"]
    # rdflib reads a prologue after ';', Oxigraph does not: Oxigraph's position, in the caller's text
    text = (
        "INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> 1 } } ;\n"
        "PREFIX e: <urn:e:> INSERT DATA { GRAPH e:g { e:a e:b 2 } }"
    )
    r = update(writable.url, text)
    assert r.status_code == 400 and "error at 2:7" in r.json()["error"]["message"], r.text


def ask(url: str, pattern: str) -> bool:
    r = httpx.get(url + "/sparql", params={"query": f"ASK {{ {pattern} }}"}, timeout=30)
    assert r.status_code == 200, r.text
    return bool(r.json()["boolean"])


def test_deep_nesting_is_refused_not_crashed(writable):
    """Finding 4: 5,000 nested groups crashed a worker; a deep update or JSON-LD PUT the server."""
    executor = writable.app.state.endpoint.executor
    before = set(executor.pids())
    r = query(writable.url, "SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000)
    assert r.status_code == 400 and "max_depth" in r.json()["error"]["message"]
    r = update(
        writable.url,
        "INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> " + "(" * 5000 + "1" + ")" * 5000 + " } }",
    )
    assert r.status_code == 400 and "max_depth" in r.json()["error"]["message"]
    doc = '{"@id":"urn:a","urn:p":' + '{"urn:p":' * 5000 + '"x"' + "}" * 5000 + "}"
    r = httpx.put(
        writable.url + "/store",
        params={"graph": BASE + "graph/deep"},
        content=doc,
        headers={"content-type": "application/ld+json", **AUTH},
        timeout=30,
    )
    assert r.status_code == 400 and "deep" in r.json()["error"]["message"]
    assert httpx.get(writable.url + "/health", timeout=10).status_code == 200
    assert set(executor.pids()) == before  # no worker died
    assert json.loads(query(writable.url, "ASK {}").text)["boolean"] is True


def test_a_query_past_worker_memory_is_stopped(live_factory):
    """Finding 8: a CONCAT-doubling query took a worker to 2 GB inside its timeout."""
    server = live_factory("memory", worker_memory=300, query_timeout=60)
    binds = " ".join(f"BIND(CONCAT(?a{i}, ?a{i}) AS ?a{i + 1})" for i in range(40))
    r = query(server.url, f'SELECT (STRLEN(?a40) AS ?n) WHERE {{ BIND("0123456789" AS ?a0) {binds} }}')
    assert r.status_code == 503 and "worker_memory=300" in r.json()["error"]["message"], r.text
    assert json.loads(query(server.url, "ASK {}").text)["boolean"] is True


def test_request_heads_are_bounded(live):
    """Finding 8: 50 MB of request headers were accepted."""
    with socket.create_connection(("127.0.0.1", int(live.url.rsplit(":", 1)[1])), timeout=30) as conn:
        conn.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ")
        sent = 0
        try:
            while sent < 8_000_000:
                conn.sendall(b"a" * 65536)
                sent += 65536
        except OSError:
            pass  # the server closed the connection: what we want
        answer = conn.recv(65536)
    assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
    assert b"max_header" in answer
    assert sent < 8_000_000
    assert httpx.get(live.url + "/health", headers={"x-long": "a" * 30_000}).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "params", "status"),
    [
        ("GET", "/store", {"graph": "not an iri"}, 400),
        ("GET", "/store", {"graph": "relative/path"}, 400),
        ("GET", "/no/such/route", {}, 404),
        ("PATCH", "/store", {}, 405),
        ("PATCH", "/health", {}, 405),
        ("DELETE", "/sparql", {}, 405),
        ("PUT", "/void", {}, 405),
    ],
)
def test_every_error_has_the_one_shape(live, method, path, params, status):
    """Finding 8: a bad graph IRI was a 500, unknown routes and methods FastAPI's own shape."""
    r = httpx.request(method, live.url + path, params=params, timeout=30)
    assert r.status_code == status, r.text
    body = r.json()["error"]
    assert body["status"] == status and body["message"]
    assert r.headers["access-control-allow-origin"] == "*"
    if status == 405:
        assert r.headers["allow"]


def test_a_file_in_the_snapshot_place_is_a_clear_error(tmp_path):
    """Finding 8: a file at .<store>.snapshots stopped kg serve with a traceback."""
    from kg.store import Store
    from tests.conftest import kg

    Store(tmp_path / "store", BASE).flush()
    (tmp_path / ".store.snapshots").write_text("not a folder")
    run = kg("serve", "--store", tmp_path / "store", "--port", "1")
    assert run.code == 2 and "Traceback" not in run.err
    assert ".store.snapshots" in run.err and "move it away" in run.err


def test_one_request_cannot_freeze_the_server(live):
    """Finding 2: a 64 KB body of escaped quotes after SERVICE made the old lexer quadratic on the
    event loop (33 s during which /health waited too). Now nothing scans a query on the loop."""
    body = 'SELECT * WHERE { SERVICE "' + '\\"\\\\"' * 16_000 + "}"
    outcome: list[httpx.Response] = []
    sender = threading.Thread(target=lambda: outcome.append(query(live.url, body)))
    sender.start()
    try:
        health = httpx.get(live.url + "/health", timeout=5)  # would time out behind a blocked loop
        assert health.status_code == 200
    finally:
        sender.join(60)
    assert outcome and outcome[0].status_code == 400, outcome


def test_pages_link_only_http_and_carry_a_strict_policy(live_factory, tmp_path):
    """Finding 8: entity pages made javascript: IRIs clickable, and no page had a CSP."""
    import pyoxigraph as ox

    from tests.endpoint.conftest import DOC_GRAPH, make_store

    store = make_store(tmp_path / "store")
    me = ox.NamedNode(BASE + "person/louise-arbour")
    store.replace_graph(
        DOC_GRAPH + "-links",
        [
            ox.Triple(
                me,
                ox.NamedNode("http://www.w3.org/2004/02/skos/core#exactMatch"),
                ox.NamedNode("javascript:alert(1)"),
            ),
            ox.Triple(me, ox.NamedNode("urn:kg:test#seeAlso"), ox.NamedNode("data:text/html,%3Cb%3Ex")),
        ],
    )
    server = live_factory("pages-csp", store=store)
    page = httpx.get(server.url + "/id/person/louise-arbour", headers={"accept": "text/html"})
    assert page.status_code == 200 and "javascript:alert(1)" in page.text
    assert 'href="javascript:' not in page.text and 'href="data:' not in page.text
    assert "wikidata.org/entity/Q255629" in page.text  # http(s) links stay links
    for path in ("/", "/id/person/louise-arbour", "/docs", "/redoc"):
        r = httpx.get(server.url + path, headers={"accept": "text/html"})
        policy = r.headers["content-security-policy"]
        assert (
            "default-src 'self'" in policy
            and "frame-ancestors 'none'" in policy
            and "object-src 'none'" in policy
        )
        assert "unsafe-eval" not in policy and ("script-src 'self'" in policy)
        assert r.headers["x-content-type-options"] == "nosniff"
    assert "unsafe-inline" not in httpx.get(server.url + "/").headers["content-security-policy"]
