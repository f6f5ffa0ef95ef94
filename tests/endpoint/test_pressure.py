"""The endpoint under pressure (issue 11): load is shed with an announced 503, a cheap query is
answered while every general worker runs a runaway, a query whose client has gone is cancelled,
and a killed worker's restart is not charged to the next request.

Nothing here times a request: each test waits on a condition (a process gone, a status seen),
with a generous bound, so a loaded machine makes it slower, never red.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable

import httpx
import pytest

from tests.endpoint.conftest import alive

#: Billions of combinations of the tiny graph's triples: runs until query_timeout stops it.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { " + " . ".join(f"?s{i} ?p{i} ?o{i}" for i in range(7)) + " }"
ASK = {"query": "ASK { ?s ?p ?o }"}


def eventually(condition: Callable[[], bool], what: str, bound: float = 60) -> None:
    deadline = time.monotonic() + bound
    while not condition():
        assert time.monotonic() < deadline, f"not within {bound} s: {what}"
        time.sleep(0.05)


def in_background(
    url: str, query: str, timeout: float = 120
) -> tuple[threading.Thread, list[httpx.Response]]:
    out: list[httpx.Response] = []

    def send() -> None:
        with contextlib.suppress(httpx.HTTPError):
            out.append(httpx.get(url + "/sparql", params={"query": query}, timeout=timeout))

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread, out


def test_a_cheap_query_is_answered_beside_runaways(live_factory):
    """Two runaways, as many as the general workers: the probe still gets its answer, from the
    reserve worker, while both runaways are still running."""
    server = live_factory("pressure-lanes", workers=2, query_timeout=60)
    runaways = [in_background(server.url, RUNAWAY) for _ in range(2)]
    executor = server.app.state.endpoint.executor
    eventually(lambda: executor.general is not None and executor.general.empty(), "both general workers busy")
    for _ in range(5):
        r = httpx.get(server.url + "/sparql", params=ASK, timeout=60)
        assert r.status_code == 200 and r.json()["boolean"] is True
    assert all(thread.is_alive() for thread, _ in runaways), "the runaways ended before the probes"


def test_a_full_queue_answers_503_with_retry_after(live_factory):
    """One runaway on the general worker, one waiting for it (after its second on the reserve):
    the queue of one is full, and the next request is shed at once."""
    server = live_factory("pressure-queue", workers=1, max_queue=1, query_timeout=120)
    executor = server.app.state.endpoint.executor
    for _ in range(2):
        in_background(server.url, RUNAWAY)
    eventually(lambda: executor.moved == 1 and executor.waiting == 1, "one runaway moved off the reserve")
    r = httpx.get(server.url + "/sparql", params=ASK, timeout=60)
    assert r.status_code == 503, r.text
    assert r.headers["retry-after"] == "1" and "max_queue=1" in r.json()["error"]["message"]


def test_one_client_is_bounded(live_factory):
    server = live_factory("pressure-client", workers=1, max_per_client=2, query_timeout=60)
    for _ in range(2):
        in_background(server.url, RUNAWAY)
    executor = server.app.state.endpoint.executor
    eventually(lambda: sum(executor.clients.values()) == 2, "two requests in progress")
    r = httpx.get(server.url + "/sparql", params=ASK, timeout=60)
    assert r.status_code == 503 and "max_per_client" in r.json()["error"]["message"]


def test_a_query_whose_client_went_is_cancelled(live_factory):
    """Its worker is killed (its CPU freed) long before query_timeout, and replaced."""
    server = live_factory("pressure-gone", workers=1, query_timeout=600)
    executor = server.app.state.endpoint.executor
    before = set(executor.pids())
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(server.url + "/sparql", params={"query": RUNAWAY}, timeout=httpx.Timeout(60, read=2))
    eventually(lambda: any(not alive(pid) for pid in before), "the worker of the abandoned query killed")
    eventually(lambda: len(executor.live) == executor.size + 2, "a worker in its place")
    assert httpx.get(server.url + "/sparql", params=ASK, timeout=60).json()["boolean"] is True


def test_a_restart_is_not_charged_to_the_next_request(live_factory):
    """Right after a cancelled query, cheap queries are answered, not given its 503."""
    server = live_factory("pressure-next", workers=1, query_timeout=2.0)
    for _ in range(3):
        r = httpx.get(server.url + "/sparql", params={"query": RUNAWAY}, timeout=60)
        assert r.status_code == 503 and "query_timeout" in r.json()["error"]["message"]
        for _ in range(3):  # (answered by the spare put in its place, warm)
            r = httpx.get(server.url + "/sparql", params=ASK, timeout=60)
            assert r.status_code == 200, r.text
