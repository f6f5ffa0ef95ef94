"""JSON-LD that people can read: an ``@context`` with kg's prefixes, compact IRIs, ``@type``.

pyoxigraph writes expanded JSON-LD (full IRIs everywhere, no context). ``compact`` rewrites that
document into the same graph with a context: every IRI that starts with a declared namespace is
written as ``prefix:local``, ``rdf:type`` becomes ``@type``, and the nodes sit under ``@graph``.
Nothing else changes, so the result parses back to exactly the input graph (tested by graph
isomorphism in tests/test_jsonld.py).
"""

from __future__ import annotations

import json
from typing import Any

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


class _Compactor:
    def __init__(self, prefixes: dict[str, str]) -> None:
        # longest namespace first, so ``id:`` never shadows a longer, more specific one
        self.spaces = sorted(((ns, p) for p, ns in prefixes.items() if ns), key=lambda x: -len(x[0]))
        self.used: dict[str, str] = {}

    def iri(self, value: str) -> str:
        for ns, prefix in self.spaces:
            if value.startswith(ns) and len(value) > len(ns):
                local = value[len(ns) :]
                if local.startswith("//"):  # JSON-LD would read prefix://... as an absolute IRI
                    continue
                self.used[prefix] = ns
                return f"{prefix}:{local}"
        return value

    def value(self, obj: dict[str, Any]) -> dict[str, Any]:
        out = dict(obj)
        if "@id" in out and not str(out["@id"]).startswith("_:"):
            out["@id"] = self.iri(out["@id"])
        if "@type" in out and "@value" in out:
            out["@type"] = self.iri(out["@type"])
        return out

    def node(self, node: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, values in node.items():
            if key == "@id":
                out["@id"] = values if str(values).startswith("_:") else self.iri(values)
            elif key == RDF_TYPE and all(set(v) == {"@id"} for v in values):
                out["@type"] = [
                    self.iri(v["@id"]) if not v["@id"].startswith("_:") else v["@id"] for v in values
                ]
            elif key == "@graph":
                out["@graph"] = [self.node(n) for n in values]
            elif key.startswith("@"):
                out[key] = values
            else:
                out[self.iri(key)] = [self.value(v) if isinstance(v, dict) else v for v in values]
        return out


def compact(expanded: bytes | str, prefixes: dict[str, str]) -> bytes:
    """Expanded JSON-LD (as pyoxigraph writes it) -> the same graph with an ``@context``.

    Only the prefixes the document uses go into the context, in name order."""
    data = json.loads(expanded)
    nodes = data if isinstance(data, list) else data.get("@graph", [data])
    compactor = _Compactor(prefixes)
    graph = [compactor.node(n) for n in nodes]
    context = {p: compactor.used[p] for p in sorted(compactor.used)}
    doc = {"@context": context, "@graph": graph}
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
