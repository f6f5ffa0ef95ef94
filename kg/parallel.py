"""Parallel and cluster builds: documents are prepared elsewhere, written here, in input order.

    files ─► workers: read, extract, resolve, rdfize, validate (pipeline.prepare) ─► Prepared
                                                                                        │
    store ◄── the one writer, this process: pipeline.write, one transaction a document ◄┘
              (results taken in input order: a bounded reorder buffer)

The stages that need no store run in workers; everything that reads or writes the store stays
in this process and happens in the order of the input, as in a sequential build: the same
documents, the same labels adopted (``pipeline.write``), the same graph, whichever worker
finishes first. At most ``window`` documents are in flight, so memory is bounded by that, not by
the corpus, and the progress display moves from the first document.

Three executors:

    InProcess   the work done here, one document at a time (the reference for the others)
    Pool        N worker processes on this machine (``kg build --jobs N``)
    Cluster     the workers of a Dask distributed scheduler (``kg build --scheduler ADDRESS``;
                the optional extra ``kg[dask]``)

A Pool's workers read the files themselves (they are sent paths) and skip, unread further,
documents the store held when the build began; a cluster's workers may not see this machine's
files, so this process reads them and sends the text. Either way a file that cannot be read is
reported as "unreadable", and ``pipeline.already_stored`` is asked again before each write.

A worker that dies (killed, out of memory) or a Dask cluster that loses it or has no worker left
stops the build with a ``WorkerError``: the documents written before it are whole, and running
the build again finishes it.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import time
import warnings
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Generator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.errors import InputError, UsageError, WorkerError
from kg.ingest import read_document
from kg.model import Document
from kg.pipeline import DocResult, Prepared, already_stored, prepare, write
from kg.store import GraphStore, doc_graph_iri

DASK_HINT = "pip install 'kg[dask]'"


@dataclass(frozen=True)
class Task:
    """One document to prepare: the file to read, the source to record, and the
    document itself when this process has read it already."""

    path: str
    source: str
    doc: Document | None = None
    strict: bool = False  # kg build --strict: a document that breaks the shapes is not loaded


#: What a worker hands back: the prepared document, a result already final (a file that could
#: not be read), or the document alone (the store held it when the build began: not prepared).
Outcome = Prepared | DocResult | Document

#: The work done on a task: ``work(task, base, stored)``, ``stored`` the document graphs the
#: store held when the build began (none with ``force``).
Work = Callable[[Task, str, frozenset[str]], Outcome]


def prepare_task(task: Task, base: str, stored: frozenset[str] = frozenset()) -> Outcome:
    """Read (unless read already) and prepare one document: what every worker runs."""
    try:  # (InputError: the file, or extraction past its time budget, as a sequential build reports it)
        doc = task.doc if task.doc is not None else read_document(Path(task.path), source=task.source)
        if doc_graph_iri(base, doc.doc_id) in stored:
            return doc
        return prepare(doc, base, task.strict)
    except InputError as exc:
        return DocResult(source=exc.path, outcome="unreadable", error=exc.message)


class Executor(ABC):
    """Where documents are prepared. ``start`` before ``submit``; results are taken with
    ``result`` (in whatever order the caller likes); ``close`` ends the workers."""

    #: whether workers read the files (else this process reads them and sends the text)
    reads_files: bool = True

    def __init__(self, work: Work = prepare_task) -> None:
        self.work = work

    @property
    @abstractmethod
    def workers(self) -> int:
        """How many documents are prepared at once (sizes the number in flight)."""

    @abstractmethod
    def start(self, base: str, stored: frozenset[str]) -> None: ...

    @abstractmethod
    def submit(self, task: Task) -> Any: ...

    @abstractmethod
    def result(self, handle: Any) -> Outcome: ...

    @abstractmethod
    def close(self) -> None: ...


class InProcess(Executor):
    """The work done in this process when a result is asked for: a sequential build through the
    same machinery as the others."""

    workers = 1

    def start(self, base: str, stored: frozenset[str]) -> None:
        self.base, self.stored = base, stored

    def submit(self, task: Task) -> Task:
        return task

    def result(self, handle: Task) -> Outcome:
        return self.work(handle, self.base, self.stored)

    def close(self) -> None:
        pass


# -- worker processes on this machine ---------------------------------------------------------------

_BASE = ""
_STORED: frozenset[str] = frozenset()


def _init_worker(base: str, stored: frozenset[str]) -> None:
    """Run once in each worker, first thing after the fork: then the pipeline loaded once."""
    global _BASE, _STORED
    gc.freeze()  # what the parent left is never collected here (its store is never closed here)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the writer's to handle: it ends the pool
    _BASE, _STORED = base, stored
    from kg.pipeline import warm

    warm()


def _run(work: Work, task: Task) -> Outcome:
    return work(task, _BASE, _STORED)


class Pool(Executor):
    """``jobs`` worker processes forked from this one (``multiprocessing``'s fork context, so a
    script or ``python -m kg`` needs no ``__main__`` guard), each loading the extraction
    pipeline and shapes once (``pipeline.warm``).

    This process may hold the store and threads (RocksDB's, a progress bar's) when it forks;
    workers never touch the store or those threads, call no store code and leave with
    ``os._exit``, and freeze the garbage collector first, so nothing the parent left is
    finalised in them. All workers are started at once, when the pool starts."""

    def __init__(self, jobs: int, work: Work = prepare_task) -> None:
        super().__init__(work)
        self.jobs = jobs
        self._pool: ProcessPoolExecutor | None = None

    @property
    def workers(self) -> int:
        return self.jobs

    def start(self, base: str, stored: frozenset[str]) -> None:
        from kg.pipeline import warm

        warm(freeze=False)  # loaded once, here: the workers share it (copy-on-write)
        gc.collect()  # (garbage of this process is not inherited)
        context = multiprocessing.get_context("fork")
        self._pool = ProcessPoolExecutor(
            self.jobs, context, initializer=_init_worker, initargs=(base, stored)
        )
        with warnings.catch_warnings():  # Python 3.12+: "multi-threaded, use of fork() may lead to
            warnings.simplefilter("ignore", DeprecationWarning)  # deadlocks in the child": see above
            try:
                self._pool.submit(int).result()  # (a fork context starts every worker at the first submit)
            except BrokenProcessPool:
                self.close()
                raise WorkerError(
                    "the worker processes of the build could not start (see the messages above); "
                    "build with --jobs 1"
                ) from None

    def submit(self, task: Task) -> tuple[Future[Outcome], Task]:
        assert self._pool is not None, "start the pool first"
        try:
            return self._pool.submit(_run, self.work, task), task
        except BrokenProcessPool:
            raise self._lost(task) from None

    def result(self, handle: tuple[Future[Outcome], Task]) -> Outcome:
        future, task = handle
        try:
            return future.result()
        except BrokenProcessPool:
            raise self._lost(task) from None

    def _lost(self, task: Task) -> WorkerError:
        return WorkerError(
            f"a worker process of the build ended abruptly (killed, or out of memory?) while the "
            f"documents from {task.source} on were in flight; those before it are loaded, each whole: "
            "run the build again to finish it (stored documents are skipped), or with --jobs 1 to see "
            "whether one document is the cause"
        )

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


# -- a Dask cluster ----------------------------------------------------------------------------

#: Seconds a cluster may have no worker at all while documents wait, before the build stops.
NO_WORKER_GRACE = 60.0


def _warm_dask_worker() -> None:
    from kg.pipeline import warm

    warm()


class Cluster(Executor):
    """The workers of a Dask distributed scheduler at ``address`` (``tcp://host:8786``).

    This process reads the files and sends the texts (workers on other machines need not see
    them) and keeps writing the store. Workers need kg installed, and read kg's settings
    (``KG_MODEL``, ``KG_EXTRACT_BUDGET``) from their own environment."""

    reads_files = False

    def __init__(
        self, address: str, work: Work = prepare_task, no_worker_grace: float = NO_WORKER_GRACE
    ) -> None:
        super().__init__(work)
        try:
            import distributed
        except ImportError:
            raise UsageError(f"--scheduler {address}: building on a Dask cluster needs {DASK_HINT}") from None
        self.distributed = distributed
        self.address = address
        self.no_worker_grace = no_worker_grace
        self.client: Any = None
        self._threads = 1
        self._pending: set[Any] = set()

    @property
    def workers(self) -> int:
        return self._threads

    def start(self, base: str, stored: frozenset[str]) -> None:
        self.base = base
        try:
            self.client = self.distributed.Client(  # type: ignore[no-untyped-call]
                self.address, set_as_default=False, timeout=30
            )
        except (OSError, TimeoutError) as exc:
            raise WorkerError(
                f"--scheduler {self.address}: the Dask scheduler cannot be reached ({exc}); "
                "is it running (dask scheduler), and is the address right?"
            ) from None
        try:
            self.client.run(_warm_dask_worker)  # each worker loads the pipeline once, here
        except ImportError as exc:
            self.close()
            raise WorkerError(
                f"--scheduler {self.address}: the Dask workers cannot import kg ({exc}); "
                "install kg (with the same version) where the workers run"
            ) from None
        self._threads = max(1, sum(self.client.nthreads().values()))

    def submit(self, task: Task) -> Any:
        future = self.client.submit(self.work, task, self.base, frozenset(), pure=False)
        self._pending.add(future)
        return future

    def result(self, handle: Any) -> Outcome:
        alone_since: float | None = None
        try:
            while True:
                try:
                    return handle.result(timeout=min(1.0, self.no_worker_grace))  # type: ignore[no-any-return]
                except TimeoutError:
                    if self.client.nthreads():
                        alone_since = None
                    elif alone_since is None:
                        alone_since = time.monotonic()
                    elif time.monotonic() - alone_since > self.no_worker_grace:
                        raise WorkerError(
                            f"--scheduler {self.address}: the cluster has had no worker for "
                            f"{self.no_worker_grace:g} s with documents waiting ({handle.key}); "
                            "start workers (dask worker ADDRESS), then run the build again"
                        ) from None
        except self.distributed.KilledWorker as exc:
            raise WorkerError(
                f"--scheduler {self.address}: Dask workers died preparing a document ({exc}); the "
                "documents before it are loaded, each whole: run the build again to finish it, or with "
                "--jobs 1 to see whether one document is the cause"
            ) from None
        except self.distributed.client.FutureCancelledError as exc:
            raise WorkerError(
                f"--scheduler {self.address}: the cluster dropped the work ({exc}); "
                "is the scheduler still running? Run the build again to finish it"
            ) from None
        finally:
            self._pending.discard(handle)

    def close(self) -> None:
        if self.client is None:
            return
        with contextlib.suppress(OSError, TimeoutError):  # (closing: the cluster may be gone)
            if self._pending:
                self.client.cancel(list(self._pending))
        self._pending.clear()
        with contextlib.suppress(OSError, TimeoutError):
            self.client.close()
        self.client = None


# -- choosing one, and the build ---------------------------------------------------------------


def executor_for(jobs: int = 1, scheduler: str = "") -> Executor | None:
    """The executor the ``jobs`` and ``scheduler`` settings ask for; None for a sequential build
    in this process (``jobs`` 1, no scheduler). ``jobs`` 0: one worker per CPU core."""
    if scheduler:
        return Cluster(scheduler)
    if jobs < 0:
        raise UsageError(f"--jobs: {jobs} is not a number of worker processes (0: one per CPU core)")
    if jobs == 0:
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return Pool(jobs) if jobs > 1 else None


def _finish(store: GraphStore, outcome: Outcome, force: bool, strict: bool = False) -> DocResult:
    """Write one worker's outcome (the one writer): in input order, each in one transaction."""
    if isinstance(outcome, DocResult):
        return outcome
    doc = outcome.doc if isinstance(outcome, Prepared) else outcome
    done = already_stored(store, doc, force)
    if done is not None:
        return done
    if not isinstance(outcome, Prepared):  # held when the build began, gone since: prepared here
        outcome = prepare(doc, store.base, strict)
    return write(store, outcome, force)


def results(
    files: list[Path],
    store: GraphStore,
    executor: Executor,
    force: bool = False,
    cwd: Path | None = None,
    window: int | None = None,
    strict: bool = False,
) -> Generator[DocResult]:
    """Prepare ``files`` on ``executor`` and write them into ``store`` in input order; each
    document's result as it is written. At most ``window`` documents (default: four per worker)
    are in flight or waiting to be written."""
    stored = frozenset() if force else frozenset(store.document_graphs())
    executor.start(store.base, stored)
    try:
        limit = max(2, window or 4 * executor.workers)
        pending: deque[Any] = deque()  # handles, and outcomes known without a worker
        for file in files:
            path = file if cwd is None else cwd / file  # (relative: to ``cwd``, else ours, as workers')
            pending.append(_submit(executor, store, path, str(file), force, strict))
            while len(pending) >= limit:
                yield _finish(store, _take(executor, pending.popleft()), force, strict)
        while pending:
            yield _finish(store, _take(executor, pending.popleft()), force, strict)
    finally:
        executor.close()


class _Known:
    """An outcome this process has already (no worker needed)."""

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome


def _submit(executor: Executor, store: GraphStore, path: Path, source: str, force: bool, strict: bool) -> Any:
    if executor.reads_files:
        return executor.submit(Task(str(path), source, strict=strict))
    try:
        doc = read_document(path, source=source)
    except InputError as exc:
        return _Known(DocResult(source=exc.path, outcome="unreadable", error=exc.message))
    if not force and store.has_graph(doc_graph_iri(store.base, doc.doc_id)):
        return _Known(doc)  # already_stored decides, in its turn
    return executor.submit(Task(str(path), source, doc, strict))


def _take(executor: Executor, item: Any) -> Outcome:
    return item.outcome if isinstance(item, _Known) else executor.result(item)


__all__ = ["Cluster", "Executor", "InProcess", "Pool", "Task", "executor_for", "prepare_task", "results"]
