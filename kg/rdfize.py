"""Entities -> RDF under the kg ontology, with provenance.

One rdflib Graph per document, no blank nodes:

* the source: ``<base>source/<doc-id>`` a kg:PressRelease with dcterms:source/issued/title,
  kg:contentHash and its text (schema:articleBody), kg:sourceOf each entity;
* each entity with its type, one English rdfs:label, skos:altLabel, and attributes;
* each relation as a plain triple (so that simple queries stay simple) **and** as a reified
  kg:Statement whose IRI depends only on the fact, so every document stating it shares it;
* qualified facts: a kg:Tenure per ``holds`` (attested on the release date, with its status and
  dates; a post held before the release is stated as kg:heldFormerly, never kg:holds), a kg:EventRole per
  ``chairs``/``speaksAt``/``participatesIn`` of an event, a kg:Quotation per quotation;
* evidence as Web Annotation: a kg:Evidence (oa:Annotation) whose body is the entity, statement
  or quotation, whose target is a span of the source with a TextPositionSelector (character
  offsets) and a TextQuoteSelector (the exact text).
"""

from __future__ import annotations

import hashlib

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from kg.model import Kind, PartialDate, Precision, Span
from kg.namespaces import KG, OA, PREFIXES, SCHEMA
from kg.resolve import Resolution, statement_iri

ROLE_PREDICATES = {"chairs": "chair", "speaksAt": "speaker", "participatesIn": "participant"}
RELATIONS = {
    "holds",
    "representativeOf",
    "nationality",
    "chairs",
    "participatesIn",
    "speaksAt",
    "locatedIn",
    "adopts",
    "elects",
    "appoints",
    "succeeds",
    "mentions",
}
_ATTR_LINKS = {"location": KG.locatedIn, "country": KG.locatedIn, "of": KG.postIn}
# the terms of evidence, most of a document's triples, made once (rdflib's namespaces make a new
# URIRef on every attribute access)
_TYPE, _INTEGER = RDF.type, XSD.integer
_EVIDENCE, _ANNOTATION, _DERIVED = KG.Evidence, OA.Annotation, PROV.wasDerivedFrom
_MOTIVATED, _BODY, _TARGET = OA.motivatedBy, OA.hasBody, OA.hasTarget
_RESOURCE, _SOURCE, _SELECTOR = OA.SpecificResource, OA.hasSource, OA.hasSelector
_POSITION, _START, _END = OA.TextPositionSelector, OA.start, OA.end
_QUOTE, _EXACT = OA.TextQuoteSelector, OA.exact


def date_literal(value: PartialDate) -> Literal:
    """A date at its own precision: xsd:date, xsd:gYearMonth or xsd:gYear."""
    datatype = {Precision.DAY: XSD.date, Precision.MONTH: XSD.gYearMonth, Precision.YEAR: XSD.gYear}
    return Literal(value.iso(), datatype=datatype[value.precision])


