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


def serve(sock: socket.socket) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    store: ox.Store | None = None
    current: str | None = None
    reader = _Reader(sock)

    def send(frame: bytes) -> None:
        header = len(frame).to_bytes(4, "big")
        sent = sock.sendmsg([header, frame])
        if sent < 4 + len(frame):  # a signal cut the write short: send the rest
            sock.sendall(memoryview(header + frame)[sent:])

    while True:
        try:
            snapshot, job = pickle.loads(reader.message())
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
