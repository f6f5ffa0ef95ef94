"""Routes of the pages people read (``routes`` adds them to the API's router):

GET /                     the query page (YASGUI)
GET /static/yasgui/NAME   the vendored YASGUI build
GET /prefixes.json        the store's prefixes (query-page completion)
GET /search?q=            labels, HTML or JSON (``?format=json`` or Accept)
GET /ontology             the ontology (HTML, Turtle, JSON-LD, ...)
GET <base path>...        entity and document pages; Turtle, JSON-LD, ... by negotiation;
                          an IRI that matches a stored one up to accents redirects there
"""

from __future__ import annotations

import asyncio
import re
from importlib.resources import files
from typing import Any

from fastapi import APIRouter
from fastapi.requests import Request as HTTPRequest
from fastapi.responses import JSONResponse, RedirectResponse, Response

from kg.endpoint import lookup, ontology_page, pages
from kg.endpoint.negotiation import HTML, RDF_FORMATS, pick
from kg.endpoint.protocol import ProtocolError
from kg.endpoint.service import Endpoint
from kg.namespaces import KG, ONTOLOGY_GRAPH

YASGUI = files("kg.endpoint") / "static" / "yasgui"
YASGUI_FILES = {
    "yasgui.min.js": "text/javascript",
    "yasgui.min.css": "text/css",
    "LICENSE": "text/plain",
    "THIRD-PARTY-LICENSES.txt": "text/plain",
    "VERSION": "text/plain",
}
#: The example queries, shown as tabs on the query page (the first is the README's first query).
EXAMPLES = files("kg.endpoint") / "examples"


def examples() -> list[dict[str, str]]:
    """The example queries (``examples/NN-name.rq``, the first line a ``# title``), in name order."""
    out = []
    for item in sorted(EXAMPLES.iterdir(), key=lambda f: f.name):
        if item.name.endswith(".rq"):
            title, _, query = item.read_text(encoding="utf-8").partition("\n")
            out.append({"name": title.removeprefix("#").strip(), "query": query.strip()})
    return out


def with_prefixes(query: str, prefixes: dict[str, str]) -> str:
    """``query`` with PREFIX lines for the prefixes it uses: the endpoint knows them anyway, but the
    query editor checks prefixes as it highlights, and shows IRIs in results with them."""
    used = [p for p in sorted(prefixes) if re.search(rf"(?<![\w:<]){re.escape(p)}:", query)]
    return "".join(f"PREFIX {p}: <{prefixes[p]}>\n" for p in used) + query


def _html(text: str, status: int = 200) -> Response:
    return Response(text, status_code=status, media_type=pages.HTML_TYPE)


def query_page_config(endpoint: Endpoint) -> dict[str, Any]:
    _, terms = ontology_page.terms()
    return {
        "endpoint": "/sparql",
        "prefixesUrl": "/prefixes.json",
        "prefixes": endpoint.prefixes,
        "base": endpoint.settings.base,
        "basePath": pages.base_path(endpoint.settings.base),
        "ontology": ONTOLOGY_GRAPH,
        "classes": sorted(t.iri for t in terms if t.kind == "class"),
        "properties": sorted(t.iri for t in terms if t.kind != "class"),
        "examples": [{**x, "query": with_prefixes(x["query"], endpoint.prefixes)} for x in examples()],
        "examplesVersion": 1,
    }


def add_page_routes(router: APIRouter, endpoint: Endpoint) -> None:
    site = pages.site_of(endpoint)

    @router.get("/", include_in_schema=False)
    async def index() -> Response:
        config = query_page_config(endpoint)
        return _html(site.render("query.html", config=config, prefixes=sorted(endpoint.prefixes)))

    @router.get("/static/yasgui/{name}", include_in_schema=False)
    async def yasgui(name: str) -> Response:
        if name not in YASGUI_FILES:
            raise ProtocolError(404, f"no file {name!r} in the YASGUI build")
        headers = {"Cache-Control": "public, max-age=86400"}
        return Response((YASGUI / name).read_bytes(), media_type=YASGUI_FILES[name], headers=headers)

    @router.get("/prefixes.json", include_in_schema=False)
    async def prefixes() -> dict[str, str]:
        return dict(sorted(endpoint.prefixes.items()))

    @router.get("/search", summary="Find entities by label (accents and case ignored)")
    async def search(http: HTTPRequest, q: str = "", limit: int = 20) -> Response:
        """HTML for browsers; JSON with ``?format=json`` or ``Accept: application/json``."""
        limit = max(1, min(limit, 200))
        index = await asyncio.to_thread(lookup.index, endpoint)
        hits = index.search(q, limit + 1) if q.strip() else []
        more = len(hits) > limit
        hits = hits[:limit]
        as_json = http.query_params.get("format") == "json" or (
            http.query_params.get("format") != "html" and not pages.wants_html(http.headers.get("accept"))
        )
        if as_json:
            results = [
                {
                    "iri": h.iri,
                    "label": h.label,
                    "kind": h.kind,
                    "matched": h.matched,
                    "url": site.href(h.iri),
                }
                for h in hits
            ]
            return JSONResponse({"query": q, "results": results, "more": more})
        return _html(site.render("search.html", q=q, hits=hits, more=more))

    @router.get("/ontology", summary="The ontology (HTML, or RDF by content negotiation)")
    async def ontology(http: HTTPRequest) -> Response:
        key = http.query_params.get("format")
        fmt = pick(http.headers.get("accept"), (HTML, *RDF_FORMATS), key)
        if fmt is None:
            raise ProtocolError(406, "no acceptable media type (offered: text/html and the RDF formats)")
        if fmt is HTML:
            from kg.endpoint.describe import _statistics

            _, classes, _ = await asyncio.to_thread(_statistics, endpoint)
            counts = {c: n for c, n in classes if c.startswith(str(KG))}
            return _html(ontology_page.render(site, counts))
        return Response(ontology_page.rdf(fmt.key), media_type=fmt.media_type)

    @router.get(site.path + "{rest:path}", summary="Entity pages (Linked Data)")
    async def entity(http: HTTPRequest, rest: str) -> Response:
        """HTML for browsers; Turtle, JSON-LD, ... by content negotiation."""
        iri = endpoint.settings.base + rest
        key = http.query_params.get("format")
        fmt = pick(http.headers.get("accept"), (HTML, *RDF_FORMATS), key)
        if fmt is None:
            raise ProtocolError(406, "no acceptable media type (offered: text/html and the RDF formats)")
        try:
            if fmt is HTML:
                return _html(await pages.entity_html(endpoint, iri))
            from kg.endpoint.routes import to_response

            return to_response(await pages.entity_rdf(endpoint, iri, fmt.key))
        except ProtocolError as exc:
            if exc.status != 404:
                raise
            index = await asyncio.to_thread(lookup.index, endpoint)
            other = index.same_iri(iri)
            if other is None:
                raise
            target = site.href(other) + (f"?{http.url.query}" if http.url.query else "")
            return RedirectResponse(target, status_code=301)
