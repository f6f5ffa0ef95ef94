"""HTML pages: every IRI under the base dereferences (Linked Data), and the pages around them.

    /id/...            an entity's profile (``profile``), a press release's page (``document_page``);
                       Turtle, JSON-LD, ... of the same IRI by content negotiation (``entity_rdf``)
    /search?q=         labels, accent- and case-insensitive (``lookup``), HTML or JSON
    /ontology          the ontology, every term at its own anchor (``ontology_page``)
    /                  the query page (YASGUI, vendored under static/vendor/yasgui)

Pages are Jinja2 templates (``templates/``, autoescaped) with one stylesheet and no inline script
or style, so they work under a Content Security Policy without 'unsafe-inline' for scripts.
Errors a browser asks for (``wants_html``) get an HTML page with the same status and message.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import jinja2
import pyoxigraph as ox

from kg.endpoint.execute import Job
from kg.endpoint.pool import Answer
from kg.endpoint.protocol import ProtocolError
from kg.namespaces import BASE_PREFIX, KG, ONTOLOGY_GRAPH, PREFIXES

if TYPE_CHECKING:
    from kg.endpoint.service import Endpoint

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
ONTOLOGY_PATH = "/ontology"
HTML_TYPE = "text/html; charset=utf-8"


def base_path(base: str) -> str:
    """The URL path entity IRIs have under ``base`` (``https://kg.example/id/`` -> ``/id/``)."""
    path = urlsplit(base).path or "/"
    return path if path.endswith("/") else path + "/"


def check_iri(iri: str) -> str:
    if any(c in iri for c in '<>"{}|^`\\') or any(c <= " " for c in iri):
        raise ProtocolError(404, "not an entity IRI")
    try:
        ox.NamedNode(iri)
    except ValueError:
        raise ProtocolError(404, "not an entity IRI") from None
    return iri


class Site:
    """What every page needs to write links: the base, the prefixes, the template environment."""

    def __init__(self, base: str, prefixes: dict[str, str]) -> None:
        self.base = base
        self.path = base_path(base)
        self.prefixes = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))
        self.env = _environment()

    def href(self, iri: str) -> str:
        """Where a browser finds ``iri`` on this server: entity and ontology IRIs map to local
        paths; other http(s) IRIs stay as they are; anything else gets no link ("")."""
        if iri.startswith(self.base):
            return self.path + quote(iri[len(self.base) :], safe="/#-._~!$&'()*+,;=:@%")
        if iri == ONTOLOGY_GRAPH or iri.startswith(str(KG)):
            return ONTOLOGY_PATH + iri[len(ONTOLOGY_GRAPH) :]
        return iri if iri.startswith(("http://", "https://")) else ""

    def short(self, iri: str) -> str:
        """``kg:Person``, ``id:person/louise-arbour``: the longest matching prefix, else the IRI."""
        for prefix, ns in self.prefixes:
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns) :]}"
        return iri

    def render(self, template: str, **context: Any) -> str:
        return self.env.get_template(template).render(site=self, **context)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("kg.endpoint", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["tojson_attr"] = lambda value: json.dumps(value, ensure_ascii=False)
    return env


def site_of(endpoint: Endpoint) -> Site:
    return _site(endpoint.settings.base)


@lru_cache(maxsize=8)
def _site(base: str) -> Site:
    return Site(base, {**PREFIXES, BASE_PREFIX: base})


# -- entities -----------------------------------------------------------------------------------


async def entity_rdf(endpoint: Endpoint, iri: str, key: str) -> Answer:
    from kg import jsonld

    e = f"<{check_iri(iri)}>"
    sparql = f"CONSTRUCT {{ {e} ?p ?o . ?s ?q {e} }} WHERE {{ {{ {e} ?p ?o }} UNION {{ ?s ?q {e} }} }}"
    answer = await endpoint.run(Job(sparql, None, key, max_rows=0, prefixes=endpoint.prefixes))
    if answer.stream is not None:
        answer = Answer(
            answer.status, answer.media_type, answer.headers, b"".join([c async for c in answer.stream])
        )
    if len(answer.body.strip()) <= 250 and not await exists(endpoint, iri):
        raise ProtocolError(404, f"nothing is known about {iri}")
    if key == "jsonld":  # with an @context, like kg export
        answer = Answer(
            answer.status, answer.media_type, answer.headers, jsonld.compact(answer.body, endpoint.prefixes)
        )
    return answer


async def exists(endpoint: Endpoint, iri: str) -> bool:
    e = f"<{check_iri(iri)}>"
    rows = await endpoint.select(f"SELECT ?x WHERE {{ {{ {e} ?x ?o }} UNION {{ ?s ?x {e} }} }} LIMIT 1")
    return bool(rows)


async def entity_html(endpoint: Endpoint, iri: str) -> str:
    """The page of ``iri``: a press release's document page, else the entity's profile."""
    from kg.endpoint import document_page, profile

    check_iri(iri)
    site = site_of(endpoint)
    kinds = await endpoint.select(f"SELECT ?t WHERE {{ <{iri}> a ?t }}")
    if any(r["t"]["value"] == str(KG.PressRelease) for r in kinds):
        return await document_page.render(endpoint, site, iri)
    return await profile.render(endpoint, site, iri)


# -- errors -------------------------------------------------------------------------------------


def wants_html(accept: str | None) -> bool:
    """Whether a client prefers HTML to JSON (a browser navigating, not an API client)."""
    if not accept or "text/html" not in accept:
        return False
    html = _q(accept, "text/html")
    return html > 0 and html >= _q(accept, "application/json")


def _q(accept: str, media: str) -> float:
    best = 0.0
    for part in accept.split(","):
        name, *params = (p.strip() for p in part.split(";"))
        if name in (media, media.split("/")[0] + "/*", "*/*"):
            q = 1.0
            for p in params:
                if p.startswith("q="):
                    try:
                        q = float(p[2:])
                    except ValueError:
                        q = 0.0
            specific = 0.001 if name == media else 0.0  # an exact match beats a wildcard of the same q
            best = max(best, q + specific)
    return best


def error_html(site: Site, status: int, title: str, message: str) -> str:
    return site.render("error.html", status=status, title=title, message=message)
