"""A query worker process: ``python -m kg.endpoint.worker FD``.

Reads (snapshot path, Job) pairs from the connection on file descriptor FD and writes framed
answers back (see ``execute``). Started by ``pool.ProcessExecutor`` as a plain subprocess, so it
never re-imports the parent's ``__main__`` (multiprocessing's spawn/forkserver would).
"""

from __future__ import annotations

import signal
import sys
from multiprocessing.connection import Connection

import pyoxigraph as ox

from kg.endpoint.execute import execute


def serve(conn: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    store: ox.Store | None = None
    current: str | None = None
    while True:
        try:
            snapshot, job = conn.recv()
        except (EOFError, OSError):
            return
        if snapshot != current:
            store = None
            store = ox.Store.read_only(snapshot)
            current = snapshot
        assert store is not None
        execute(store, job, conn.send_bytes)


if __name__ == "__main__":
    serve(Connection(int(sys.argv[1])))
