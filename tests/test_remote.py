"""The remote store against a real Oxigraph server: a server that stops in the middle of a build,
``kg serve`` answering from the remote store, and credentials from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from kg.store import RemoteStore, Store
from kg.store.remote import auth_from_env
from tests.conftest import EXAMPLES, ROOT, OxigraphServer, free_port, kg, start_oxigraph, wait_http
from tests.test_crash import write_documents
from tests.test_store import check_invariants

BASE = "https://kg.example/id/"
DOCS = (
    "SELECT (COUNT(DISTINCT ?g) AS ?n) "
    f"WHERE {{ GRAPH <{BASE}graph/meta> {{ ?g <https://kg.example/ontology#loadedFrom> ?s }} }}"
)


def documents(url: str) -> int:
    r = httpx.post(
        url + "/query", data={"query": DOCS}, headers={"Accept": "application/sparql-results+json"}
    )
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def graphs(store: Store | RemoteStore) -> dict[str, set[str]]:
    return {g: {str(t) for t in store.graph_triples(g)} for g in store.document_graphs()}


def test_a_server_that_stops_mid_build(tmp_path: Path) -> None:
    folder = tmp_path / "releases"
    write_documents(folder)
    assert kg("build", folder, "--store", tmp_path / "reference", "--quiet").code == 0
    reference = graphs(Store(tmp_path / "reference", BASE, read_only=True))

    server = start_oxigraph(tmp_path / "data")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    env.update(PYTHONPATH=str(ROOT), KG_STORE_RETRIES="1")
    build = subprocess.Popen(
        [sys.executable, "-m", "kg", "build", str(folder), "--store", server.url, "--quiet"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 180
    while documents(server.url) < 3:  # the build is under way
        assert build.poll() is None and time.monotonic() < deadline, build.communicate()
        time.sleep(0.02)
    server.stop()  # SIGKILL, in the middle of the build
    out, err = build.communicate(timeout=120)
    assert build.returncode == 2, (out, err)
    assert "did not" in err and "is it running?" in err and "Traceback" not in err

    server = start_oxigraph(tmp_path / "data")  # back, on the same data
    try:
        remote = RemoteStore(server.url, BASE)
        partial = graphs(remote)
        assert 3 <= len(partial) < len(reference)
        for graph, triples in partial.items():
            assert triples == reference[graph], f"{graph} is half-loaded"
        check_invariants(remote)
        again = kg("build", folder, "--store", server.url)
        assert again.code == 0, again.err
        assert graphs(remote) == reference
        check_invariants(remote)
        remote.close()
    finally:
        server.stop()


def test_serve_answers_from_the_remote_store(oxigraph_server: OxigraphServer, tmp_path: Path) -> None:
    oxigraph_server.clear()
    assert kg("build", EXAMPLES, "--store", oxigraph_server.url).code == 0
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    env["PYTHONPATH"] = str(ROOT)
    serve = subprocess.Popen(
        [sys.executable, "-m", "kg", "serve", "--store", oxigraph_server.url, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/health", serve, "kg serve")
        query = "SELECT ?name WHERE { ?p a kg:Person ; rdfs:label ?name } ORDER BY ?name"
        here = httpx.get(url + "/sparql", params={"query": query}, headers={"Accept": "text/csv"}, timeout=30)
        assert here.status_code == 200, here.text
        there = kg("query", query, "--store", oxigraph_server.url, "--format", "csv")
        assert here.text.replace("\r\n", "\n") == there.out.replace("\r\n", "\n")
        assert "Teodora Ilieva" in here.text
        page = httpx.get(url + "/void", headers={"Accept": "text/turtle"}, timeout=30)
        assert page.status_code == 200
    finally:
        serve.terminate()
        serve.wait(30)


def test_credentials_come_from_the_environment() -> None:
    _, headers = auth_from_env({"KG_STORE_TOKEN": "s3cret"})
    assert headers == {"Authorization": "Bearer s3cret"}
    auth, _ = auth_from_env({"KG_STORE_USER": "kg", "KG_STORE_PASSWORD": "pw", "KG_STORE_AUTH": "digest"})
    assert isinstance(auth, httpx.DigestAuth)
    auth, _ = auth_from_env({"KG_STORE_USER": "kg", "KG_STORE_PASSWORD": "pw"})
    assert isinstance(auth, httpx.BasicAuth)
    seen: list[str | None] = []

    def server(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        return httpx.Response(401)

    os.environ["KG_STORE_TOKEN"] = "s3cret"
    try:
        remote = RemoteStore("http://127.0.0.1:9", BASE, transport=httpx.MockTransport(server))
    finally:
        del os.environ["KG_STORE_TOKEN"]
    with pytest.raises(Exception, match="refused kg's credentials"):
        remote.stats()
    assert seen == ["Bearer s3cret"]
    remote.close()
