"""The W3C SPARQL 1.1 Protocol, Graph Store Protocol and Service Description tests, against a
live kg server. Skipped (with the reason) when ../shared/w3c-sparql11 is absent."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from tests.endpoint import w3c
from tests.endpoint.conftest import TOKEN

pytestmark = pytest.mark.skipif(not w3c.SHARED.is_dir(), reason=f"W3C tests not found at {w3c.SHARED}")


def _cases(folder: str, manifest: str) -> list[w3c.Case]:
    path = w3c.SHARED / folder / manifest
    return w3c.load(path) if path.is_file() else []


PROTOCOL = _cases("protocol", "manifest.ttl")
GSP = _cases("graph-store-protocol", "manifest-direct.ttl") + _cases(
    "graph-store-protocol", "manifest-indirect.ttl"
)


@pytest.fixture(scope="module")
def w3c_server(live_factory):
    return live_factory("w3c", store=None, allow_update=True, token=TOKEN)


def _load(server, case: w3c.Case) -> None:
    """Each W3C test starts from a store holding only its own data."""
    endpoint = server.app.state.endpoint
    store = server.store
    endpoint._write(store.ox.clear)
    for path, graph in case.data:
        triples = [
            ox.Triple(q.subject, q.predicate, q.object)
            for q in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES)
        ]
        endpoint._write(lambda g=graph, t=triples: store.replace_graph(g, t))


@pytest.mark.parametrize("case", PROTOCOL, ids=[c.name for c in PROTOCOL])
def test_protocol(w3c_server, case):
    _load(w3c_server, case)
    failures = w3c.run(case, w3c_server.url, TOKEN)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("case", GSP, ids=[c.name for c in GSP])
def test_graph_store(w3c_server, case):
    if case.name in w3c.NOT_APPLICABLE:
        pytest.skip(f"not applicable to kg: {w3c.NOT_APPLICABLE[case.name]}")
    _load(w3c_server, case)
    failures = w3c.run(case, w3c_server.url, TOKEN)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("name", ["returns-rdf", "has-endpoint-triple", "conforms-to-schema"])
def test_service_description(w3c_server, name):
    assert (w3c.SHARED / "service-description" / "manifest.ttl").is_file()
    problems = w3c.service_description_checks(w3c_server.url)[name]
    assert not problems, "\n".join(problems)
