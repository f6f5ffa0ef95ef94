"""The FastAPI adapter: HTTP in, ``protocol.Request`` to ``service.Endpoint``, answers out.

Every error leaves through ``error_response``: one JSON shape,
``{"error": {"status": 400, "title": "Bad Request", "message": "..."}}``, with CORS headers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http import HTTPStatus
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.requests import Request as HTTPRequest
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kg.endpoint import describe, headers, metrics, openapi, pages
from kg.endpoint.page_routes import add_page_routes
from kg.endpoint.pool import Answer
from kg.endpoint.protocol import ProtocolError, Request, bearer_matches, check_size, multipart_parts
from kg.endpoint.service import Endpoint
from kg.handoff import BUILD_PATH

STATIC = files("kg.endpoint") / "static"
#: What /docs (Swagger UI) and /redoc load, served from the fastapi-offline package (no CDN).
DOCS_PATH = "/docs/assets/"
DOCS_TITLE = "kg SPARQL endpoint: API"
DOCS_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
    "favicon.png": "image/png",
}
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"]


def _route(router: APIRouter, path: str, documented: list[str], summary: str) -> Callable[[Any], Any]:
    """Register a handler for every method: ``documented`` ones in OpenAPI (one operation each),
    the others hidden (so they reach the handler and answer 405 in the one error shape)."""

    def register(handler: Any) -> Any:
        for method in documented:
            router.add_api_route(
                path,
                handler,
                methods=[method],
                summary=summary,
                operation_id=f"{handler.__name__}_{method.lower()}",
            )
        rest = [m for m in ALL_METHODS if m not in documented]
        router.add_api_route(path, handler, methods=rest, include_in_schema=False)
        return handler

    return register


#: Paths whose errors are always JSON (API clients), whatever the Accept header says.
API_PATHS = ("/sparql", "/update", "/store", "/void", "/health", "/metrics", "/openapi.json", "/_kg")


def page_error_wanted(http: HTTPRequest) -> bool:
    """A browser navigating to a page (not an API path) gets errors as an HTML page."""
    path = http.url.path
    api = any(path == p or path.startswith(p + "/") for p in API_PATHS)
    return not api and http.method in ("GET", "HEAD") and pages.wants_html(http.headers.get("accept"))


def page_error(
    endpoint: Endpoint, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body = pages.error_html(pages.site_of(endpoint), status, title, message)
    return Response(body, status_code=status, media_type=pages.HTML_TYPE, headers=headers)


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body = {"error": {"status": status, "title": title, "message": message}}
    return JSONResponse(body, status_code=status, headers=headers)


async def read_request(http: HTTPRequest, endpoint: Endpoint) -> Request:
    """The protocol view of an HTTP request; the body is read up to ``max_body`` (413 past it)."""
    limit = endpoint.settings.max_body
    declared = http.headers.get("content-length")
    if declared and declared.isdigit():
        check_size(int(declared), endpoint.policy)
    body = bytearray()
    async for chunk in http.stream():
        body += chunk
        if len(body) > limit:
            check_size(len(body), endpoint.policy)
    return Request(
        method=http.method,
        params=list(http.query_params.multi_items()),
        content_type=http.headers.get("content-type"),
        body=bytes(body),
        accept=http.headers.get("accept"),
        authorization=http.headers.get("authorization"),
        url=str(http.url.replace(query="")),
        client=http.client.host if http.client else None,
    )


def to_response(answer: Answer) -> Response:
    """(uvicorn sends no body for HEAD, so HEAD and GET share this.)"""
    headers = dict(answer.headers)
    if answer.stream is not None:
        return StreamingResponse(
            answer.stream, status_code=answer.status, media_type=answer.media_type, headers=headers
        )
    return Response(answer.body, status_code=answer.status, media_type=answer.media_type, headers=headers)


def build_router(endpoint: Endpoint) -> APIRouter:
    router = APIRouter()

    @_route(router, "/sparql", ["GET", "POST"], "SPARQL 1.1 Protocol: query")
    async def sparql(http: HTTPRequest) -> Response:
        """Query by GET (``?query=``), POST form or POST ``application/sparql-query``.
        Without a query, GET answers the service description (RDF by negotiation)."""
        req = await read_request(http, endpoint)
        answer = await endpoint.query(req)
        if answer is None:
            answer = await describe.service_description(endpoint, req, str(http.url.replace(query="")))
        return to_response(answer)

    @_route(router, "/update", ["POST"], "SPARQL 1.1 Update (off by default)")
    async def update(http: HTTPRequest) -> Response:
        """POST form or ``application/sparql-update``; needs allow_update and the bearer token."""
        req = await read_request(http, endpoint)
        await endpoint.update(req)
        return Response(status_code=204)

    async def _store(http: HTTPRequest, direct: str | None) -> Response:
        if http.method not in ("GET", "HEAD", "PUT", "POST", "DELETE"):
            raise ProtocolError(
                405,
                f"method {http.method} is not allowed on /store",
                {"Allow": "GET, HEAD, PUT, POST, DELETE"},
            )
        req = await read_request(http, endpoint)
        if http.method == "POST" and direct is None and not (req.param("graph") or req.param("default")):
            iri = await endpoint.graph_create(req)
            return Response(status_code=201, headers={"Location": iri})
        target = endpoint.target(req, direct)
        if http.method in ("GET", "HEAD"):
            return to_response(await endpoint.graph_get(req, target))
        parts = None
        if http.method == "POST" and (req.content_type or "").startswith("multipart/form-data"):
            parts = multipart_parts(req.content_type or "", req.body)
        status = await endpoint.graph_write(req, target, parts)
        return Response(status_code=status)

    @_route(router, "/store", ["GET", "PUT", "POST", "DELETE"], "Graph Store HTTP Protocol (indirect)")
    async def store(http: HTTPRequest) -> Response:
        """``?graph=IRI`` or ``?default``: GET any graph; PUT / POST / DELETE with the token."""
        return await _store(http, None)

    @_route(
        router, "/store/{rest:path}", ["GET", "PUT", "POST", "DELETE"], "Graph Store HTTP Protocol (direct)"
    )
    async def store_direct(http: HTTPRequest, rest: str) -> Response:
        """The graph named by this very URL."""
        return await _store(http, str(http.url.replace(query="")))

    @router.get("/void", summary="VoID statistics")
    async def void(http: HTTPRequest) -> Response:
        req = await read_request(http, endpoint)
        return to_response(await describe.void_answer(endpoint, req, str(http.base_url)))

    @router.post(BUILD_PATH, include_in_schema=False)
    async def build(http: HTTPRequest) -> Response:
        """``kg build`` beside this server (see ``kg.handoff``): the secret of the handoff file."""
        secret = endpoint.build_secret
        if secret is None:
            raise ProtocolError(404, "this server takes no builds (it does not own an on-disk store)")
        if not bearer_matches(http.headers.get("authorization"), secret):
            raise ProtocolError(403, "builds need the secret of the server's handoff file beside the store")
        try:
            body = json.loads(await http.body())
            files = [Path(f) for f in body["files"] if isinstance(f, str)]
            cwd = Path(body["cwd"])
            force, link = bool(body.get("force", False)), bool(body.get("link", True))
            strict = bool(body.get("strict", False))
        except (ValueError, KeyError, TypeError):
            raise ProtocolError(
                400,
                'the body must be JSON: {"files": [paths], "cwd": path, "force": bool, "link": bool, '
                '"strict": bool}',
            ) from None
        if not cwd.is_absolute():
            raise ProtocolError(400, f"cwd must be an absolute path, not {str(cwd)!r}")
        answer = endpoint.build(files, cwd, force, link, strict)
        return StreamingResponse(answer, media_type="application/x-ndjson")

    @router.get("/health", summary="Liveness and store size")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "generation": endpoint.generation}

    @router.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        target = STATIC / name
        if "/" in name or name.startswith(".") or not target.is_file():
            raise ProtocolError(404, f"no static file {name!r}")
        kind = {"js": "text/javascript", "css": "text/css", "html": "text/html"}.get(name.rsplit(".", 1)[-1])
        return Response(target.read_bytes(), media_type=kind or "application/octet-stream")

    @router.get("/docs", include_in_schema=False)
    async def docs() -> Response:
        """The OpenAPI documentation (Swagger UI), working offline."""
        page = get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=DOCS_TITLE,
            swagger_js_url=DOCS_PATH + "swagger-ui-bundle.js",
            swagger_css_url=DOCS_PATH + "swagger-ui.css",
            swagger_favicon_url=DOCS_PATH + "favicon.png",
        )
        script = headers.inline_script_hashes(bytes(page.body).decode())
        page.headers["content-security-policy"] = headers.policy(
            script_src=script, style_src="'unsafe-inline'"
        )
        return page

    @router.get("/redoc", include_in_schema=False)
    async def redoc() -> Response:
        """The same documentation in ReDoc, working offline."""
        page = get_redoc_html(
            openapi_url="/openapi.json",
            title=DOCS_TITLE,
            redoc_js_url=DOCS_PATH + "redoc.standalone.js",
            redoc_favicon_url=DOCS_PATH + "favicon.png",
            with_google_fonts=False,
        )
        # ReDoc styles itself with <style> elements and searches in a blob: worker
        page.headers["content-security-policy"] = headers.policy(
            style_src="'unsafe-inline'", worker_src="'self' blob:"
        )
        return page

    @router.get(DOCS_PATH + "{name}", include_in_schema=False)
    async def docs_asset(name: str) -> Response:
        import fastapi_offline

        if name not in DOCS_ASSETS:
            raise ProtocolError(404, f"no documentation asset {name!r}")
        folder = Path(fastapi_offline.__file__).parent / "static"
        return FileResponse(folder / name, media_type=DOCS_ASSETS[name])

    add_page_routes(router, endpoint)  # the query page, search, ontology, entity and document pages
    return router


def install(app: FastAPI, endpoint: Endpoint) -> metrics.Registry | None:
    """Routes and error handlers; the metrics registry when metrics are on."""

    @app.exception_handler(ProtocolError)
    async def protocol_error(http: HTTPRequest, exc: ProtocolError) -> Response:
        if page_error_wanted(http):
            return page_error(endpoint, exc.status, exc.message, exc.headers)
        return error_response(exc.status, exc.message, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def no_route(http: HTTPRequest, exc: StarletteHTTPException) -> Response:
        """Paths and methods no route takes (404, 405): the same shapes as every other error."""
        if exc.status_code == 404:
            message = f"no page or operation at {http.url.path} (see /docs for the API)"
        elif exc.status_code == 405:
            allowed = (exc.headers or {}).get("Allow", "see /docs")
            message = f"method {http.method} is not allowed at {http.url.path} (allowed: {allowed})"
        else:
            message = str(exc.detail)
        if page_error_wanted(http):
            return page_error(endpoint, exc.status_code, message, dict(exc.headers or {}))
        return error_response(exc.status_code, message, dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: HTTPRequest, exc: RequestValidationError) -> Response:
        where = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return error_response(400, f"the request is malformed: {where}")

    @app.exception_handler(Exception)
    async def bug(_: HTTPRequest, exc: Exception) -> Response:
        """A bug: same error shape (and CORS, this runs outside the CORS middleware); traceback logged."""
        message = f"internal error ({type(exc).__name__}); the server log has the details"
        return error_response(500, message, {"Access-Control-Allow-Origin": "*"})

    registry = metrics.install(app, endpoint) if endpoint.settings.metrics else None
    app.include_router(build_router(endpoint))
    openapi.install(app, pages.base_path(endpoint.settings.base) + "{rest}")
    return registry
