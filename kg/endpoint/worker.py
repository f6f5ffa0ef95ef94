"""A query worker process: ``python -m kg.endpoint.worker FD [--parent PID] [--network] [--memory MB]``.

Reads (snapshot path, task) messages from the socket on file descriptor FD and writes framed
answers back: a ``Job`` (a query) answers with ``execute``'s frames, a ``tasks.Call`` with
``b"R"`` + its pickled result or an ``E`` frame. Every message, both ways, is a 4-byte big-endian
length and that many bytes (requests are pickled). Started by ``pool.ProcessExecutor`` as a plain
subprocess, so it never re-imports the parent's ``__main__`` (multiprocessing's spawn/forkserver
would).

Before it reads anything it takes the network away from itself (``sandbox.confine``) unless
started with ``--network`` (``allow_service``), and says so in its first frame: ``b"R"`` + pickled
None when it is ready, an ``E`` frame (then it exits) when it could not be confined.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import resource
import signal
import socket
import sys
import threading

import pyoxigraph as ox

from kg.endpoint import tasks
from kg.endpoint.execute import Job, error_frame, execute
from kg.endpoint.protocol import ProtocolError
from kg.endpoint.sandbox import confine
from kg.errors import SandboxError


class _Reader:
    """Length-prefixed messages from a blocking socket, usually one ``recv`` each."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = bytearray()

    def _fill(self, n: int) -> None:
        while len(self.buf) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buf)))
            if not chunk:
                raise EOFError
            self.buf += chunk

    def message(self) -> bytes:
        self._fill(4)
        size = int.from_bytes(self.buf[:4], "big")
        self._fill(4 + size)
        data = bytes(self.buf[4 : 4 + size])
        del self.buf[: 4 + size]
        return data


def serve(sock: socket.socket, network: bool) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    store: ox.Store | None = None
    current: str | None = None
    reader = _Reader(sock)

    def send(frame: bytes) -> None:
        header = len(frame).to_bytes(4, "big")
        sent = sock.sendmsg([header, frame])
        if sent < 4 + len(frame):  # a signal cut the write short: send the rest
            sock.sendall(memoryview(header + frame)[sent:])

    try:
        if not network:
            confine(whole_process=True)
    except SandboxError as exc:
        send(error_frame(500, str(exc)))
        return
    send(b"R" + pickle.dumps(None))
    # the SPARQL parser that checks SERVICE/LOAD (rdflib, ~1 s to import): loaded while idle,
    # so that the first query that needs it is not charged for it
    threading.Thread(target=_preload, daemon=True).start()
    while True:
        try:
            snapshot, task = pickle.loads(reader.message())
        except (EOFError, OSError):
            return
        if isinstance(task, tasks.Call):
            try:
                send(b"R" + pickle.dumps(tasks.run(task), protocol=pickle.HIGHEST_PROTOCOL))
            except ProtocolError as exc:
                send(error_frame(exc.status, exc.message))
            except Exception as exc:  # noqa: BLE001 (a bug: say so in the answer; the worker lives on)
                send(error_frame(500, f"internal error in a query worker ({type(exc).__name__}: {exc})"))
            continue
        if snapshot != current:
            store = None
            store = ox.Store.read_only(snapshot)
            current = snapshot
        assert store is not None and isinstance(task, Job)
        execute(store, task, send)


def _preload() -> None:
    import rdflib.plugins.sparql.parser  # noqa: F401


def _limit_memory(megabytes: int) -> None:
    """Cap the heap (RLIMIT_DATA): past it an allocation fails and the worker aborts, which the
    server reports as a query that needed more than ``worker_memory``."""
    size = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (size, size))


def _die_with(parent: int) -> None:
    """Be killed when the server process ends, however it ends (a runaway query must not outlive
    it): PR_SET_PDEATHSIG, then a check that the server had not already gone."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(0)


if __name__ == "__main__":
    flags = sys.argv[2:]
    if "--parent" in flags:
        _die_with(int(flags[flags.index("--parent") + 1]))
    if "--memory" in flags:
        _limit_memory(int(flags[flags.index("--memory") + 1]))
    serve(socket.socket(fileno=int(sys.argv[1])), "--network" in flags)
