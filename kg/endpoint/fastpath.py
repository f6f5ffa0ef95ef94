"""The hot path: SPARQL queries on ``/sparql`` as a plain ASGI handler.

A query is most of what an endpoint answers, and FastAPI's routing, dependency solving and
middleware stack cost more per request than the IPC to the query worker. ``App`` (the FastAPI app
``create_app`` returns) hands ``GET``/``HEAD``/``POST /sparql`` requests that carry a query straight
to ``QueryHandler``; everything else (the service description, other methods, preflights, every
other route) goes through FastAPI as before. Both paths call the same ``Endpoint.query`` and answer
in the same shapes: same statuses, headers, CORS and JSON errors (``routes.error_response``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI
from starlette.datastructures import URL
from starlette.responses import StreamingResponse

from kg.endpoint.cors import EXPOSE
from kg.endpoint.pool import Answer
from kg.endpoint.protocol import ProtocolError, Request, check_size
from kg.endpoint.service import Endpoint

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGI = Callable[[Scope, Receive, Send], Awaitable[None]]

CORS_HEADERS = [(b"access-control-allow-origin", b"*"), (b"access-control-expose-headers", EXPOSE)]
QUERY_METHODS = ("GET", "HEAD", "POST")
log = logging.getLogger("uvicorn.error")


class App(FastAPI):
    """FastAPI, with ``/sparql`` queries answered by ``fast`` when it is set."""

    fast: ASGI | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.fast is not None
            and scope["type"] == "http"
            and scope["path"] == "/sparql"
            and not scope.get("root_path")
            and scope["method"] in QUERY_METHODS
        ):
            await self.fast(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def _media_type(media: str) -> bytes:
    """Starlette's rule, so both paths label answers alike: text/* gets a UTF-8 charset."""
    if media.startswith("text/") and "charset=" not in media.lower():
        media += "; charset=utf-8"
    return media.encode("latin-1")


async def _unless_gone(query: Awaitable[Answer | None], receive: Receive) -> Answer | None:
    """``query``'s answer, or None when the client disconnects first (the query is cancelled:
    its worker is killed and replaced, see ``pool``)."""
    work = asyncio.ensure_future(query)
    gone = asyncio.ensure_future(_disconnected(receive))
    try:
        await asyncio.wait({work, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
    if work.done():
        answer = work.result()
        assert answer is not None  # GET without a query went to the fallback; POST raises
        return answer
    work.cancel()
    with contextlib.suppress(asyncio.CancelledError, ProtocolError):
        await work
    return None


async def _disconnected(receive: Receive) -> None:
    """Returns when the client has gone (the body was read before: nothing else can come)."""
    while (await receive())["type"] != "http.disconnect":
        pass


class QueryHandler:
    """``/sparql`` queries; requests without one (service description) go to ``fallback``."""

    def __init__(self, endpoint: Endpoint, fallback: ASGI) -> None:
        self.endpoint = endpoint
        self.fallback = fallback
        self.urls: dict[tuple[Any, ...], str] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        params = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        if method != "POST" and not any(k == "query" for k, _ in params):
            await self.fallback(scope, receive, send)
            return
        started = False

        async def cors_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), *CORS_HEADERS]
            await send(message)

        try:
            req = await self._request(scope, receive, method, params)
            if req is None:
                return  # the client went away while sending the body
            answer = await _unless_gone(self.endpoint.query(req), receive)
            if answer is None:
                return  # the client went away: the query was cancelled and its worker freed
            await self._answer(answer, scope, receive, cors_send)
        except ProtocolError as exc:
            from kg.endpoint.routes import error_response

            await error_response(exc.status, exc.message, exc.headers)(scope, receive, cors_send)
        except Exception as exc:
            from kg.endpoint.routes import error_response

            log.exception("Exception in the /sparql query handler")
            if not started:
                message = f"internal error ({type(exc).__name__}); the server log has the details"
                await error_response(500, message)(scope, receive, cors_send)

    async def _request(
        self, scope: Scope, receive: Receive, method: str, params: list[tuple[str, str]]
    ) -> Request | None:
        """The protocol view of the request (as ``routes.read_request``); None on disconnect."""
        content_type = accept = authorization = None
        declared = None
        for key, value in scope["headers"]:
            if key == b"content-type" and content_type is None:
                content_type = value.decode("latin-1")
            elif key == b"accept" and accept is None:
                accept = value.decode("latin-1")
            elif key == b"authorization" and authorization is None:
                authorization = value.decode("latin-1")
            elif key == b"content-length" and declared is None:
                declared = value.decode("latin-1")
        policy = self.endpoint.policy
        if declared and declared.isdigit():
            check_size(int(declared), policy)
        body = b""
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            more = message.get("more_body", False)
            if chunk:
                body = body + chunk if body else chunk
                if len(body) > policy.max_body:
                    check_size(len(body), policy)
        client = scope.get("client")
        return Request(
            method,
            params,
            content_type,
            body,
            accept,
            authorization,
            self._url(scope),
            client[0] if client else None,
        )

    def _url(self, scope: Scope) -> str:
        """The request URL without its query (the base IRI of the query), as Starlette builds it."""
        host = next((v for k, v in scope["headers"] if k == b"host"), None)
        key = (scope.get("scheme"), host, scope.get("server"), scope["path"])
        url = self.urls.get(key)
        if url is None:
            url = str(URL(scope={**scope, "query_string": b""}))
            if len(self.urls) > 1024:
                self.urls.clear()
            self.urls[key] = url
        return url

    async def _answer(self, answer: Answer, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers.items()]
        if answer.stream is not None:
            response = StreamingResponse(
                answer.stream, status_code=answer.status, media_type=answer.media_type, headers=answer.headers
            )
            await response(scope, receive, send)
            return
        headers.append((b"content-length", str(len(answer.body)).encode("latin-1")))
        headers.append((b"content-type", _media_type(answer.media_type)))
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body})
