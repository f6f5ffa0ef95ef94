"""Extraction: Document -> Extraction (entities with mentions, relations with evidence, quotations).

    from kg.extract import extract
    extraction = extract(document)

Deterministic and offline: a blank English spaCy tokenizer, gazetteer and sentence splitter built
once per process (``kg.extract.nlp``), then a fixed sequence of small components
(``kg.extract.pipeline``), each with its rule data in ``rules/`` (``kg.extract.resources``), passing
one ``kg.extract.annotation.Annotation`` of the document from one to the next.
"""

from __future__ import annotations

import sys
import time
import types
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from typing import Any, Final, Literal

from kg.errors import InputError
from kg.extract.annotation import Annotation
from kg.extract.backstop import Proposer, default_proposer
from kg.extract.finish import to_extraction
from kg.extract.pipeline import annotate, get_nlp
from kg.model import Document, Entity, Extraction, Kind, Mention, Quotation, Relation
from kg.model import Span as CharSpan

__all__ = ["extract"]


class _CallableModule(types.ModuleType):
    """``kg.extract(text)`` is the library's one-text call (``kg.api.extract``); importing this
    package binds ``kg.extract`` to it, so the package answers that call too."""

    def __call__(self, text: str, **options: Any) -> Any:
        from kg.api import extract as read_text

        return read_text(text, **options)


sys.modules[__name__].__class__ = _CallableModule

NOTHING_RECOGNISED = (
    "nothing could be extracted: no person, State, organisation, post, event or document was recognised"
)

#: Text longer than this is read in pieces of about this size, cut at paragraph (else line, else
#: sentence) breaks; entities with the same kind and key in two pieces are one entity.
CHUNK = 20_000


#: ``extract``'s default: the proposer the ``model`` setting names (none unless it is set).
FROM_SETTING: Final = "setting"


def extract(
    doc: Document,
    proposer: Proposer | Literal["setting"] | None = FROM_SETTING,
    budget: float | Literal["setting"] | None = FROM_SETTING,
) -> Extraction:
    """Read the entities, relations and quotations of one document.

    ``proposer`` proposes candidate names for the rules to check (``kg.extract.backstop``): by
    default the statistical model the ``model`` setting names, if any; ``None`` for rules only.
    ``budget``: the seconds the document may take (the ``extract_budget`` setting by default;
    ``None`` or 0: no limit); past it, an ``InputError`` names the document, and nothing of it is used.
    """
    chosen = default_proposer() if isinstance(proposer, str) else proposer
    seconds = default_budget() if isinstance(budget, str) else budget
    deadline = Deadline(doc.source, seconds or None)
    if len(doc.text) <= CHUNK:
        return _extract(doc, chosen, deadline)
    result = Extraction(document=doc)
    by_key: dict[tuple[Kind, str], Entity] = {}
    ids: dict[str, str] = {}
    counters: dict[Kind, int] = {}
    seen_relations: dict[tuple[str, str, str], Relation] = {}
    for offset, piece in _pieces(doc.text):
        part = _extract(
            replace(doc, text=piece) if offset == 0 else replace(doc, text=piece, dateline_place=None),
            chosen,
            deadline,
        )
        shift = _shifter(offset)
        result.sentences += [shift(s) for s in part.sentences]
        for w in part.warnings:
            if w not in result.warnings and not w.startswith("nothing could be extracted"):
                result.warnings.append(w)
        local: dict[str, str] = {}
        for e in part.entities:
            mentions = [Mention(shift(m.span), m.text, shift(m.sentence)) for m in e.mentions]
            merged = by_key.get((e.kind, e.key))
            if merged is None:
                n = counters[e.kind] = counters.get(e.kind, 0) + 1
                merged = Entity(f"{e.local_id.rsplit('-', 1)[0]}-{n}", e.kind, e.label, e.key, [], set(), {})
                by_key[(e.kind, e.key)] = merged
                result.entities.append(merged)
            merged.mentions += mentions
            merged.alt_labels |= e.alt_labels | ({e.label} - {merged.label})
            local[e.local_id] = merged.local_id
            for k, v in e.attrs.items():
                merged.attrs.setdefault(k, v)
        for e in part.entities:
            target = by_key[(e.kind, e.key)]
            for k, v in list(target.attrs.items()):
                if isinstance(v, str) and v in local and k in ("location", "of", "country"):
                    target.attrs[k] = local[v]
        for r in part.relations:
            key = (local[r.subject], r.predicate, local[r.object])
            rel = seen_relations.get(key)
            if rel is None:
                rel = seen_relations[key] = Relation(*key, evidence=[])
                result.relations.append(rel)
            rel.evidence += [shift(s) for s in r.evidence]
            for k, v in r.attrs.items():
                rel.attrs.setdefault(k, v)
        for q in part.quotations:
            result.quotations.append(
                Quotation(shift(q.span), q.text, local[q.speaker], local[q.event] if q.event else None)
            )
        ids.update(local)
    if not result.entities:
        result.warnings.append(NOTHING_RECOGNISED)
    return result


def _pieces(text: str) -> list[tuple[int, str]]:
    """Cut ``text`` into pieces of at most about CHUNK characters at the best break available."""
    out: list[tuple[int, str]] = []
    start = 0
    while start < len(text):
        end = min(start + CHUNK, len(text))
        if end < len(text):
            for sep in ("\n\n", "\n", ". ", " "):
                cut = text.rfind(sep, start + CHUNK // 2, end)
                if cut > start:
                    end = cut + len(sep)
                    break
        out.append((start, text[start:end]))
        start = end
    return out


def _shifter(offset: int) -> Callable[[CharSpan], CharSpan]:
    return lambda span: CharSpan(span.start + offset, span.end + offset)


class Deadline:
    """The time a document's extraction may take, checked between components and pieces."""

    def __init__(self, source: str, seconds: float | None) -> None:
        self.source = source
        self.seconds = seconds
        self.until = time.monotonic() + seconds if seconds else None

    def check(self) -> None:
        if self.until is not None and time.monotonic() > self.until:
            raise InputError(
                self.source,
                f"extraction took longer than {self.seconds:g} s (the extract_budget setting)",
                "split the file, or raise KG_EXTRACT_BUDGET",
            )


@cache
def default_budget() -> float:
    """The ``extract_budget`` setting (flag-less: environment, config file, default)."""
    from kg import settings

    return float(settings.load().extract_budget)


def _extract(doc: Document, proposer: Proposer | None, deadline: Deadline) -> Extraction:
    result = Extraction(document=doc)
    if not doc.text.strip():
        result.warnings.append("nothing could be extracted: the text is empty")
        return result
    get_nlp()
    ann = Annotation(doc)
    if not ann.sents:
        result.warnings.append("nothing could be extracted: the text has no sentences")
        return result
    if proposer is not None:
        ann.candidates = list(proposer(doc.text))
    annotate(ann, deadline.check)
    to_extraction(ann, result)
    if not result.entities:
        result.warnings.append(NOTHING_RECOGNISED)
    return result
