"""Finding entities by name: the label index behind ``/search`` and accent-insensitive paths.

Labels (rdfs:label, skos:altLabel, a press release's dcterms:title) of every entity under the base
are read once per store generation (a write bumps it) and folded: Unicode decomposed, accents
dropped, case folded, so ``jorg`` finds ``Jörg Ammann`` and ``/id/person/jorg-ammann`` leads to
``/id/person/jürg-lauber`` (and the other way round, for stores minted either way).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.namespaces import KG

if TYPE_CHECKING:
    from kg.endpoint.service import Endpoint
    from kg.store import GraphStore

#: The classes whose members are found by name, in the order results of equal score are listed.
KINDS = ("Person", "State", "Organization", "Post", "Event", "Document", "Place", "PressRelease")
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower case, accents dropped: ``Jörg Ammann`` -> ``jorg ammann``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@dataclass(frozen=True)
class Hit:
    iri: str
    label: str
    kind: str
    matched: str  # the label or alternative label that matched


@dataclass
class Index:
    #: (folded label, label, iri) for every label and alternative label
    labels: list[tuple[str, str, str]] = field(default_factory=list)
    #: iri -> (preferred label, kind)
    entities: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: folded IRI -> IRIs (two IRIs may fold alike)
    folded_iris: dict[str, list[str]] = field(default_factory=dict)

    def search(self, query: str, limit: int = 20) -> list[Hit]:
        """Entities whose label matches every word of ``query`` (as a word prefix), best first:
        the whole label, then the label's start, then words anywhere."""
        q = fold(query).strip()
        words = _WORD.findall(q)
        if not words:
            return []
        best: dict[str, tuple[int, str]] = {}
        for folded, label, iri in self.labels:
            tokens = _WORD.findall(folded)
            if not all(any(t.startswith(w) for t in tokens) for w in words):
                continue
            score = 3 if folded == q else 2 if folded.startswith(q) else 1
            if iri not in best or score > best[iri][0]:
                best[iri] = (score, label)
        order = {k: i for i, k in enumerate(KINDS)}
        ranked = sorted(
            best.items(),
            key=lambda kv: (
                -kv[1][0],
                order.get(self.entities[kv[0]][1], 99),
                len(self.entities[kv[0]][0]),
                self.entities[kv[0]][0],
            ),
        )
        return [Hit(iri, *self.entities[iri], matched) for iri, (_, matched) in ranked[:limit]]

    def same_iri(self, iri: str) -> str | None:
        """The one stored IRI that ``iri`` equals up to accents and case (None: none or several)."""
        found = self.folded_iris.get(fold(iri), [])
        return found[0] if len(found) == 1 and found[0] != iri else None


_lock = threading.Lock()
_cache: dict[tuple[int, int], Index] = {}


def index(endpoint: Endpoint) -> Index:
    """The index of the endpoint's store at its current generation (built here, in this thread)."""
    key = (id(endpoint), endpoint.generation)
    with _lock:
        if key in _cache:
            return _cache[key]
    built = _build(endpoint.store, endpoint.settings.base)
    with _lock:
        _cache.clear()
        _cache[key] = built
    return built


def _build(store: GraphStore, base: str) -> Index:
    kinds = " ".join(f"<{KG}{k}>" for k in KINDS)
    result = store.query(
        f"""SELECT ?e ?kind ?label ?alt WHERE {{
              VALUES ?kind {{ {kinds} }}
              ?e a ?kind .
              FILTER(STRSTARTS(STR(?e), "{base}"))
              {{ ?e <http://www.w3.org/2000/01/rdf-schema#label> ?label }}
              UNION {{ ?e <http://purl.org/dc/terms/title> ?label }}
              UNION {{ ?e <http://www.w3.org/2004/02/skos/core#altLabel> ?alt }}
            }}"""
    )
    assert isinstance(result, ox.QuerySolutions)
    out = Index()
    alternatives: list[tuple[str, str]] = []
    for row in result:
        iri = str(row["e"].value)
        kind = str(row["kind"].value).removeprefix(str(KG))
        label, alt = row["label"], row["alt"]
        if label is not None:
            out.entities.setdefault(iri, (str(label.value), kind))
            out.labels.append((fold(str(label.value)), str(label.value), iri))
        elif alt is not None:
            alternatives.append((iri, str(alt.value)))
    for iri, alt in alternatives:
        if iri in out.entities:
            out.labels.append((fold(alt), alt, iri))
    for iri in out.entities:
        out.folded_iris.setdefault(fold(iri), []).append(iri)
    return out