def _h(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()[:12]


class _Writer:
    def __init__(self, res: Resolution) -> None:
        self.res = res
        self.doc = res.extraction.document
        # SimpleMemory: a third of the default store's cost per triple (no contexts needed here)
        self.g = Graph(store="SimpleMemory", bind_namespaces="core")
        for prefix, iri in PREFIXES.items():
            self.g.bind(prefix, iri)
        self.source = URIRef(res.source)
        self.targets: set[tuple[int, int]] = set()  # the spans whose target is written

    def iri(self, local_id: str) -> URIRef:
        return URIRef(self.res.iri[local_id])

    def target(self, span: Span) -> URIRef:
        """The span of the source, with its two selectors (shared by everything citing it)."""
        target = URIRef(f"{self.source}/chars/{span.start}-{span.end}")
        if (span.start, span.end) in self.targets:
            return target
        self.targets.add((span.start, span.end))
        pos, quote = URIRef(f"{target}/position"), URIRef(f"{target}/quote")
        add = self.g.add
        add((target, _TYPE, _RESOURCE))
        add((target, _SOURCE, self.source))
        add((target, _SELECTOR, pos))
        add((target, _SELECTOR, quote))
        add((pos, _TYPE, _POSITION))
        # xsd:integer rather than Web Annotation's xsd:nonNegativeInteger: the store keeps every
        # integer subtype as xsd:integer, and a graph must read back exactly as it was written.
        add((pos, _START, Literal(span.start, datatype=_INTEGER)))
        add((pos, _END, Literal(span.end, datatype=_INTEGER)))
        add((quote, _TYPE, _QUOTE))
        add((quote, _EXACT, Literal(span.text(self.doc.text))))
        return target

    def evidence(self, body: URIRef, span: Span, motivation: URIRef) -> None:
        ann = URIRef(f"{self.source}/evidence/{_h(body, span.start, span.end)}")
        add = self.g.add
        add((ann, _TYPE, _EVIDENCE))
        add((ann, _TYPE, _ANNOTATION))
        add((ann, _MOTIVATED, motivation))
        add((ann, _BODY, body))
        add((ann, _TARGET, self.target(span)))
        add((ann, _DERIVED, self.source))

    def write_source(self) -> None:
        g, s, doc = self.g, self.source, self.doc
        g.add((s, RDF.type, KG.PressRelease))
        g.add((s, DCTERMS.source, Literal(doc.source)))
        g.add((s, KG.contentHash, Literal(doc.content_hash)))
        g.add((s, DCTERMS.format, Literal(doc.media_type)))
        if doc.issued is not None:
            g.add((s, DCTERMS.issued, Literal(doc.issued.isoformat(), datatype=XSD.date)))
        if doc.title:
            g.add((s, DCTERMS.title, Literal(doc.title)))
        # the text itself, which evidence offsets point into (the document page shows it)
        g.add((s, SCHEMA.articleBody, Literal(doc.text)))

    def write_entities(self) -> None:
        g = self.g
        for entity in self.res.entities:
            node = self.iri(entity.local_id)
            g.add((node, RDF.type, KG[entity.kind.value]))
            g.add((node, RDFS.label, Literal(entity.label, lang="en")))
            for alt in sorted(entity.alt_labels):
                g.add((node, SKOS.altLabel, Literal(alt, lang="en")))
            g.add((self.source, KG.sourceOf, node))
            for name, value in entity.attrs.items():
                if name in ("start", "end") and isinstance(value, PartialDate):
                    g.add((node, KG.startDate if name == "start" else KG.endDate, date_literal(value)))
                elif name in _ATTR_LINKS and isinstance(value, str) and value in self.res.iri:
                    g.add((node, _ATTR_LINKS[name], self.iri(value)))
                elif name == "iso3" and entity.kind is Kind.STATE and isinstance(value, str):
                    g.add((node, KG.iso3, Literal(value)))
                elif name == "symbol" and isinstance(value, str):
                    g.add((node, KG.symbol, Literal(value)))
            for mention in entity.mentions:
                self.evidence(node, mention.span, OA.identifying)

    def write_relations(self) -> None:
        g, base = self.g, self.res.base
        holds_by_person: dict[str, list[tuple[URIRef, list[Span]]]] = {}
        for rel in self.res.relations:
            if rel.predicate not in RELATIONS:
                raise ValueError(f"unknown relation {rel.predicate!r}; known: {sorted(RELATIONS)}")
            s, o = self.iri(rel.subject), self.iri(rel.object)
            p = KG[rel.predicate]
            if rel.predicate == "holds" and rel.attrs.get("status") == "former":
                p = KG.heldFormerly  # a post held before the release is never stated as current
            g.add((s, p, o))
            st = URIRef(statement_iri(base, str(s), str(p), str(o)))
            g.add((st, RDF.type, KG.Statement))
            g.add((st, RDF.subject, s))
            g.add((st, RDF.predicate, p))
            g.add((st, RDF.object, o))
            for span in rel.evidence:
                self.evidence(st, span, OA.describing)
            if rel.predicate == "holds":
                holds_by_person.setdefault(rel.subject, []).append((o, rel.evidence))
                self.tenure(s, o, rel.attrs)
        for rel in self.res.relations:
            role = ROLE_PREDICATES.get(rel.predicate)
            obj = self.res.extraction.entity_or_none(rel.object)
            if role is None or obj is None or obj.kind is not Kind.EVENT:
                continue
            node = URIRef(f"{self.source}/role/{_h(rel.subject, rel.predicate, rel.object)}")
            g.add((node, RDF.type, KG.EventRole))
            g.add((node, KG.agent, self.iri(rel.subject)))
            g.add((node, KG.event, self.iri(rel.object)))
            g.add((node, KG.roleName, Literal(role)))
            g.add((node, KG.attestedIn, self.source))
            capacity = _capacity(holds_by_person.get(rel.subject, []), rel.evidence)
            if capacity is not None:
                g.add((node, KG.post, capacity))

    def tenure(self, person: URIRef, post: URIRef, attrs: dict[str, str | PartialDate]) -> None:
        g = self.g
        node = URIRef(f"{self.source}/tenure/{_h(person, post)}")
        g.add((node, RDF.type, KG.Tenure))
        g.add((node, KG.agent, person))
        g.add((node, KG.post, post))
        g.add((node, KG.attestedIn, self.source))
        if self.doc.issued is not None:
            g.add((node, KG.attestedOn, Literal(self.doc.issued.isoformat(), datatype=XSD.date)))
        status = attrs.get("status")
        if isinstance(status, str):
            g.add((node, KG.status, Literal(status)))
        for name, prop in (("start", KG.startDate), ("end", KG.endDate)):
            value = attrs.get(name)
            if isinstance(value, PartialDate):
                g.add((node, prop, date_literal(value)))

    def write_quotations(self) -> None:
        g = self.g
        for q in self.res.extraction.quotations:
            if q.speaker not in self.res.iri:
                continue
            node = URIRef(f"{self.source}/quote/{q.span.start}-{q.span.end}")
            g.add((node, RDF.type, KG.Quotation))
            g.add((node, SCHEMA.text, Literal(q.text)))
            g.add((node, KG.spokenBy, self.iri(q.speaker)))
            g.add((node, KG.attestedIn, self.source))
            if q.event is not None and q.event in self.res.iri:
                g.add((node, KG.event, self.iri(q.event)))
            self.evidence(node, q.span, OA.identifying)


def _capacity(held: list[tuple[URIRef, list[Span]]], evidence: list[Span]) -> URIRef | None:
    """The post a person holds according to the same sentence as their role, if exactly one."""
    posts = {post for post, spans in held if any(a == b for a in spans for b in evidence)}
    if len(posts) == 1:
        return next(iter(posts))
    all_posts = {post for post, _ in held}
    return next(iter(all_posts)) if len(all_posts) == 1 else None


def rdfize(resolution: Resolution) -> Graph:
    """The RDF graph of one resolved document."""
    writer = _Writer(resolution)
    writer.write_source()
    writer.write_entities()
    writer.write_relations()
    writer.write_quotations()
    return writer.g
