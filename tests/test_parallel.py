"""Parallel and cluster builds (kg.parallel): the same graph and the same report as a build in one
process, whichever worker finishes first; failures reported alike; a worker that dies stops the
build with a clear error, never a hang.

The corpus: the bundled examples, four short releases written for this test that name the same
two people with different spellings (so the writer adopts stored labels, in input order), two that
give one event two end dates (the later is left out, in input order), a file that cannot be
read, and, where a test asks for it, a document whose graph is broken in the worker (a shape
violation). Stores are compared as sets of N-Quads: the export has no blank nodes,
so equal sets are isomorphic graphs.

The Dask cluster is a ``LocalCluster`` of two real worker processes on 127.0.0.1, started once
for the module.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from rdflib import URIRef
from rdflib.namespace import RDFS

from kg import parallel, pipeline, settings
from kg.api import Graph
from kg.cli import main
from kg.errors import UsageError, WorkerError
from kg.export import export
from kg.parallel import InProcess, Outcome, Pool, Task, prepare_task
from kg.pipeline import BuildReport
from kg.resolve import Resolution
from kg.store import Store
from tests.conftest import EXAMPLES, kg

BASE = "https://kg.example/id/"

#: (name, State, title, the other person named, their State): each person spelt three ways
SPELLINGS = [
    ("Amara Nkechi Okafor", "Nigeria", "Ms.", "Lucia Fernandez", "Argentina"),
    ("Amara Okafor", "Nigeria", "Ms.", "Lucía Fernández", "Argentina"),
    ("Lucía Fernández", "Argentina", "Ms.", "Amara N. Okafor", "Nigeria"),
    ("Lucia Fernandez", "Argentina", "Ms.", "Amara Okafor", "Nigeria"),
]


def summit_release(end: int) -> str:
    """A release about one event (same name, same start) ending on ``end`` May: two of them give
    the merged node two end dates, and the one written second loses its own (``kg.merged``)."""
    return (
        "3 May 2031\n\nWater Summit Opens in Nairobi\n\nNAIROBI, 2 May — The Water Summit, held in "
        f"Nairobi from 2 May to {end} May, opened today.\n\nDelegates from Kenya and Norway attended "
        "the opening.\n"
    )


def write_corpus(folder: Path) -> Path:
    folder.mkdir()
    for path in EXAMPLES.glob("*.txt"):
        shutil.copy(path, folder / path.name)
    for i, (name, state, title, other, other_state) in enumerate(SPELLINGS):
        (folder / f"release-{i}.txt").write_text(
            f"{10 + i} March 2021\n\nGeneral Assembly Debates Ocean Resilience\n\n"
            f"NEW YORK, {9 + i} March — {name}, Permanent Representative of {state} to the United "
            "Nations, chaired today a meeting of the General Assembly on ocean resilience.\n\n"
            f"“No country can face this alone,” {title} {name.split()[-1]} told delegates.\n\n"
            f"{other}, Permanent Representative of {other_state} to the United Nations, presented "
            "the report of the working group.\n\nFor information media. Not an official record.\n",
            encoding="utf-8",
        )
    (folder / "release-1b.txt").write_bytes((folder / "release-1.txt").read_bytes())  # source-added
    for name, end in (("summit-a.txt", 4), ("summit-b.txt", 6)):  # one event, two end dates
        (folder / name).write_text(summit_release(end), encoding="utf-8")
    (folder / "unreadable.txt").write_bytes(b"\x00\x01\x02 not text \xff\xfe")
    return folder


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("parallel") / "releases")


# -- work functions run in the workers (module level: they cross process boundaries) --------------

BROKEN = "forum-statement.txt"


def breaking_work(task: Task, base: str, stored: frozenset[str]) -> Outcome:
    """prepare_task, with the forum statement's people losing their labels (a shape violation)."""
    real = pipeline.rdfize

    def rdfize(resolution: Resolution) -> rdflib.Graph:
        graph = real(resolution)
        if resolution.extraction.document.source.endswith(BROKEN):
            for person in [e for e in resolution.entities if e.kind.value == "Person"]:
                graph.remove((URIRef(resolution.iri[person.local_id]), RDFS.label, None))
        return graph

    pipeline.rdfize = rdfize  # type: ignore[assignment]  (in this worker, for this document)
    try:
        return prepare_task(task, base, stored)
    finally:
        pipeline.rdfize = real  # type: ignore[assignment]


