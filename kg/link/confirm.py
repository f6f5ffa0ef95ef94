"""Links a person confirmed: ``owl:sameAs`` (and ``skos:exactMatch``), from a reviewed TSV/CSV file.

The file (tab- or comma-separated, by extension ``.tsv``/``.csv``; a header row is optional) has the
columns ``subject`` (an entity IRI in the store), ``target`` (an http(s) IRI), and optionally
``date`` (YYYY-MM-DD, the review date; default: the file's modification date) and ``reviewer``.
Lines starting with ``#`` are comments. The file is the complete list: ``kg link --confirm FILE``
replaces the graph ``<base>graph/links-confirmed`` with it (keep the file under version control).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.errors import InputError
from kg.link.records import Candidate, LinkDecision, graph_triples
from kg.store import GraphStore

METHOD = "person-confirmed"


@dataclass(frozen=True)
class Confirmation:
    subject: str
    target: str
    date: dt.date
    reviewer: str = ""


def _iri(value: str) -> bool:
    return value.startswith(("http://", "https://")) and not any(c in value for c in ' <>"{}|\\^`')


def read_confirmations(path: Path) -> list[Confirmation]:
    try:
        text = path.read_text(encoding="utf-8")
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date()
    except OSError as exc:
        raise InputError(str(path), f"cannot read the confirmation file: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(str(path), "not UTF-8 text", "save the file as UTF-8") from None
    delimiter = "," if path.suffix.lower() == ".csv" else "\t"
    out: list[Confirmation] = []
    for n, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        cells = [c.strip() for c in row]
        if not cells or not any(cells) or cells[0].startswith("#"):
            continue
        if n == 1 and cells[0].lower() == "subject":
            continue
        if len(cells) < 2:
            raise InputError(
                f"{path}:{n}", "expected subject and target IRIs", "separate them with a tab or comma"
            )
        subject, target = cells[0], cells[1]
        for what, value in (("subject", subject), ("target", target)):
            if not _iri(value):
                raise InputError(f"{path}:{n}", f"{what} {value!r} is not an http(s) IRI")
        date = modified
        if len(cells) > 2 and cells[2]:
            try:
                date = dt.date.fromisoformat(cells[2])
            except ValueError:
                raise InputError(f"{path}:{n}", f"date {cells[2]!r} is not YYYY-MM-DD") from None
        out.append(Confirmation(subject, target, date, cells[3] if len(cells) > 3 else ""))
    return out


def confirmed_graph_iri(base: str) -> str:
    return f"{base}graph/links-confirmed"


def confirmed_decisions(store: GraphStore, path: Path) -> list[LinkDecision]:
    """The decisions of a reviewed file, checked against the store (nothing is written)."""
    rows = read_confirmations(path)
    for row in rows:
        if not bool(store.query(f"ASK {{ <{row.subject}> ?p ?o }}")):
            raise InputError(
                str(path), f"{row.subject} is not in the store", "check the IRI (kg query) or build first"
            )
    decisions = [
        LinkDecision(
            subject=r.subject,
            method=METHOD,
            decision="confirmed",
            score=1.0,
            threshold=1.0,
            source=path.name + (f" (reviewed by {r.reviewer})" if r.reviewer else ""),
            generated=dt.datetime(r.date.year, r.date.month, r.date.day, tzinfo=dt.UTC),
            target=r.target,
            matched_on="confirmed by a person",
            candidates=(Candidate(r.target, 1.0),),
        )
        for r in rows
    ]
    return decisions


def write_confirmed(store: GraphStore, decisions: list[LinkDecision]) -> None:
    triples: list[ox.Triple] = graph_triples(store.base, decisions)
    store.replace_graph(confirmed_graph_iri(store.base), triples)


def confirm_links(store: GraphStore, path: Path) -> list[LinkDecision]:
    """Replace ``graph/links-confirmed`` with the links of ``path`` (each subject must be in the store)."""
    decisions = confirmed_decisions(store, path)
    write_confirmed(store, decisions)
    return decisions


__all__ = [
    "METHOD",
    "Confirmation",
    "confirm_links",
    "confirmed_decisions",
    "confirmed_graph_iri",
    "read_confirmations",
    "write_confirmed",
]
