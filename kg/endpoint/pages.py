"""Entity pages: every IRI under the base dereferences (Linked Data).

HTML for browsers (label, types, facts, the sentences they came from, links out); RDF (Turtle,
JSON-LD, ...) by content negotiation: the entity's own triples and the triples pointing at it.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import pyoxigraph as ox

from kg.endpoint.execute import Job
from kg.endpoint.pool import Answer
from kg.endpoint.protocol import ProtocolError

if TYPE_CHECKING:
    from kg.endpoint.service import Endpoint

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def base_path(base: str) -> str:
    """The URL path entity IRIs have under ``base`` (``https://kg.example/id/`` -> ``/id/``)."""
    path = urlsplit(base).path or "/"
    return path if path.endswith("/") else path + "/"


def _check_iri(iri: str) -> str:
    if any(c in iri for c in '<>"{}|^`\\') or any(c <= " " for c in iri):
        raise ProtocolError(404, "not an entity IRI")
    try:
        ox.NamedNode(iri)
    except ValueError:
        raise ProtocolError(404, "not an entity IRI") from None
    return iri


async def entity_rdf(endpoint: Endpoint, iri: str, key: str) -> Answer:
    e = f"<{_check_iri(iri)}>"
    sparql = f"CONSTRUCT {{ {e} ?p ?o . ?s ?q {e} }} WHERE {{ {{ {e} ?p ?o }} UNION {{ ?s ?q {e} }} }}"
    answer = await endpoint.run(Job(sparql, None, key, max_rows=0, prefixes=endpoint.prefixes))
    if answer.stream is None and len(answer.body.strip()) <= 250 and not await _exists(endpoint, e):
        raise ProtocolError(404, f"nothing is known about {iri}")
    return answer


async def _exists(endpoint: Endpoint, e: str) -> bool:
    rows = await endpoint.select(f"SELECT ?x WHERE {{ {{ {e} ?x ?o }} UNION {{ ?s ?x {e} }} }} LIMIT 1")
    return bool(rows)


def _label(row: dict[str, Any], var: str) -> str:
    return str(row[var]["value"]) if var in row else ""


def _linkable(iri: str) -> bool:
    """Only http(s) IRIs become links (``javascript:``, ``data:``, ... stay text)."""
    return urlsplit(iri).scheme.lower() in ("http", "https")


def _term_html(endpoint: Endpoint, term: dict[str, Any], label: str = "") -> str:
    value = str(term["value"])
    if term["type"] == "uri":
        text = label or _short(endpoint, value)
        if not _linkable(value):
            return f"<code>{escape(text)}</code>"
        href = value
        if value.startswith(endpoint.settings.base):
            href = base_path(endpoint.settings.base) + value[len(endpoint.settings.base) :]
        return f'<a href="{escape(href)}">{escape(text)}</a>'
    if term["type"] == "literal":
        extra = f" <small>@{escape(term['xml:lang'])}</small>" if "xml:lang" in term else ""
        return f"{escape(value)}{extra}"
    return escape(value)


def _row(left: str, right: str) -> str:
    return f"<tr><td>{left}</td><td>{right}</td></tr>"


def _short(endpoint: Endpoint, iri: str) -> str:
    for p, ns in endpoint.prefixes.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{p}:{iri[len(ns) :]}"
    return iri


async def entity_html(endpoint: Endpoint, iri: str) -> str:
    e = f"<{_check_iri(iri)}>"
    facts = await endpoint.select(
        f"""SELECT ?p ?o ?olabel WHERE {{ {e} ?p ?o
            OPTIONAL {{ ?o <{RDFS_LABEL}>|<{SKOS_PREF}> ?olabel }} }} ORDER BY ?p ?o LIMIT 500"""
    )
    incoming = await endpoint.select(
        f"""SELECT ?s ?p ?slabel WHERE {{ ?s ?p {e}
            OPTIONAL {{ ?s <{RDFS_LABEL}>|<{SKOS_PREF}> ?slabel }} }} ORDER BY ?p ?s LIMIT 500"""
    )
    if not facts and not incoming:
        raise ProtocolError(404, f"nothing is known about {iri}")
    evidence = await endpoint.select(
        f"""PREFIX oa: <http://www.w3.org/ns/oa#>
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT DISTINCT ?p ?o ?exact ?source WHERE {{
          {{ ?st rdf:subject {e} ; rdf:predicate ?p ; rdf:object ?o . ?ann oa:hasBody ?st }}
          UNION {{ ?ann oa:hasBody {e} }}
          ?ann oa:hasTarget ?t . ?t oa:hasSelector ?sel . ?sel oa:exact ?exact .
          OPTIONAL {{ ?t oa:hasSource ?source }}
        }} LIMIT 200"""
    )
    labels = [r["o"]["value"] for r in facts if r["p"]["value"] in (RDFS_LABEL, SKOS_PREF)]
    title = labels[0] if labels else _short(endpoint, iri)
    types = [_term_html(endpoint, r["o"], _label(r, "olabel")) for r in facts if r["p"]["value"] == RDF_TYPE]
    rows = "".join(
        _row(_term_html(endpoint, r["p"]), _term_html(endpoint, r["o"], _label(r, "olabel")))
        for r in facts
        if r["p"]["value"] != RDF_TYPE
    )
    back = "".join(
        _row(_term_html(endpoint, r["s"], _label(r, "slabel")), _term_html(endpoint, r["p"]))
        for r in incoming
    )
    sentences = "".join(
        "<li><blockquote>"
        + escape(str(r["exact"]["value"]))
        + "</blockquote>"
        + (
            f" <small>{_term_html(endpoint, r['p'])} {_term_html(endpoint, r['o'])}</small>"
            if "p" in r
            else ""
        )
        + (f" <small>source: {_term_html(endpoint, r['source'])}</small>" if "source" in r else "")
        + "</li>"
        for r in evidence
    )
    links = "".join(
        f'<li><a href="{escape(r["o"]["value"])}" rel="external">{escape(r["o"]["value"])}</a></li>'
        for r in facts
        if r["o"]["type"] == "uri"
        and _linkable(r["o"]["value"])
        and not r["o"]["value"].startswith(endpoint.settings.base)
        and r["p"]["value"] != RDF_TYPE
        and "/ontology" not in r["o"]["value"]
    )
    q = quote(f"DESCRIBE {e}")
    here = base_path(endpoint.settings.base) + iri[len(endpoint.settings.base) :]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)} — kg</title>
<link rel="stylesheet" href="/static/style.css">
<link rel="alternate" type="text/turtle" href="{escape(here)}?format=ttl">
<link rel="alternate" type="application/ld+json" href="{escape(here)}?format=jsonld">
</head><body class="entity">
<header><a href="/">kg</a> · entity</header>
<main>
<h1 id="label">{escape(title)}</h1>
<p class="iri"><code>{escape(iri)}</code> {" ".join(types)}</p>
<p class="formats">as <a href="{escape(here)}?format=ttl">Turtle</a> ·
<a href="{escape(here)}?format=jsonld">JSON-LD</a> · <a href="/?query={q}">query</a></p>
<h2>Facts</h2><table id="facts"><tbody>{rows or '<tr><td colspan="2">none</td></tr>'}</tbody></table>
<h2>Evidence</h2><ul id="evidence">{sentences or "<li>no recorded sentence</li>"}</ul>
<h2>Links out</h2><ul id="links">{links or "<li>none</li>"}</ul>
<h2>Referenced by</h2>
<table id="incoming"><tbody>{back or '<tr><td colspan="2">none</td></tr>'}</tbody></table>
</main></body></html>
"""
