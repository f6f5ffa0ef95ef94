"""A real HTTP server on loopback playing the reconciliation service and a SPARQL endpoint.

Answers come from ``data/`` (hand-written; see data/README.md). ``fail`` makes a route misbehave:
``"500"``, ``"429"`` (always, with Retry-After: 7), ``"429-once"``, ``"malformed"`` (not JSON),
``"slow"`` (answers after 1.5 s). Every request is logged (path, headers, body) for assertions.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pyoxigraph as ox

DATA = Path(__file__).parent / "data"


class Services:
    def __init__(self) -> None:
        self.answers: dict[str, list[dict[str, Any]]] = json.loads(
            (DATA / "reconcile.json").read_text("utf-8")
        )
        self.wikidata = ox.Store()
        self.wikidata.load(path=str(DATA / "wikidata.ttl"), format=ox.RdfFormat.TURTLE)
        self.fail: dict[str, str | None] = {"reconcile": None, "sparql": None}
        self.log: list[dict[str, Any]] = []
        services = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                parsed = urllib.parse.urlsplit(self.path)
                services.handle(self, parsed.path, urllib.parse.parse_qs(parsed.query), b"")

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                ctype = self.headers.get("Content-Type", "")
                if ctype.startswith("application/x-www-form-urlencoded"):
                    form = urllib.parse.parse_qs(body.decode("utf-8"))
                elif ctype.startswith("application/sparql-query"):
                    form = {"query": [body.decode("utf-8")]}
                else:
                    form = {}
                services.handle(self, urllib.parse.urlsplit(self.path).path, form, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def reconcile_url(self) -> str:
        return f"{self.base}/reconcile"

    @property
    def sparql_url(self) -> str:
        return f"{self.base}/sparql"

    def requests(self, route: str) -> list[dict[str, Any]]:
        return [r for r in self.log if r["route"] == route]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- answering -----------------------------------------------------------------------------

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str, **headers: str) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            h.send_header(k.replace("_", "-"), v)
        h.end_headers()
        h.wfile.write(body)

    def handle(self, h: BaseHTTPRequestHandler, path: str, form: dict[str, list[str]], raw: bytes) -> None:
        route = path.strip("/")
        self.log.append(
            {"route": route, "headers": {k.lower(): v for k, v in h.headers.items()}, "form": form}
        )
        fail = self.fail.get(route)
        if fail == "slow":
            time.sleep(1.5)
        elif fail == "500":
            return self._send(h, 500, b"internal error", "text/plain")
        elif fail in ("429", "429-once"):
            if fail == "429-once":
                self.fail[route] = None
            return self._send(h, 429, b"slow down", "text/plain", Retry_After="7")
        elif fail == "malformed":
            return self._send(h, 200, b"<html>not json", "application/json")
        if route == "reconcile":
            return self._reconcile(h, form)
        if route == "sparql":
            return self._sparql(h, form)
        return self._send(h, 404, b"not found", "text/plain")

    def _reconcile(self, h: BaseHTTPRequestHandler, form: dict[str, list[str]]) -> None:
        if "queries" not in form:  # the service manifest
            manifest = {"versions": ["0.2"], "name": "kg test reconciliation", "identifierSpace": "x"}
            return self._send(h, 200, json.dumps(manifest).encode(), "application/json")
        queries = json.loads(form["queries"][0])
        out = {key: {"result": self.answers.get(q["query"], [])} for key, q in queries.items()}
        return self._send(h, 200, json.dumps(out).encode("utf-8"), "application/json")

    def _sparql(self, h: BaseHTTPRequestHandler, form: dict[str, list[str]]) -> None:
        try:
            result = self.wikidata.query(form["query"][0])
        except (KeyError, SyntaxError) as exc:
            return self._send(h, 400, str(exc).encode(), "text/plain")
        body = result.serialize(format=ox.QueryResultsFormat.JSON)  # type: ignore[union-attr]
        return self._send(h, 200, body, "application/sparql-results+json")
