"""Where queries run: a pool of worker processes over store snapshots (on-disk stores), or
threads (in-memory stores, for tests and one-off runs).

Why processes: pyoxigraph evaluates a query in Rust with no cancellation hook, so a thread running
a runaway query cannot be stopped. A worker process can: on timeout it is killed (SIGKILL, the CPU
is freed at once) and a fresh worker takes its place.

Why snapshots: RocksDB lets one process open a store read-write; a read-only opener beside a
writer is undefined behaviour. The server process owns the store read-write and, after every
write, publishes a RocksDB checkpoint (``Store.backup``: hard links, a few milliseconds) into
``.<store>.snapshots/<n>``. Workers open the newest checkpoint read-only; a checkpoint never
changes, so readers never see half-written data and a write never waits for readers. Queries in
flight finish on the snapshot they started on; old snapshots are deleted once nothing uses them.
If the store itself was opened read-only, workers open it directly (no writer exists in this
process, and ``kg.store.Store(read_only=True)`` already accepted the same condition).

The wire: each worker has one socketpair; both ways a message is a 4-byte big-endian length and
its bytes (a pickled ``(snapshot, Job)`` in, ``execute``'s frames out). The parent reads every
worker socket on its event loop through a ``_Frames`` protocol (no thread, no per-request
reader registration); it stops reading while frames pile up, so a slow client holds the worker
back instead of filling the server's memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import pickle
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from kg.endpoint import tasks
from kg.endpoint.execute import Job, execute
from kg.endpoint.protocol import ProtocolError
from kg.endpoint.sandbox import confined_threads
from kg.endpoint.tasks import Call
from kg.errors import SandboxError, StoreError
from kg.store import GraphStore, Store

log = logging.getLogger("uvicorn.error")


@dataclass
class Answer:
    status: int
    media_type: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    stream: AsyncIterator[bytes] | None = None


class Executor(Protocol):
    async def start(self) -> None: ...

    async def run(self, job: Job, timeout: float, client: str | None = None) -> Answer: ...

    async def call(self, call: Call, timeout: float, client: str | None = None) -> Any: ...

    def publish(self) -> None: ...

    async def close(self) -> None: ...


def _timeout_error(timeout: float) -> ProtocolError:
    return ProtocolError(
        503,
        f"the query ran longer than query_timeout={timeout:g}s and was cancelled; "
        "narrow it (LIMIT, more specific patterns) or ask the operator to raise query_timeout",
        {"Retry-After": "1"},
    )


def _error(frame: bytes) -> ProtocolError:
    err = json.loads(frame[1:])
    return ProtocolError(int(err["status"]), str(err["message"]))


def _result(frame: bytes) -> Any:
    """The result of a ``tasks.Call`` from its frame (``R`` + pickle), or its ProtocolError."""
    if frame[:1] != b"R":
        raise _error(frame)
    return pickle.loads(frame[1:])


def _answer_from_frame(frame: bytes) -> Answer | None:
    """The answer of an ``F`` frame, an exception for ``E``, None for ``H`` (a stream follows)."""
    tag = frame[:1]
    if tag == b"E":
        raise _error(frame)
    if tag == b"F":
        head, _, body = frame[1:].partition(b"\n")
        h = json.loads(head)
        return Answer(h["status"], h["media_type"], h["headers"], body)
    return None


class ThreadExecutor:
    """In-memory stores: queries run in one confined thread (no network unless ``network``). A
    timeout answers 503 but cannot stop the thread."""

    def __init__(self, store: Store | None, network: bool) -> None:
        self.store = store  # (None: only ``call`` and ``in_thread``, for kg.endpoint.remote)
        self.network = network
        self.thread: ThreadPoolExecutor | None = None

    async def start(self) -> None:
        if self.thread is None:
            self.thread = confined_threads(self.network, "kg-query", 4)

    async def in_thread(self, timeout: float, fn: Callable[..., Any], *args: Any) -> Any:
        await self.start()
        loop = asyncio.get_running_loop()
        fut = loop.run_in_executor(self.thread, fn, *args)
        try:
            return await asyncio.wait_for(fut, timeout or None)
        except TimeoutError:
            raise _timeout_error(timeout) from None

    async def call(self, call: Call, timeout: float, client: str | None = None) -> Any:
        return await self.in_thread(timeout, tasks.run, call)

    async def run(self, job: Job, timeout: float, client: str | None = None) -> Answer:
        frames: list[bytes] = []
        assert self.store is not None
        await self.in_thread(timeout, execute, self.store.ox, job, frames.append)
        answer = _answer_from_frame(frames[0])
        if answer is not None:
            return answer
        head = json.loads(frames[0][1:])
        if frames[-1][:1] != b"Z":
            raise ProtocolError(500, "the query failed while its result was being written")
        body = b"".join(f[1:] for f in frames[1:-1])
        return Answer(head["status"], head["media_type"], head["headers"], body)

    def publish(self) -> None:
        pass

    async def close(self) -> None:
        if self.thread is not None:
            self.thread.shutdown(wait=False)


class _Frames(asyncio.Protocol):
    """The parent's end of one worker's socket: length-prefixed frames (see ``worker``), parsed
    on the event loop as they arrive. Reading pauses while more than ``HIGH`` bytes of frames wait
    unconsumed, so a streamed answer is held back in the worker (flat memory) until the client
    takes it."""

    HIGH = 4 * 65536

    def __init__(self) -> None:
        self.buf = bytearray()
        self.frames: deque[bytes] = deque()
        self.queued = 0
        self.waiter: asyncio.Future[None] | None = None
        self.transport: asyncio.Transport | None = None
        self.paused = False
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        start = 0
        while len(buf) - start >= 4:
            n = int.from_bytes(buf[start : start + 4], "big")
            if len(buf) - start - 4 < n:
                break
            frame = bytes(buf[start + 4 : start + 4 + n])
            self.frames.append(frame)
            self.queued += n
            start += 4 + n
        if start:
            del buf[:start]
        if self.queued > self.HIGH and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()
        self._wake()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._wake()

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def pop(self) -> bytes | None:
        """The next frame, None if none has arrived yet (EOFError once the worker is gone)."""
        if self.frames:
            frame = self.frames.popleft()
            self.queued -= len(frame)
            if self.paused and self.queued <= self.HIGH // 2 and self.transport is not None:
                self.paused = False
                self.transport.resume_reading()
            return frame
        if self.closed:
            raise EOFError
        return None


@dataclass
class _Worker:
    proc: subprocess.Popen[bytes]
    sock: socket.socket
    transport: asyncio.Transport | None = None
    frames: _Frames | None = None

    async def connect(self) -> None:
        loop = asyncio.get_running_loop()
        self.transport, self.frames = await loop.create_unix_connection(_Frames, sock=self.sock)

    def send(self, message: object) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        assert self.transport is not None
        self.transport.write(len(data).to_bytes(4, "big") + data)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
        else:
            self.sock.close()


def _exit_code(w: _Worker) -> int | None:
    """How a worker that closed its socket ended (None if it has not within a few seconds)."""
    try:
        return w.proc.wait(5)
    except subprocess.TimeoutExpired:
        return None


def _expire(ready: asyncio.Future[None]) -> None:
    if not ready.done():
        ready.set_exception(TimeoutError())


def _spawn(network: bool, memory: int = 0) -> _Worker:
    """A worker process (``memory``: its limit in MB, 0: none)."""
    parent, child = socket.socketpair()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    flags = ["--parent", str(os.getpid())] + (["--network"] if network else [])
    flags += ["--memory", str(memory)] if memory else []
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg.endpoint.worker", str(child.fileno()), *flags],
        pass_fds=(child.fileno(),),
        env=env,
        stdin=subprocess.DEVNULL,
    )
    child.close()
    return _Worker(proc, parent)


#: Seconds a query may run on the reserve worker before it is moved to a general one.
SHORT = 1.0
#: Seconds a query waits for a general worker before it may take the reserve.
SHORT_WAIT = 0.05


def _busy(why: str) -> ProtocolError:
    return ProtocolError(503, f"the server is busy: {why}; try again shortly", {"Retry-After": "1"})


class ProcessExecutor:
    """On-disk stores: worker processes, each answering one query at a time.

    Admission: at most ``max_queue`` requests wait for a worker, and one client (address) has at
    most ``max_per_client`` requests in the server; past either, 503 with Retry-After at once.

    Lanes: ``size`` general workers, and one reserve that a query may take after waiting
    ``SHORT_WAIT`` for a general one, for ``SHORT`` seconds: a query still running then is stopped
    there and goes back to wait for a general worker (its deadline unchanged). So a cheap query
    is answered even while every general worker runs a query that will time out.

    A worker that is killed (timeout, a client gone, a crash) is replaced at once by a spare
    process started beforehand; a new spare starts in the background, so the restart is not
    charged to the next request.
    """

    def __init__(
        self,
        store: Store,
        size: int,
        network: bool,
        memory: int = 0,
        max_queue: int = 0,
        max_per_client: int = 0,
    ) -> None:
        assert store.path is not None
        self.store = store
        self.network = network
        self.memory = memory
        self.max_queue = max_queue
        self.max_per_client = max_per_client
        self.size = size or os.cpu_count() or 2
        self.threads = ThreadPoolExecutor(max_workers=2 * self.size + 6, thread_name_prefix="kg-query")
        self.general: asyncio.Queue[_Worker] | None = None
        self.reserve: asyncio.Queue[_Worker] = asyncio.Queue()
        self.spares: asyncio.Queue[_Worker] = asyncio.Queue()
        self.started = asyncio.Lock()
        self.lock = threading.Lock()
        self.refs: Counter[str] = Counter()
        self.snap_dir = store.path.parent / f".{store.path.name}.snapshots"
        self.generation = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self.live: dict[int, _Worker] = {}  #: every worker process started and not yet killed
        self.moved = 0  #: queries moved off the reserve (for tests and diagnostics)
        self.waiting = 0
        self.clients: Counter[str] = Counter()
        self.closing = False
        if store.read_only:
            self.snapshot = str(store.path)
        else:
            if self.snap_dir.is_symlink() or (self.snap_dir.exists() and not self.snap_dir.is_dir()):
                raise StoreError(
                    f"{self.snap_dir}: kg serve keeps query snapshots here, and something else is in the "
                    "way (a file or a link); move it away and start again"
                )
            shutil.rmtree(self.snap_dir, ignore_errors=True)
            self.snap_dir.mkdir(parents=True)
            self.snapshot = ""
            self.publish()

    def publish(self) -> None:
        """Checkpoint the store for new queries (called after each write, under the write lock)."""
        if self.store.read_only:
            return
        with self.lock:
            self.generation += 1
            path = self.snap_dir / str(self.generation)
            self.store.ox.backup(str(path))
            self.refs[self.snapshot] += 0  # the previous one becomes collectable
            self.snapshot = str(path)
        self._collect()

    def _collect(self) -> None:
        """Delete snapshots no query uses any more (cheap when there are none to delete)."""
        with self.lock:
            old = [s for s in self.refs if s and s != self.snapshot]
            for snap in old:
                if self.refs[snap] <= 0:
                    del self.refs[snap]
                    shutil.rmtree(snap, ignore_errors=True)

    def pids(self) -> list[int]:
        """Process ids of the idle workers, general and reserve (for tests and diagnostics)."""
        queues = [q for q in (self.general, self.reserve) if q is not None]
        return [w.proc.pid for q in queues for w in list(q._queue)]  # type: ignore[attr-defined]

    async def _spawn(self) -> _Worker:
        """A worker, started, confined and warm: it has opened the current snapshot already, so
        the first query it takes (perhaps right after a restart) does not wait for that."""
        loop = asyncio.get_running_loop()
        w = await loop.run_in_executor(self.threads, _spawn, self.network, self.memory)
        await self._connect(w)
        w.send((self.snapshot, Job("ASK {}", "json", None)))
        await self._recv(w, loop.time() + 60)
        return w

    async def _ensure_started(self) -> asyncio.Queue[_Worker]:
        async with self.started:
            if self.general is None:
                workers = await asyncio.gather(*(self._spawn() for _ in range(self.size + 2)))
                general: asyncio.Queue[_Worker] = asyncio.Queue()
                for w in workers[: self.size]:
                    general.put_nowait(w)
                self.reserve.put_nowait(workers[-2])
                self.spares.put_nowait(workers[-1])
                self.general = general
            return self.general

    async def start(self) -> None:
        """Start the workers now (SandboxError if they cannot be confined: fail closed)."""
        await self._ensure_started()

    async def _connect(self, w: _Worker) -> None:
        """Connect to a fresh worker and wait for its first frame: ready, or why not."""
        await w.connect()
        self.live[w.proc.pid] = w
        try:
            frame = await self._recv(w, asyncio.get_running_loop().time() + 60)
            _result(frame)
        except (ProtocolError, EOFError, TimeoutError) as exc:
            w.close()
            self._kill(w)
            reason = exc.message if isinstance(exc, ProtocolError) else f"it did not start ({exc!r})"
            raise SandboxError(reason) from None

    def _kill(self, w: _Worker) -> None:
        w.proc.kill()
        w.proc.wait(5)
        self.live.pop(w.proc.pid, None)

    async def _replace(self, w: _Worker, lane: asyncio.Queue[_Worker]) -> None:
        """Put a spare in ``w``'s place at once, kill ``w``, start a new spare."""
        loop = asyncio.get_running_loop()
        w.close()
        spare = None if self.spares.empty() else self.spares.get_nowait()
        if spare is not None:
            lane.put_nowait(spare)
        try:
            await loop.run_in_executor(self.threads, self._kill, w)
            fresh = await self._spawn()
        except (SandboxError, OSError, RuntimeError) as exc:  # (RuntimeError: shutting down)
            if not self.closing:
                log.error("a query worker could not be replaced: %s", exc)
            return
        (self.spares if spare is not None else lane).put_nowait(fresh)

    async def _recv(self, w: _Worker, deadline: float | None) -> bytes:
        """The next frame from ``w``, waiting on the event loop (no thread) until ``deadline``."""
        frames = w.frames
        assert frames is not None
        frame = frames.pop()
        while frame is None:
            loop = asyncio.get_running_loop()
            ready: asyncio.Future[None] = loop.create_future()
            frames.waiter = ready
            timer = None if deadline is None else loop.call_at(deadline, _expire, ready)
            try:
                await ready
            finally:
                frames.waiter = None
                if timer is not None:
                    timer.cancel()
            frame = frames.pop()
        return frame

    # -- admission and lanes -------------------------------------------------------------------

    def _admit(self, client: str | None) -> None:
        if self.max_queue and self.waiting >= self.max_queue:
            raise _busy(
                f"{self.waiting} requests are waiting for a query worker (max_queue={self.max_queue})"
            )
        if client is not None and self.max_per_client and self.clients[client] >= self.max_per_client:
            raise _busy(f"{client} has {self.clients[client]} requests in progress (max_per_client)")
        if client is not None:
            self.clients[client] += 1

    def _leave(self, client: str | None) -> None:
        if client is not None:
            self.clients[client] -= 1
            if self.clients[client] <= 0:
                del self.clients[client]

    async def _acquire(self, deadline: float | None, reserve: bool) -> tuple[_Worker, asyncio.Queue[_Worker]]:
        """An idle worker and its lane: a general one, else (after ``SHORT_WAIT``, if ``reserve``)
        the reserve. TimeoutError when ``deadline`` passes first."""
        general = self.general if self.general is not None else await self._ensure_started()
        if not general.empty():
            return general.get_nowait(), general
        loop = asyncio.get_running_loop()
        left = None if deadline is None else max(0.0, deadline - loop.time())
        self.waiting += 1
        getters: dict[asyncio.Future[_Worker], asyncio.Queue[_Worker]] = {
            asyncio.ensure_future(general.get()): general
        }
        won: asyncio.Future[_Worker] | None = None
        try:
            if reserve:
                await asyncio.wait(getters, timeout=SHORT_WAIT if left is None else min(SHORT_WAIT, left))
                if not any(f.done() for f in getters):
                    getters[asyncio.ensure_future(self.reserve.get())] = self.reserve
            left = None if deadline is None else max(0.0, deadline - loop.time())
            await asyncio.wait(getters, timeout=left, return_when=asyncio.FIRST_COMPLETED)
            won = next((f for f in getters if f.done() and not f.cancelled()), None)
            if won is None:
                raise TimeoutError
            return won.result(), getters[won]
        finally:
            self.waiting -= 1
            for f, lane in getters.items():
                if f is won:
                    continue
                if not f.done():
                    f.cancel()
                elif not f.cancelled():  # it got a worker after all: give it back
                    lane.put_nowait(f.result())

    async def _first_frame(
        self, task: Job | Call, deadline: float | None, died: ProtocolError, reserve: bool
    ) -> tuple[bytes, _Worker, Callable[[bool], None], bool]:
        """Send ``task`` to a worker and wait for its first frame: the frame, the worker,
        ``release(healthy)`` (gives the worker back, or replaces it), and whether it ran on the
        reserve. TimeoutError when ``deadline`` passes first (also while waiting for a worker)."""
        loop = asyncio.get_running_loop()
        w, lane = await self._acquire(deadline, reserve)
        short = lane is self.reserve
        budget = loop.time() + SHORT if short else None
        if deadline is not None:
            budget = deadline if budget is None else min(budget, deadline)
        snap = self.snapshot
        self.refs[snap] += 1
        done = False

        def release(healthy: bool) -> None:
            nonlocal done
            if done:
                return
            done = True
            self.refs[snap] -= 1
            if healthy:
                lane.put_nowait(w)
            else:
                replacing = loop.create_task(self._replace(w, lane))
                self._tasks.add(replacing)
                replacing.add_done_callback(self._tasks.discard)
            self._collect()

        try:
            w.send((snap, task))
            frame = await self._recv(w, budget)
        except TimeoutError:
            release(False)
            raise
        except asyncio.CancelledError:
            release(False)
            raise
        except (EOFError, OSError):
            if self.closing:  # the server is stopping: its workers were killed
                release(False)
                raise died from None
            code = await loop.run_in_executor(self.threads, _exit_code, w)
            release(False)
            if self.memory and code == -signal.SIGABRT:
                raise ProtocolError(
                    503,
                    f"the query needed more than worker_memory={self.memory} MB and was stopped; "
                    "narrow it, or ask the operator to raise worker_memory",
                    {"Retry-After": "1"},
                ) from None
            raise died from None
        return frame, w, release, short

    async def _exchange(
        self, task: Job | Call, timeout: float, died: ProtocolError
    ) -> tuple[bytes, _Worker, Callable[[bool], None], float | None]:
        """``_first_frame``, moving a query off the reserve when it runs past ``SHORT`` there."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout if timeout else None
        reserve = True
        while True:
            try:
                frame, w, release, _ = await self._first_frame(task, deadline, died, reserve)
                return frame, w, release, deadline
            except TimeoutError:
                if not reserve or (deadline is not None and loop.time() >= deadline):
                    raise _timeout_error(timeout) from None
                reserve = False  # it ran past SHORT on the reserve: a general worker, this time
                self.moved += 1

    async def call(self, call: Call, timeout: float, client: str | None = None) -> Any:
        died = ProtocolError(400, "the request body could not be parsed: the parser crashed on it")
        self._admit(client)
        try:
            frame, _, release, _ = await self._exchange(call, timeout, died)
        finally:
            self._leave(client)
        release(True)
        return _result(frame)

    async def run(self, job: Job, timeout: float, client: str | None = None) -> Answer:
        died = ProtocolError(500, "the query worker died while evaluating this query (see the log)")
        self._admit(client)
        try:
            frame, w, release, deadline = await self._exchange(job, timeout, died)
            answer = _answer_from_frame(frame)
        except BaseException:
            self._leave(client)
            if "release" in locals():
                release(True)
            raise
        if answer is not None:
            release(True)
            self._leave(client)
            return answer
        head = json.loads(frame[1:])
        stream = self._stream(w, deadline, release, client)
        return Answer(head["status"], head["media_type"], head["headers"], stream=stream)

    async def _stream(
        self, w: _Worker, deadline: float | None, release: Callable[[bool], None], client: str | None
    ) -> AsyncIterator[bytes]:
        healthy = False
        try:
            while True:
                frame = await self._recv(w, deadline)
                tag = frame[:1]
                if tag == b"D":
                    yield frame[1:]
                elif tag == b"Z":
                    healthy = True
                    return
                else:
                    raise RuntimeError("the query failed while its result was being sent")
        finally:
            release(healthy)
            self._leave(client)

    async def close(self) -> None:
        """Stop every worker, busy ones included (a runaway query must not outlive the server)."""
        self.closing = True
        for task in list(self._tasks):
            task.cancel()
        for queue in (self.general, self.reserve, self.spares):
            while queue is not None and not queue.empty():
                w = queue.get_nowait()
                w.close()
                self._kill(w)
        for w in list(self.live.values()):  # busy ones: killed and reaped
            w.close()
            with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                self._kill(w)
        self.threads.shutdown(wait=False, cancel_futures=True)
        if not self.store.read_only:
            shutil.rmtree(self.snap_dir, ignore_errors=True)


def make_executor(
    store: GraphStore,
    workers: int,
    network: bool,
    memory: int = 0,
    max_queue: int = 0,
    max_per_client: int = 0,
) -> Executor:
    """Where queries run; ``network``: whether the code that runs them may open sockets;
    ``memory``: what each worker process may use, in MB (0: no limit); admission bounds as in
    ``ProcessExecutor``."""
    if not isinstance(store, Store):  # a SPARQL server evaluates the queries (kg.endpoint.remote)
        from kg.endpoint.remote import RemoteExecutor
        from kg.store import RemoteStore

        assert isinstance(store, RemoteStore)
        return RemoteExecutor(store, network)
    if store.path is None:
        return ThreadExecutor(store, network)
    return ProcessExecutor(store, workers, network, memory, max_queue, max_per_client)
