"""Fixtures: a tiny kg graph (written here), apps over it, and a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import uvicorn

from kg.endpoint import create_app
from kg.endpoint.server import config as server_config
from kg.settings import Settings
from kg.store import Store
from tests.conftest import free_port

BASE = "https://kg.example/id/"
KG = "https://kg.example/ontology#"
TOKEN = "s3cret"

#: A tiny graph in the kg ontology: one person holding one post, a meeting, an evidence sentence.
TINY_TTL = f"""
@prefix kg: <{KG}> .
@prefix id: <{BASE}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
id:person/louise-arbour a kg:Person ; rdfs:label "Louise Arbour"@en ;
    kg:holds id:post/high-commissioner ; skos:exactMatch <http://www.wikidata.org/entity/Q255629> .
id:post/high-commissioner a kg:Post ; rdfs:label "High Commissioner for Human Rights"@en .
id:place/geneva a kg:Place ; rdfs:label "Geneva"@en .
id:event/meeting-1 a kg:Event ; rdfs:label "Meeting on refugees"@en ;
    kg:locatedIn id:place/geneva ; kg:startDate "2005-03-01"^^xsd:date .
id:person/louise-arbour kg:speaksAt id:event/meeting-1 .
id:statement/s1 rdf:subject id:person/louise-arbour ; rdf:predicate kg:holds ;
    rdf:object id:post/high-commissioner .
id:annotation/a1 oa:hasBody id:statement/s1 ; oa:hasTarget id:target/t1 .
id:target/t1 oa:hasSource id:source/pr-1 ; oa:hasSelector id:selector/x1 .
id:selector/x1 oa:exact "Louise Arbour, the High Commissioner for Human Rights, said ..." .
"""

DOC_GRAPH = BASE + "graph/doc-1"


TINY_TTL = re.sub(r"\bid:([\w/-]+)", lambda m: f"<{BASE}{m.group(1)}>", TINY_TTL)


def tiny_triples() -> list[ox.Triple]:
    return [
        ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(TINY_TTL, format=ox.RdfFormat.TURTLE)
    ]


def make_store(path: Path | None) -> Store:
    store = Store(path, BASE)
    store.replace_graph(DOC_GRAPH, tiny_triples())
    return store


def settings(**kw: object) -> Settings:
    values: dict[str, object] = {"base": BASE, "query_timeout": 5.0, "workers": 2}
    values.update(kw)
    return Settings(**values)  # type: ignore[arg-type]


@dataclass
class Live:
    url: str
    app: object
    store: Store


@pytest.fixture(scope="session")
def live_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(name: str, store: Store | None = None, **kw: object) -> Live:
        if store is None:
            store = make_store(tmp_path_factory.mktemp(name) / "store")
        cfg = settings(**kw)
        app = create_app(cfg, store)
        port = free_port()
        config = server_config(app, "127.0.0.1", port, cfg.max_header, log_level="warning", lifespan="on")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.time() + 20
        while not server.started:
            if time.time() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        servers.append((server, thread))
        url = f"http://127.0.0.1:{port}"
        httpx.get(url + "/sparql", params={"query": "ASK {}"}, timeout=30)  # spawn the workers
        return Live(url, app, store)

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="session")
def live(live_factory: object) -> Live:
    """A read-only-by-settings server over an on-disk store (worker processes)."""
    return live_factory("live")  # type: ignore[operator]


@pytest.fixture(scope="session")
def live_rw(live_factory: object) -> Live:
    """A server with updates on (token ``TOKEN``)."""
    return live_factory("live-rw", allow_update=True, token=TOKEN)  # type: ignore[operator]


def alive(pid: int) -> bool:
    """Whether process ``pid`` is running (not gone, not a zombie)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split()[2] != "Z"
