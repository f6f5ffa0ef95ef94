"""A query worker process: ``python -m kg.endpoint.worker FD``.

Reads (snapshot path, Job) messages from the socket on file descriptor FD and writes framed
answers back (see ``execute``). Every message, both ways, is a 4-byte big-endian length and that
many bytes (requests are pickled; answers are ``execute``'s frames). Started by
``pool.ProcessExecutor`` as a plain subprocess, so it never re-imports the parent's ``__main__``
(multiprocessing's spawn/forkserver would).
"""

from __future__ import annotations

import pickle
import signal
import socket
import sys

import pyoxigraph as ox

from kg.endpoint.execute import execute


def _read_exactly(sock: socket.socket, n: int) -> bytes:
    data = bytearray(n)
    view = memoryview(data)
    got = 0
    while got < n:
        k = sock.recv_into(view[got:])
        if k == 0:
            raise EOFError
        got += k
    return bytes(data)


def serve(sock: socket.socket) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    store: ox.Store | None = None
    current: str | None = None

    def send(frame: bytes) -> None:
        sock.sendall(len(frame).to_bytes(4, "big") + frame)

    while True:
        try:
            size = int.from_bytes(_read_exactly(sock, 4), "big")
            snapshot, job = pickle.loads(_read_exactly(sock, size))
        except (EOFError, OSError):
            return
        if snapshot != current:
            store = None
            store = ox.Store.read_only(snapshot)
            current = snapshot
        assert store is not None
        execute(store, job, send)


if __name__ == "__main__":
    serve(socket.socket(fileno=int(sys.argv[1])))
