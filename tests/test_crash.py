"""Crash safety: ``kg build`` killed with SIGKILL at random points, and ``kg serve`` killed while it
runs a build handed over by ``kg build``. After every kill: no document is half-loaded (each
document graph recorded in the store is exactly the graph a clean build gives), no document graph
is left without its record, the merged default graph is exactly the merge of the named graphs, and
the kept counts are right; a re-run completes the build.

Speed: the pipeline is loaded once, in a fork server (``tests.forker``), and each build (or
server) runs in a child forked from it, so a run costs what its documents cost. Where a child is
killed is drawn from a seeded generator: after the k-th document it reports, plus a few
milliseconds; what is checked does not depend on where that lands.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.errors import StoreError, StoreInUse
from kg.store import Store, unmerged_graphs
from tests.conftest import ROOT, free_port

BASE = "https://kg.example/id/"
KILLS = 12

PEOPLE = [
    ("Amara Okafor", "Nigeria", "Ms."),
    ("Jonas Lindqvist", "Sweden", "Mr."),
    ("Lucía Fernández", "Argentina", "Ms."),
    ("Kenji Watanabe", "Japan", "Mr."),
    ("Fatima Al-Sayed", "Egypt", "Ms."),
    ("Pierre Dubois", "France", "Mr."),
    ("Anika Sharma", "India", "Ms."),
    ("Tomás Novak", "Czechia", "Mr."),
    ("Grace Mensah", "Ghana", "Ms."),
    ("Olaf Hansen", "Norway", "Mr."),
    ("Mariana Costa", "Brazil", "Ms."),
    ("Daniel Cohen", "Canada", "Mr."),
]
TOPICS = ["ocean resilience", "food security", "migration", "climate finance", "disarmament", "water"]


def write_documents(folder: Path) -> list[Path]:
    """Twelve short press releases written for this test, in the genre kg reads."""
    folder.mkdir()
    paths = []
    for i, (name, state, title) in enumerate(PEOPLE):
        other, other_state, _ = PEOPLE[(i + 5) % len(PEOPLE)]
        topic = TOPICS[i % len(TOPICS)]
        text = (
            f"{10 + i} March 2021\n\nGeneral Assembly Debates {topic.title()}\n\n"
            f"NEW YORK, {9 + i} March — {name}, Permanent Representative of {state} to the United Nations, "
            f"chaired today a meeting of the General Assembly on {topic}.\n\n"
            f"“No country can face {topic} alone,” {title} {name.split()[-1]} told delegates.\n\n"
            f"{other}, Permanent Representative of {other_state} to the United Nations, presented the "
            f"report of the working group.\n\nFor information media. Not an official record.\n"
        )
        path = folder / f"release-{i:02d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


class Forker:
    """The fork server of ``tests.forker``, in its own process (see there why)."""

    def __init__(self, scratch: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
        env["PYTHONPATH"] = str(ROOT)
        self.scratch = scratch
        self.n = 0
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.forker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "ready"

    def start(self, *argv: str | Path) -> tuple[int, Path, Path]:
        """Run ``kg ARGV`` in a forked child: its pid, its events file and its exit file."""
        self.n += 1
        events, exit_file = self.scratch / f"events-{self.n}", self.scratch / f"exit-{self.n}"
        events.touch()
        request = {"argv": [str(a) for a in argv], "events": str(events), "exit": str(exit_file)}
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline()), events, exit_file

    def run(self, *argv: str | Path) -> int:
        """Run ``kg ARGV`` to its end; its exit status."""
        pid, _, exit_file = self.start(*argv)
        wait_gone(pid)
        return int(exit_file.read_text())

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait(30)
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()


def wait_gone(pid: int, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        assert time.monotonic() < deadline, f"process {pid} did not end within {timeout} s"
        time.sleep(0.01)


def wait_for(events: Path, n: int, pid: int) -> None:
    """Until the child has reported ``n`` documents (or has ended)."""
    deadline = time.monotonic() + 180
    while events.stat().st_size < n:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        assert time.monotonic() < deadline, "the build reported nothing for 180 s"
        time.sleep(0.005)


def kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    wait_gone(pid)


def graphs_of(store: Store) -> dict[str, set[str]]:
    return {g: {str(t) for t in store.graph_triples(g)} for g in store.document_graphs()}


def check(store_path: Path, reference: dict[str, set[str]]) -> int:
    """The invariants after a crash; the number of documents the store holds."""
    store = Store(store_path, BASE)  # opening replays what the log holds, as the next build would
    try:
        documents = graphs_of(store)
        for graph, triples in documents.items():
            assert triples == reference[graph], f"{graph} is half-loaded"
        orphans = [g for g in store.named_graphs() if g in reference and g not in documents]
        assert not orphans, f"document graphs without their record: {orphans}"
        skip = ", ".join(f"<{g}>" for g in unmerged_graphs(BASE))
        merge = store.select(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
            f"FILTER(?g NOT IN ({skip})) }} }} FILTER NOT EXISTS {{ ?s ?p ?o }} }}"
        )
        extra = store.select(
            "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER NOT EXISTS { GRAPH ?g { ?s ?p ?o } "
            f"FILTER(?g NOT IN ({skip})) }} }}"
        )
        assert (int(merge[0]["n"].value), int(extra[0]["n"].value)) == (0, 0), "the merge is off"  # type: ignore[union-attr]
        stats = store.stats()
        assert (stats.quads, stats.default_triples) == store.count()
        return len(documents)
    finally:
        store.close()


@pytest.fixture(scope="module")
def forker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Forker]:
    f = Forker(tmp_path_factory.mktemp("forker"))
    yield f
    f.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, forker: Forker) -> tuple[Path, dict[str, set[str]]]:
    folder = tmp_path_factory.mktemp("crash") / "releases"
    write_documents(folder)
    store = folder.with_name("reference")
    assert forker.run("build", folder, "--store", store, "--quiet") == 0
    ref = Store(store, BASE, read_only=True)
    reference = graphs_of(ref)
    del ref
    assert len(reference) == len(PEOPLE)
    return folder, reference


def test_kill_9_of_kg_build_never_leaves_a_half_loaded_document(
    forker: Forker, corpus: tuple[Path, dict[str, set[str]]], tmp_path: Path
) -> None:
    folder, reference = corpus
    rng = random.Random(11)
    held = []
    for i in range(KILLS):
        store = tmp_path / f"s{i}"
        pid, events, _ = forker.start("build", folder, "--store", store, "--quiet")
        wait_for(events, rng.randrange(len(reference) + 1), pid)  # all of them: killed while linking
        time.sleep(rng.uniform(0, 0.03))
        kill(pid)
        held.append(check(store, reference))
        if i % 4 == 3:  # a re-run completes the build
            assert forker.run("build", folder, "--store", store, "--quiet") == 0
            assert check(store, reference) == len(reference)
    assert len(set(held)) > 1, f"every kill found the same number of documents: {held}"


def test_kill_9_of_kg_serve_during_a_handed_over_build(
    forker: Forker, corpus: tuple[Path, dict[str, set[str]]], tmp_path: Path
) -> None:
    from kg import handoff
    from kg.ingest import discover

    folder, reference = corpus
    files = discover([folder])
    rng = random.Random(12)
    store = tmp_path / "served"
    Store(store, BASE).close()
    for _ in range(KILLS):
        pid, _, _ = forker.start("serve", "--store", store, "--port", str(free_port()), "--workers", "1")
        deadline = time.monotonic() + 60
        while (found := handoff.read(store)) is None or found.pid != pid:
            assert time.monotonic() < deadline, "kg serve did not start"
            time.sleep(0.02)
        after = rng.randrange(len(reference) + 1)
        reported = threading.Semaphore(0)
        failure: list[StoreError] = []

        def client(reported: threading.Semaphore = reported, failure: list[StoreError] = failure) -> None:
            try:  # what kg build --force does beside a running kg serve
                handoff.build_via_server(
                    store, StoreInUse("held"), files, True, True, lambda _: reported.release()
                )
            except StoreError as exc:
                failure.append(exc)

        thread = threading.Thread(target=client)
        thread.start()
        for _ in range(after):
            if not reported.acquire(timeout=180):
                break
        time.sleep(rng.uniform(0, 0.03))
        kill(pid)
        thread.join(60)
        if failure:  # the build did not finish: kg build says that the server went away
            assert "did not answer" in failure[0].message or "without its summary" in failure[0].message
        check(store, reference)
    assert forker.run("build", folder, "--store", store, "--quiet") == 0  # the store is free: built directly
    assert check(store, reference) == len(reference)