def dying_work(task: Task, base: str, stored: frozenset[str]) -> Outcome:
    """prepare_task, except that the worker given the third release is killed (SIGKILL)."""
    if task.source.endswith("release-2.txt"):
        os.kill(os.getpid(), signal.SIGKILL)
    return prepare_task(task, base, stored)


# -- helpers ------------------------------------------------------------------------------------


def build(folder: Path, executor: parallel.Executor | None) -> tuple[BuildReport, set[bytes], Store]:
    store = Store(None, BASE)
    report = pipeline.build([folder], store, executor=executor)
    out = io.BytesIO()
    export(store, "nquads", out)
    return report, set(out.getvalue().splitlines()), store


def reported(report: BuildReport) -> list[dict[str, object]]:
    return [r.to_json() for r in report.results]


@pytest.fixture(scope="module")
def reference(corpus: Path) -> tuple[BuildReport, set[bytes]]:
    """The sequential build (no executor: pipeline.build_document, one document at a time)."""
    report, quads, _ = build(corpus, None)
    return report, quads


def test_the_reference_exercises_what_matters(reference: tuple[BuildReport, set[bytes]]) -> None:
    report, quads = reference
    outcomes = {Path(r.source).name: r.outcome for r in report.results}
    assert outcomes["unreadable.txt"] == "unreadable"
    assert outcomes["release-1b.txt"] == "source-added"
    assert sorted(set(outcomes.values())) == ["added", "quarantined", "source-added", "unreadable"]
    assert [name for name, outcome in outcomes.items() if outcome == "quarantined"] == ["summit-b.txt"]
    label = f"<{BASE}person/amara-okafor> <{RDFS.label}> ".encode()
    assert [q for q in quads if q.startswith(label) and b" <" not in q[len(label) :]] == [
        label + b'"Amara Nkechi Okafor"@en .'
    ]  # the first document's spelling, adopted by the others


@pytest.mark.parametrize(
    "executor",
    [lambda: InProcess(), lambda: Pool(2), lambda: Pool(3)],
    ids=["in-process", "jobs-2", "jobs-3"],
)
def test_parallel_build_gives_the_same_graph_and_report(
    corpus: Path, reference: tuple[BuildReport, set[bytes]], executor: object
) -> None:
    report, quads, _ = build(corpus, executor())  # type: ignore[operator]
    assert quads == reference[1]
    assert reported(report) == reported(reference[0])


def test_a_second_build_skips_what_is_stored(corpus: Path) -> None:
    _, _, store = build(corpus, None)
    again = pipeline.build([corpus], store, executor=Pool(2))
    outcomes = {Path(r.source).name: r.outcome for r in again.results}
    assert set(outcomes.values()) == {"unchanged", "unreadable"}


