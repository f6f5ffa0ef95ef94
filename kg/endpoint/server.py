"""The HTTP server around the app: uvicorn, with the request head bounded (``max_header``).

uvicorn's default parser (httptools) keeps reading a request line and headers for as long as a
client sends them (50 MB went in), so the protocol here counts the bytes of each request's head
and answers ``431 Request Header Fields Too Large`` (in the endpoint's JSON error shape) once it
passes ``max_header``, then closes the connection.
"""

from __future__ import annotations

import json
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class BoundedHead(HttpToolsProtocol):
    """httptools' protocol, refusing request heads longer than ``limit`` bytes."""

    limit = 65_536

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.in_head = True
        self.head_bytes = 0

    def data_received(self, data: bytes) -> None:
        if not self.in_head:
            super().data_received(data)
            return
        self.head_bytes += len(data)
        super().data_received(data)
        # the chunk may also hold a body: only a head still unfinished past the limit is refused
        if self.in_head and self.head_bytes > self.limit and not self.transport.is_closing():
            self.refuse_head()

    def on_headers_complete(self) -> None:
        self.in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.in_head = True
        self.head_bytes = 0

    def refuse_head(self) -> None:
        message = (
            f"the request line and headers are longer than {self.limit} bytes (max_header); "
            "send long queries in a POST body"
        )
        body = json.dumps(
            {"error": {"status": 431, "title": "Request Header Fields Too Large", "message": message}}
        )
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: application/json\r\naccess-control-allow-origin: *\r\nconnection: close\r\n"
            + f"content-length: {len(body)}\r\n\r\n{body}".encode()
        )
        self.transport.close()


def config(app: Any, host: str, port: int, max_header: int, **kwargs: Any) -> uvicorn.Config:
    """uvicorn's configuration for ``app`` with the head bound (``kg serve`` and the tests)."""
    protocol = type("BoundedHead", (BoundedHead,), {"limit": max_header})
    return uvicorn.Config(app, host=host, port=port, http=protocol, **kwargs)
