"""The SPARQL 1.1 Protocol, pure: an HTTP request (method, parameters, headers, body) -> an operation
or a ``ProtocolError`` carrying the status the protocol means. No I/O, no web framework.

Statuses (stable, documented in the README):

    400  malformed request: syntax error (with position), two queries, non-UTF-8, conflicting dataset
    401  a write without the right bearer token
    403  updates/writes turned off, SERVICE/LOAD turned off or outside the allow-list
    405  wrong method (GET /update, PUT /sparql, ...)
    406  no acceptable result format
    404  no such graph, entity or route
    413  body larger than ``max_body``
    415  unsupported request media type
    431  request line and headers longer than ``max_header`` (``server``)
    503  the query ran past ``query_timeout`` or ``worker_memory`` (it was stopped), or the server
         is busy (``max_queue``, ``max_per_client``); always with Retry-After
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

if TYPE_CHECKING:
    from kg.endpoint.classify import Origin


class ProtocolError(Exception):
    """An HTTP error the endpoint answers with: a status and one short, clear message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass(frozen=True)
class Request:
    """What protocol functions need from an HTTP request."""

    method: str
    params: Sequence[tuple[str, str]]
    content_type: str | None = None
    body: bytes = b""
    accept: str | None = None
    authorization: str | None = None
    url: str | None = None
    client: str | None = None  #: the caller's address (admission counts requests per client)

    def param(self, name: str) -> list[str]:
        return [v for k, v in self.params if k == name]

    def first(self, name: str) -> str | None:
        return next((v for k, v in self.params if k == name), None)


@dataclass(frozen=True)
class Operation:
    """A query or an update, with its protocol-given dataset."""

    text: str
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    is_update: bool = False


@dataclass(frozen=True)
class Policy:
    """The endpoint settings protocol decisions depend on."""

    max_body: int = 1_000_000
    allow_update: bool = False
    token: str | None = None
    allow_service: bool = False
    service_allowlist: tuple[Origin, ...] = ()
    max_depth: int = 0


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _charset(content_type: str | None) -> str:
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return "utf-8"


def _decode(body: bytes, content_type: str | None) -> str:
    charset = _charset(content_type)
    if charset not in ("utf-8", "utf8"):
        raise ProtocolError(415, f"charset {charset!r} is not supported; send the body as UTF-8")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, f"the request body is not valid UTF-8 (byte {exc.start})") from None


def _form(body: bytes) -> list[tuple[str, str]]:
    try:
        text = body.decode("ascii")
        return parse_qsl(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, f"the form body is not valid UTF-8 (byte {exc.start})") from None


def _one(values: list[str], name: str) -> str:
    if len(values) > 1:
        raise ProtocolError(400, f"the request carries {len(values)} '{name}' parameters; send exactly one")
    return values[0]


def check_size(length: int, policy: Policy) -> None:
    if length > policy.max_body:
        raise ProtocolError(
            413, f"the request body has {length} bytes; the limit is {policy.max_body} (max_body)"
        )


def parse_operation(req: Request, policy: Policy, update: bool) -> Operation | None:
    """The query (``update=False``) or update a request carries; None when it carries none
    (a GET on /sparql without ``query`` asks for the service description)."""
    name = "update" if update else "query"
    direct = "application/sparql-update" if update else "application/sparql-query"
    check_size(len(req.body), policy)
    params = list(req.params)
    if req.method in ("GET", "HEAD"):
        if update:
            raise ProtocolError(405, "updates must be sent by POST", {"Allow": "POST"})
        text_values = req.param(name)
        if not text_values:
            return None
    elif req.method == "POST":
        mt = media_type(req.content_type)
        if mt == "application/x-www-form-urlencoded":
            form = _form(req.body)
            params += form
            text_values = [v for k, v in form if k == name]
            if req.param(name):
                text_values += req.param(name)
            if not text_values:
                raise ProtocolError(400, f"the form has no '{name}' parameter")
        elif mt == direct:
            if req.param(name):
                raise ProtocolError(400, f"a '{name}' parameter and a {direct} body: send only one")
            text_values = [_decode(req.body, req.content_type)]
        elif not mt:
            raise ProtocolError(
                415, f"POST needs a Content-Type: application/x-www-form-urlencoded or {direct}"
            )
        else:
            raise ProtocolError(
                415, f"media type {mt!r} is not accepted; use application/x-www-form-urlencoded or {direct}"
            )
    else:
        allow = "POST" if update else "GET, POST"
        raise ProtocolError(
            405, f"method {req.method} is not allowed here (allowed: {allow})", {"Allow": allow}
        )
    text = _one(text_values, name)
    dg_name, ng_name = (
        ("using-graph-uri", "using-named-graph-uri")
        if update
        else (
            "default-graph-uri",
            "named-graph-uri",
        )
    )
    default_graphs = [v for k, v in params if k == dg_name]
    named_graphs = [v for k, v in params if k == ng_name]
    return Operation(text, default_graphs, named_graphs, update)


def bearer_matches(authorization: str | None, secret: str) -> bool:
    """Whether an Authorization header is ``Bearer <secret>``."""
    scheme, _, given = (authorization or "").partition(" ")
    # compare_digest: the time taken does not tell a caller how much of the secret was right
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), secret.encode())


def check_write(req: Request, policy: Policy) -> None:
    """Writes need allow_update on and the bearer token."""
    if not policy.allow_update:
        raise ProtocolError(
            403,
            "writes are turned off on this endpoint (turn them on with allow_update / KG_ALLOW_UPDATE "
            "and set a token)",
        )
    if not policy.token:
        raise ProtocolError(403, "writes need a token to be configured (token / KG_TOKEN)")
    if not bearer_matches(req.authorization, policy.token):
        raise ProtocolError(
            401,
            "this write needs 'Authorization: Bearer <token>' with the endpoint's token",
            {"WWW-Authenticate": 'Bearer realm="kg"'},
        )


def multipart_parts(content_type: str, body: bytes) -> list[tuple[str | None, bytes]]:
    """The (media type, bytes) of each part of a multipart/form-data body (GSP POST of files)."""
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise ProtocolError(400, "the multipart/form-data body has no parts (is the boundary right?)")
    out: list[tuple[str | None, bytes]] = []
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            out.append((part.get_content_type(), payload))
    return out
