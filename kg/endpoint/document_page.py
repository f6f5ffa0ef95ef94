"""A press release's page: title, date, source path, what was extracted from it, and its text
with the evidence highlighted (the sentences facts were read from, the names entities were
recognised by, the quotations), each linking to the entity or listing the facts it supports.

Every highlighted sentence has the anchor ``#chars-START-END`` (its character offsets), which
entity profiles link to. Stores built before the text was kept (``schema:articleBody``) show
the evidence sentences in order instead.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from markupsafe import Markup

from kg.endpoint import ontology_page
from kg.endpoint.pages import Site
from kg.endpoint.profile import P, v
from kg.endpoint.protocol import ProtocolError
from kg.namespaces import KG

if TYPE_CHECKING:
    from kg.endpoint.service import Endpoint

DCTERMS = "http://purl.org/dc/terms/"
ARTICLE_BODY = "https://schema.org/articleBody"


@dataclass(frozen=True)
class Mark:
    """A stretch ``[start, end)`` of the text to wrap in ``<tag attrs>``."""

    start: int
    end: int
    tag: str
    attrs: str  # already escaped
    first_attrs: str = ""  # only on the first piece (the id), when a crossing mark is split

    def open(self, first: bool) -> str:
        extra = self.first_attrs if first else ""
        return f"<{self.tag} {self.attrs}{extra}>"

    def close(self) -> str:
        return f"</{self.tag}>"


def highlight(text: str, marks: list[Mark]) -> str:
    """``text`` as HTML with every mark wrapped around its stretch; marks nest (a name inside a
    sentence); one that crosses another's end is closed and opened again around the rest."""
    marks = [m for m in marks if 0 <= m.start < m.end <= len(text)]
    starting: dict[int, list[Mark]] = defaultdict(list)
    for m in marks:
        starting[m.start].append(m)
    points = sorted({0, len(text), *(m.start for m in marks), *(m.end for m in marks)})
    out: list[str] = []
    stack: list[Mark] = []
    for i, pos in enumerate(points):
        ending = [k for k, m in enumerate(stack) if m.end == pos]
        if ending:
            cut = ending[0]
            reopen = [m for m in stack[cut:] if m.end != pos]
            out.extend(m.close() for m in reversed(stack[cut:]))
            del stack[cut:]
            for m in reopen:
                out.append(m.open(first=False))
                stack.append(m)
        for m in sorted(starting.get(pos, []), key=lambda m: -m.end):
            out.append(m.open(first=True))
            stack.append(m)
        if i + 1 < len(points):
            out.append(escape(text[pos : points[i + 1]], quote=False))
    return "".join(out)


async def render(endpoint: Endpoint, site: Site, iri: str) -> str:
    e = f"<{iri}>"
    rows = await endpoint.select(f"SELECT ?p ?o WHERE {{ {e} ?p ?o }}")
    if not rows:
        raise ProtocolError(404, f"nothing is known about {iri}")
    props: dict[str, str] = {}
    for r in rows:
        props.setdefault(v(r, "p"), v(r, "o"))
    text = props.get(ARTICLE_BODY, "")
    labels = ontology_page.labels()
    spans = await endpoint.select(
        f"""{P} SELECT ?body ?start ?end ?exact ?kind ?label ?s ?p ?o ?slabel ?olabel WHERE {{
              ?t oa:hasSource {e} ; oa:hasSelector ?pos, ?q . ?pos oa:start ?start ; oa:end ?end .
              ?q oa:exact ?exact . ?ann oa:hasTarget ?t ; oa:hasBody ?body .
              OPTIONAL {{ ?body a ?kind FILTER(STRSTARTS(STR(?kind), STR(kg:))) }}
              OPTIONAL {{ ?body rdfs:label ?label }}
              OPTIONAL {{ ?body rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
                          OPTIONAL {{ ?s rdfs:label ?slabel }} OPTIONAL {{ ?o rdfs:label ?olabel }} }}
            }} LIMIT 5000"""
    )
    facts_at: dict[tuple[int, int], list[str]] = defaultdict(list)
    exact_at: dict[tuple[int, int], str] = {}
    names: dict[tuple[int, int], tuple[str, str, str]] = {}
    quotes: set[tuple[int, int]] = set()
    for r in spans:
        key = (int(v(r, "start")), int(v(r, "end")))
        exact_at[key] = v(r, "exact")
        kind = v(r, "kind").removeprefix(str(KG))
        if v(r, "p"):
            subject = v(r, "slabel") or site.short(v(r, "s"))
            predicate = labels.get(v(r, "p"), site.short(v(r, "p")))
            fact = f"{subject} {predicate} {v(r, 'olabel') or site.short(v(r, 'o'))}"
            if fact not in facts_at[key]:
                facts_at[key].append(fact)
        elif kind == "Quotation":
            quotes.add(key)
        elif v(r, "label"):
            names.setdefault(key, (v(r, "body"), v(r, "label"), kind))
    marks: list[Mark] = []
    for (start, end), facts in facts_at.items():
        tip = escape("; ".join(facts))
        marks.append(
            Mark(start, end, "mark", f'class="evidence" title="{tip}"', f' id="chars-{start}-{end}"')
        )
    for start, end in quotes:
        marks.append(Mark(start, end, "q", 'class="quotation"', f' id="chars-{start}-{end}"'))
    for (start, end), (body, label, kind) in names.items():
        marks.append(
            Mark(
                start,
                end,
                "a",
                f'class="mention k-{escape(kind)}" href="{escape(site.href(body))}" '
                f'title="{escape(label)} ({escape(kind)})"',
            )
        )
    if text:
        body_html = highlight(text, marks)
    else:  # built before the text was stored: the evidence sentences, in order
        body_html = "\n\n".join(
            f'<mark class="evidence" id="chars-{s}-{e_}">{escape(exact_at[(s, e_)], quote=False)}</mark>'
            for s, e_ in sorted(facts_at)
        )
    entities = await endpoint.select(
        f"""{P} SELECT ?e ?label ?kind WHERE {{ {e} kg:sourceOf ?e . ?e rdfs:label ?label ; a ?kind
              FILTER(STRSTARTS(STR(?kind), STR(kg:))) }} ORDER BY ?kind ?label"""
    )
    by_kind: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in entities:
        by_kind[v(r, "kind").removeprefix(str(KG))].append(
            {"label": v(r, "label"), "href": site.href(v(r, "e"))}
        )
    doc_id = iri.rstrip("/").rsplit("/", 1)[-1]
    graph = f"{site.base}graph/{doc_id}"
    facts = sorted({f for fs in facts_at.values() for f in fs})
    return site.render(
        "document.html",
        iri=iri,
        here=site.href(iri),
        title=props.get(DCTERMS + "title") or doc_id,
        issued=props.get(DCTERMS + "issued", ""),
        path=props.get(DCTERMS + "source", ""),
        media_type=props.get(DCTERMS + "format", ""),
        content_hash=props.get(str(KG.contentHash), ""),
        doc_id=doc_id,
        graph=graph,
        has_text=bool(text),
        body=Markup(body_html),
        entities=sorted(by_kind.items()),
        facts=facts,
    )


__all__ = ["Mark", "highlight", "render"]
