"""An entity's page, read like a profile.

At the top a summary: kind, label, other names, the posts held (with the dates of the releases that
attest them and whether someone succeeded the person), the State represented, the events with the
part played, quotations, links out, and a picture of the neighbourhood. Below, the facts grouped by
property, each with the press releases that state it (title and date, linking to the document page
at the sentence); then the evidence, every sentence once with the facts it supports; then what
refers to the entity and the releases that mention it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from kg.endpoint import ontology_page, picture
from kg.endpoint.pages import RDF_TYPE, RDFS_LABEL, Site
from kg.endpoint.protocol import ProtocolError
from kg.namespaces import KG, sparql_prologue

if TYPE_CHECKING:
    from kg.endpoint.service import Endpoint

P = sparql_prologue()
SKOS_ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
LINK_PREDICATES = ("http://www.w3.org/2004/02/skos/core#exactMatch", "http://www.w3.org/2002/07/owl#sameAs")
#: Shown in the summary or elsewhere on the page, not among the facts.
NOT_FACTS = {RDF_TYPE, RDFS_LABEL, SKOS_ALT, *LINK_PREDICATES}
#: Incoming properties that only tie the entity to kg's own bookkeeping nodes.
BOOKKEEPING = {
    str(KG[n])
    for n in ("agent", "sourceOf", "post", "event", "attestedIn", "spokenBy", "linkSubject", "linkTarget")
}


def v(row: dict[str, Any], name: str) -> str:
    return str(row[name]["value"]) if name in row else ""


@dataclass
class Source:
    iri: str
    href: str
    title: str
    issued: str

    @property
    def name(self) -> str:
        return self.title or self.iri.rsplit("/", 1)[-1]


@dataclass
class Sentence:
    text: str
    source: Source
    anchor: str  # the document page's URL at the sentence
    facts: list[str] = field(default_factory=list)


def _kind(site: Site, types: list[str]) -> str:
    for t in types:
        if t.startswith(str(KG)):
            return t[len(str(KG)) :]
    return site.short(types[0]) if types else "Resource"


async def render(endpoint: Endpoint, site: Site, iri: str) -> str:
    e = f"<{iri}>"
    labels = ontology_page.labels()

    def plabel(p: str) -> str:
        return labels.get(p) or site.short(p)

    rows = await endpoint.select(
        f"""{P} SELECT ?p ?o ?label ?type WHERE {{ {e} ?p ?o
              OPTIONAL {{ ?o rdfs:label ?label }}
              OPTIONAL {{ ?o a ?type FILTER(STRSTARTS(STR(?type), STR(kg:))) }}
            }} LIMIT 2000"""
    )
    incoming = await endpoint.select(
        f"""{P} SELECT ?s ?p ?label ?type WHERE {{ ?s ?p {e} FILTER(STRSTARTS(STR(?p), STR(kg:)))
              ?s rdfs:label ?label OPTIONAL {{ ?s a ?type FILTER(STRSTARTS(STR(?type), STR(kg:))) }}
            }} LIMIT 500"""
    )
    if not rows and not incoming:
        raise ProtocolError(404, f"nothing is known about {iri}")
    types = sorted({v(r, "o") for r in rows if v(r, "p") == RDF_TYPE})
    kind = _kind(site, types)
    title = next((v(r, "o") for r in rows if v(r, "p") == RDFS_LABEL), "") or site.short(iri)
    alt = sorted({v(r, "o") for r in rows if v(r, "p") == SKOS_ALT})

    # objects: one entry per (property, object), with the object's label and kind
    objects: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        p, o = v(r, "p"), v(r, "o")
        if p in NOT_FACTS:
            continue
        entry = objects.setdefault(
            (p, o),
            {"iri": o, "type": r["o"]["type"], "label": "", "kind": "", "lang": r["o"].get("xml:lang", "")},
        )
        entry["label"] = entry["label"] or v(r, "label")
        entry["kind"] = entry["kind"] or v(r, "type").removeprefix(str(KG))
    links_out = sorted({v(r, "o") for r in rows if v(r, "p") in LINK_PREDICATES and r["o"]["type"] == "uri"})

    # sources and sentences of every fact about the entity (both directions)
    evidence = await endpoint.select(
        f"""{P} SELECT DISTINCT ?s ?p ?o ?exact ?start ?end ?source ?title ?issued WHERE {{
              {{ ?st rdf:subject {e} ; rdf:predicate ?p ; rdf:object ?o . BIND({e} AS ?s) }}
              UNION {{ ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object {e} . BIND({e} AS ?o) }}
              ?ann oa:hasBody ?st ; oa:hasTarget ?t . ?t oa:hasSource ?source ; oa:hasSelector ?q .
              ?q oa:exact ?exact .
              OPTIONAL {{ ?t oa:hasSelector ?pos . ?pos oa:start ?start ; oa:end ?end }}
              OPTIONAL {{ ?source dcterms:title ?title }} OPTIONAL {{ ?source dcterms:issued ?issued }}
            }} ORDER BY ?issued ?source ?start LIMIT 2000"""
    )
    sources: dict[str, Source] = {}

    def source(r: dict[str, Any]) -> Source:
        s = v(r, "source")
        if s not in sources:
            sources[s] = Source(s, site.href(s), v(r, "title"), v(r, "issued"))
        return sources[s]

    fact_sources: dict[tuple[str, str], dict[str, tuple[Source, str]]] = defaultdict(dict)
    sentences: dict[tuple[str, str], Sentence] = {}
    names = {o: entry["label"] for (_, o), entry in objects.items()}
    names.update({v(r, "s"): v(r, "label") for r in incoming})
    for r in evidence:
        src = source(r)
        anchor = f"{src.href}#chars-{v(r, 'start')}-{v(r, 'end')}" if v(r, "start") else src.href
        s, p, o = v(r, "s"), v(r, "p"), v(r, "o")
        outgoing = s == iri
        fact_sources[(p, o if outgoing else "←" + s)].setdefault(src.iri, (src, anchor))
        sentence = sentences.setdefault(
            (src.iri, v(r, "start") or v(r, "exact")), Sentence(v(r, "exact"), src, anchor)
        )
        other = names.get(o if outgoing else s) or site.short(o if outgoing else s)
        fact = f"{plabel(p)} {other}" if outgoing else f"{other} {plabel(p)} this"
        if fact not in sentence.facts:
            sentence.facts.append(fact)

    # qualified facts: posts held, parts played at events, quotations, succession
    tenures = await endpoint.select(
        f"""{P} SELECT ?post ?label ?date ?source ?title ?issued WHERE {{
              ?t a kg:Tenure ; kg:agent {e} ; kg:post ?post . OPTIONAL {{ ?post rdfs:label ?label }}
              OPTIONAL {{ ?t kg:attestedOn ?date }}
              OPTIONAL {{ ?t kg:attestedIn ?source OPTIONAL {{ ?source dcterms:title ?title }}
                          OPTIONAL {{ ?source dcterms:issued ?issued }} }}
            }} ORDER BY ?date"""
    )
    successors = await endpoint.select(
        f"{P} SELECT ?who ?label WHERE {{ ?who kg:succeeds {e} OPTIONAL {{ ?who rdfs:label ?label }} }}"
    )
    posts: dict[str, dict[str, Any]] = {}
    for r in tenures:
        post = posts.setdefault(
            v(r, "post"),
            {
                "iri": v(r, "post"),
                "label": v(r, "label") or site.short(v(r, "post")),
                "dates": [],
                "sources": {},
            },
        )
        if v(r, "date") and v(r, "date") not in post["dates"]:
            post["dates"].append(v(r, "date"))
        if v(r, "source"):
            post["sources"].setdefault(v(r, "source"), source(r))
    succeeded = ", ".join(v(r, "label") or site.short(v(r, "who")) for r in successors)
    for post in posts.values():
        dates = sorted(post["dates"])
        post["span"] = (dates[0] if len(dates) == 1 else f"{dates[0]} – {dates[-1]}") if dates else ""
        post["status"] = f"succeeded by {succeeded}" if succeeded else ""
    post_list = sorted(
        posts.values(), key=lambda p: (sorted(p["dates"])[-1:] or [""], p["label"]), reverse=True
    )

    roles = await endpoint.select(
        f"""{P} SELECT ?other ?olabel ?role ?post ?plabel ?start ?place ?placelabel ?dir WHERE {{
              {{ ?r a kg:EventRole ; kg:agent {e} ; kg:event ?other . BIND("event" AS ?dir)
                 OPTIONAL {{ ?other kg:startDate ?start }}
                 OPTIONAL {{ ?other kg:locatedIn ?place OPTIONAL {{ ?place rdfs:label ?placelabel }} }} }}
              UNION {{ ?r a kg:EventRole ; kg:event {e} ; kg:agent ?other . BIND("agent" AS ?dir) }}
              ?r kg:roleName ?role . OPTIONAL {{ ?other rdfs:label ?olabel }}
              OPTIONAL {{ ?r kg:post ?post OPTIONAL {{ ?post rdfs:label ?plabel }} }}
            }} ORDER BY ?start ?olabel"""
    )
    events = _unique(
        {
            "iri": v(r, "other"),
            "label": v(r, "olabel") or site.short(v(r, "other")),
            "role": v(r, "role"),
            "capacity": v(r, "plabel"),
            "date": v(r, "start"),
            "place": v(r, "placelabel"),
            "dir": v(r, "dir"),
        }
        for r in roles
    )
    quotes = await endpoint.select(
        f"""{P} SELECT DISTINCT ?text ?source ?title ?issued ?start ?end WHERE {{
              ?q kg:spokenBy {e} ; schema:text ?text ; kg:attestedIn ?source .
              OPTIONAL {{ ?ann oa:hasBody ?q ; oa:hasTarget/oa:hasSelector ?pos .
                          ?pos oa:start ?start ; oa:end ?end }}
              OPTIONAL {{ ?source dcterms:title ?title }} OPTIONAL {{ ?source dcterms:issued ?issued }}
            }} ORDER BY ?issued LIMIT 50"""
    )
    quotations = [
        {
            "text": v(r, "text"),
            "source": source(r),
            "anchor": f"{source(r).href}#chars-{v(r, 'start')}-{v(r, 'end')}"
            if v(r, "start")
            else source(r).href,
        }
        for r in quotes
    ]
    mentioned = await endpoint.select(
        f"""{P} SELECT ?source ?title ?issued WHERE {{ ?source kg:sourceOf {e}
              OPTIONAL {{ ?source dcterms:title ?title }} OPTIONAL {{ ?source dcterms:issued ?issued }} }}
            ORDER BY DESC(?issued) LIMIT 200"""
    )
    mentioned_in = _unique(source(r) for r in mentioned)

    # facts grouped by property (outgoing), then what refers to the entity (incoming)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (p, o), entry in sorted(
        objects.items(), key=lambda kv: (plabel(kv[0][0]), kv[1]["label"] or kv[0][1])
    ):
        entry = {
            **entry,
            "href": site.href(o) if entry["type"] == "uri" else "",
            "sources": list(fact_sources.get((p, o), {}).values()),
        }
        groups[p].append(entry)
    referenced: dict[str, list[dict[str, Any]]] = defaultdict(list)
    seen_in: set[tuple[str, str]] = set()
    for r in sorted(incoming, key=lambda r: (v(r, "p"), v(r, "label"))):
        p, s = v(r, "p"), v(r, "s")
        if p in BOOKKEEPING or (p, s) in seen_in:
            continue
        seen_in.add((p, s))
        referenced[p].append(
            {
                "iri": s,
                "href": site.href(s),
                "label": v(r, "label"),
                "kind": v(r, "type").removeprefix(str(KG)),
                "sources": list(fact_sources.get((p, "←" + s), {}).values()),
            }
        )

    drawn: dict[str, picture.Neighbour] = {}
    for n in [
        picture.Neighbour(
            entry["iri"],
            entry["href"],
            entry["label"] or site.short(entry["iri"]),
            entry["kind"] or "Resource",
            plabel(p),
        )
        for p, entries in groups.items()
        for entry in entries
        if entry["type"] == "uri" and entry["label"]
    ] + [
        picture.Neighbour(x["iri"], x["href"], x["label"], x["kind"] or "Resource", "← " + plabel(p))
        for p, xs in referenced.items()
        for x in xs
    ]:
        same = drawn.get(n.iri)  # one node per neighbour, its relations joined
        drawn[n.iri] = (
            n
            if same is None
            else picture.Neighbour(n.iri, n.href, n.label, n.kind, f"{same.relation}, {n.relation}")
        )
    neighbours = list(drawn.values())
    summary = {
        "represents": groups.get(str(KG.representativeOf), []),
        "nationality": groups.get(str(KG.nationality), []),
        "located": groups.get(str(KG.locatedIn), []),
    }
    return site.render(
        "entity.html",
        iri=iri,
        here=site.href(iri),
        title=title,
        kind=kind,
        types=types,
        alt=alt,
        summary=summary,
        posts=post_list,
        events=events,
        quotations=quotations,
        links_out=links_out,
        groups=[(p, plabel(p), entries) for p, entries in groups.items()],
        referenced=[(p, plabel(p), xs) for p, xs in referenced.items()],
        sentences=sorted(sentences.values(), key=lambda s: (s.source.issued, s.source.iri, s.anchor)),
        mentioned_in=mentioned_in,
        picture=Markup(picture.svg(title, kind, neighbours)) if neighbours else "",
        describe=f"DESCRIBE <{iri}>",
    )


def _unique(items: Any) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out
