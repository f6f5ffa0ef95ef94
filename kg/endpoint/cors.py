"""CORS on every response (errors included) and preflight answers, and the security headers of
``headers``; a pure ASGI middleware."""

from __future__ import annotations

from typing import Any

from kg.endpoint.headers import secure

ALLOW_METHODS = b"GET, HEAD, POST, PUT, DELETE, OPTIONS"
EXPOSE = b"KG-Row-Limit, KG-Truncated, Warning, Location, Retry-After, Content-Type"


class CORS:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if scope["method"] == "OPTIONS" and b"access-control-request-method" in headers:
            requested = headers.get(b"access-control-request-headers", b"")
            await send(
                {
                    "type": "http.response.start",
                    "status": 204,
                    "headers": [
                        (b"access-control-allow-origin", b"*"),
                        (b"access-control-allow-methods", ALLOW_METHODS),
                        (b"access-control-allow-headers", requested or b"*"),
                        (b"access-control-max-age", b"600"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return

        async def wrapped(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = secure(
                    [
                        *message.get("headers", []),
                        (b"access-control-allow-origin", b"*"),
                        (b"access-control-expose-headers", EXPOSE),
                    ]
                )
            await send(message)

        await self.app(scope, receive, wrapped)
