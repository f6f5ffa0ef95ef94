"""Optional Prometheus metrics (``metrics`` setting): request counts and latency per route family.

Written in the Prometheus text format by hand (no client library); a pure ASGI middleware, so
streaming responses are not buffered.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

if TYPE_CHECKING:
    from kg.endpoint.service import Endpoint

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
FAMILIES = ("/sparql", "/update", "/store", "/health", "/metrics", "/void")


def family(path: str) -> str:
    for f in FAMILIES:
        if path == f or path.startswith(f + "/"):
            return f
    return "/other"


class Registry:
    def __init__(self) -> None:
        self.requests: Counter[tuple[str, int]] = Counter()
        self.buckets: Counter[tuple[str, float]] = Counter()
        self.sums: Counter[str] = Counter()
        self.counts: Counter[str] = Counter()

    def observe(self, path: str, status: int, seconds: float) -> None:
        fam = family(path)
        self.requests[(fam, status)] += 1
        self.sums[fam] += seconds  # type: ignore[assignment]
        self.counts[fam] += 1
        for b in BUCKETS:
            if seconds <= b:
                self.buckets[(fam, b)] += 1

    def render(self, generation: int) -> str:
        lines = [
            "# HELP kg_http_requests_total HTTP requests by route family and status.",
            "# TYPE kg_http_requests_total counter",
        ]
        for (fam, status), n in sorted(self.requests.items()):
            lines.append(f'kg_http_requests_total{{route="{fam}",status="{status}"}} {n}')
        lines += [
            "# HELP kg_http_request_seconds Time to the response head, by route family.",
            "# TYPE kg_http_request_seconds histogram",
        ]
        for fam in sorted(self.counts):
            for b in BUCKETS:
                lines.append(
                    f'kg_http_request_seconds_bucket{{route="{fam}",le="{b}"}} {self.buckets[(fam, b)]}'
                )
            lines.append(f'kg_http_request_seconds_bucket{{route="{fam}",le="+Inf"}} {self.counts[fam]}')
            lines.append(f'kg_http_request_seconds_sum{{route="{fam}"}} {self.sums[fam]:.6f}')
            lines.append(f'kg_http_request_seconds_count{{route="{fam}"}} {self.counts[fam]}')
        lines += [
            "# HELP kg_store_generation Writes published to readers since start.",
            "# TYPE kg_store_generation counter",
            f"kg_store_generation {generation}",
        ]
        return "\n".join(lines) + "\n"


class _Middleware:
    def __init__(self, app: Any, registry: Registry) -> None:
        self.app = app
        self.registry = registry

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def wrapped(message: Any) -> None:
            if message["type"] == "http.response.start":
                self.registry.observe(scope["path"], message["status"], time.perf_counter() - started)
            await send(message)

        await self.app(scope, receive, wrapped)


def metrics_middleware(app: Any, registry: Registry) -> Any:
    """``app`` with its requests counted in ``registry`` (for ASGI apps outside FastAPI's stack)."""
    return _Middleware(app, registry)


def install(app: FastAPI, endpoint: Endpoint) -> Registry:
    registry = Registry()
    app.add_middleware(_Middleware, registry=registry)

    @app.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
    async def metrics() -> PlainTextResponse:
        return PlainTextResponse(registry.render(endpoint.generation), media_type="text/plain; version=0.0.4")

    return registry
