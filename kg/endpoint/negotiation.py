"""Content negotiation: Accept headers with q-values and wildcards -> one of the formats offered.

Result formats (SELECT, ASK) and RDF formats (CONSTRUCT, DESCRIBE, graphs) are separate lists; the
first entry of each is the default, used when the client sends no Accept or ``*/*``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Format:
    key: str  # a short name, also accepted as ?format=
    media_type: str
    aliases: tuple[str, ...] = ()
    quads: bool = False

    def names(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)


RESULT_FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", ("application/json",)),
    Format("xml", "application/sparql-results+xml", ("application/xml", "text/xml")),
    Format("csv", "text/csv"),
    Format("tsv", "text/tab-separated-values"),
)

RDF_FORMATS: tuple[Format, ...] = (
    Format("ttl", "text/turtle", ("application/x-turtle",)),
    Format("nt", "application/n-triples", ("text/plain",)),
    Format("jsonld", "application/ld+json", ("application/json",)),
    Format("rdfxml", "application/rdf+xml", ("application/xml", "text/xml")),
    Format("trig", "application/trig", quads=True),
    Format("nq", "application/n-quads", quads=True),
)

HTML = Format("html", "text/html", ("application/xhtml+xml",))

BY_KEY = {f.key: f for f in (*RESULT_FORMATS, *RDF_FORMATS, HTML)}


def _ranges(accept: str) -> list[tuple[str, str, float]]:
    out: list[tuple[str, str, float]] = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        main, _, sub = fields[0].lower().partition("/")
        q = 1.0
        for f in fields[1:]:
            k, _, v = f.partition("=")
            if k.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(v)))
                except ValueError:
                    q = 0.0
        out.append((main, sub or "*", q))
    return out


def _quality(name: str, ranges: list[tuple[str, str, float]]) -> tuple[float, int]:
    """(q, specificity) of the most specific range matching media type ``name``."""
    main, _, sub = name.partition("/")
    best: tuple[int, float] | None = None
    for rmain, rsub, q in ranges:
        if rmain == main and rsub == sub:
            spec = 2
        elif rmain == main and rsub == "*":
            spec = 1
        elif rmain == "*" and rsub == "*":
            spec = 0
        else:
            continue
        if best is None or spec > best[0]:
            best = (spec, q)
    return (0.0, -1) if best is None else (best[1], best[0])


def negotiate(accept: str | None, offered: tuple[Format, ...]) -> Format | None:
    """The offered format the Accept header prefers (ties: the server's order); None: 406."""
    if not accept or not accept.strip():
        return offered[0]
    ranges = _ranges(accept)
    best: tuple[float, int, int, int] | None = None
    chosen: Format | None = None
    for pos, fmt in enumerate(offered):
        for name in fmt.names():
            q, spec = _quality(name, ranges)
            canonical = name == fmt.media_type
            if q <= 0 or (not canonical and spec < 2):  # aliases count only when named exactly
                continue
            rank = (q, spec, int(canonical), -pos)
            if best is None or rank > best:
                best, chosen = rank, fmt
    return chosen


ALIASES = {
    "turtle": "ttl",
    "n-triples": "nt",
    "ntriples": "nt",
    "json-ld": "jsonld",
    "rdf": "rdfxml",
    "n-quads": "nq",
    "nquads": "nq",
}


@lru_cache(maxsize=1024)  # pure, and clients send the same few Accept headers over and over
def pick(accept: str | None, offered: tuple[Format, ...], key: str | None) -> Format | None:
    """``?format=key`` (for download links) wins over Accept when it names an offered format;
    otherwise (absent, or meant for another result kind, as clients such as SPARQLWrapper send
    ``format=json`` with every query) the Accept header is negotiated."""
    if key:
        fmt = BY_KEY.get(ALIASES.get(key.lower(), key.lower()))
        if fmt is None:
            fmt = next((f for f in offered if f.media_type == key.lower()), None)
        if fmt in offered:
            return fmt
    return negotiate(accept, offered)