def test_an_invalid_document_is_reported_alike(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = None
    for executor in (InProcess(breaking_work), Pool(2, breaking_work)):
        report, quads, _ = build(corpus, executor)
        bad = [r for r in report.results if r.violations]  # (loaded without what breaks)
        assert [Path(r.source).name for r in bad] == [BROKEN] and bad[0].quarantined
        assert bad[0].outcome == "quarantined"
        assert report.exit_code == 2  # (the unreadable file outranks it)
        if expected is None:
            expected = (reported(report), quads)
        assert (reported(report), quads) == expected


def test_at_most_a_window_of_documents_is_in_flight(corpus: Path) -> None:
    class Counting(InProcess):
        def __init__(self) -> None:
            super().__init__()
            self.in_flight = self.most = 0

        def submit(self, task: Task) -> Task:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
            return task

        def result(self, handle: Task) -> Outcome:
            self.in_flight -= 1
            return super().result(handle)

    counting = Counting()
    store = Store(None, BASE)
    written = [r.source for r in parallel.results(sorted(corpus.iterdir()), store, counting, window=3)]
    assert counting.most == 3
    assert written == [str(p) for p in sorted(corpus.iterdir())]


def test_a_killed_worker_stops_the_build_with_a_clear_error(corpus: Path) -> None:
    store = Store(None, BASE)
    with pytest.raises(WorkerError, match="ended abruptly"):
        pipeline.build([corpus], store, executor=Pool(2, dying_work))
    for graph in store.document_graphs():  # what was written is whole
        assert store.graph_ntriples(graph)


def test_graph_build_takes_jobs(reference: tuple[BuildReport, set[bytes]], corpus: Path) -> None:
    graph = Graph.open(None)
    report = graph.build([corpus], jobs=2)
    assert set(graph.export("nquads").splitlines()) == reference[1]
    assert reported(report) == reported(reference[0])
    graph.close()


def test_jobs_and_scheduler_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert settings.load(env={"KG_JOBS": "0", "KG_SCHEDULER": "tcp://h:8786"}).jobs == 0
    config = tmp_path / "kg.toml"
    config.write_text('[kg]\njobs = 2\nscheduler = "tcp://h:8786"\n')
    loaded = settings.load({"jobs": 3}, env={"KG_CONFIG": str(config)})
    assert (loaded.jobs, loaded.scheduler) == (3, "tcp://h:8786")
    assert parallel.executor_for(1) is None
    assert isinstance(parallel.executor_for(2), Pool)
    zero = parallel.executor_for(0)
    assert (zero.workers if zero else 1) == len(os.sched_getaffinity(0))
    with pytest.raises(UsageError, match="--jobs"):
        parallel.executor_for(-1)
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if kg[dask] were not installed
    with pytest.raises(UsageError, match=r"pip install 'kg\[dask\]'"):
        parallel.executor_for(1, "tcp://127.0.0.1:8786")


def test_cli_jobs_2_builds_the_same_store(corpus: Path, tmp_path: Path) -> None:
    stores = {}
    for jobs in ("1", "2"):
        stores[jobs] = tmp_path / f"jobs-{jobs}"
        run = kg("build", corpus, "--store", stores[jobs], "--jobs", jobs, "--no-link")
        assert run.code == 2, run.err  # (the unreadable file)
        assert "documents: 10 (7 added, 1 quarantined, 1 source-added, 1 unreadable)" in run.out
        assert "kg build: started (10 documents)" in run.err and "kg: error: " in run.err
    dumps = []
    for path in stores.values():
        out, store = io.BytesIO(), Store(path, BASE, read_only=True)
        export(store, "nquads", out)
        store.close()
        dumps.append(set(out.getvalue().splitlines()))
    assert dumps[0] == dumps[1] and len(dumps[0]) > 1000


def test_cli_scheduler_without_dask_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if kg[dask] were not installed
    with pytest.raises(SystemExit) as exited:
        main(["build", str(EXAMPLES), "--store", str(tmp_path / "s"), "--scheduler", "tcp://127.0.0.1:1"])
    assert exited.value.code == 2
    assert "pip install 'kg[dask]'" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()  # stopped before the store was opened


# -- a Dask LocalCluster ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """Two worker processes (one thread each) and a scheduler on 127.0.0.1; its address."""
    distributed = pytest.importorskip("distributed")
    import dask

    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),  # a task that kills: one strike
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0"
        ) as local,
    ):
        yield local.scheduler_address


def test_dask_cluster_gives_the_same_graph_and_report(
    corpus: Path, reference: tuple[BuildReport, set[bytes]], cluster: str
) -> None:
    report, quads, _ = build(corpus, parallel.Cluster(cluster))
    assert quads == reference[1]
    assert reported(report) == reported(reference[0])


def test_dask_invalid_document_is_reported_alike(corpus: Path, cluster: str) -> None:
    expected = build(corpus, InProcess(breaking_work))
    got = build(corpus, parallel.Cluster(cluster, breaking_work))
    assert (reported(got[0]), got[1]) == (reported(expected[0]), expected[1])


def test_dask_cluster_without_workers_is_an_error_not_a_hang(corpus: Path) -> None:
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address=":0") as empty,
        pytest.raises(WorkerError, match="no worker"),
    ):
        build(corpus, parallel.Cluster(empty.scheduler_address, no_worker_grace=0.5))


def test_dask_worker_lost_is_a_clear_error(corpus: Path, cluster: str) -> None:
    """(Last: the cluster's nanny restarts the killed worker afterwards.)"""
    with pytest.raises(WorkerError, match="Dask workers died"):
        build(corpus, parallel.Cluster(cluster, dying_work))
