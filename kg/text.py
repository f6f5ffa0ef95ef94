"""Text handling shared by ingestion and extraction.

``normalize`` swaps typographic characters one-for-one (no-break spaces, non-breaking hyphens,
curly quotes, dashes), so a character offset in the normalised text is the same offset in the
original. ``parse_header`` reads a press release's release date, headline and dateline
("PUERTO VALLARTA, Mexico, 6 December —").
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from dataclasses import dataclass
from functools import cache

from kg.resources import data_dir

_ONE_FOR_ONE = str.maketrans(
    {
        "\u00a0": " ",  # no-break space
        "\u202f": " ",  # narrow no-break space
        "\u2007": " ",  # figure space
        "\u2009": " ",  # thin space
        "\u2002": " ",
        "\u2003": " ",
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2012": "-",
        "\u00ad": "-",  # soft hyphen (kept one-for-one)
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2015": "-",
        "\u2212": "-",
        "\ufeff": " ",
    }
)


_REPLACEMENTS = tuple((chr(code), str(value)) for code, value in _ONE_FOR_ONE.items())


def normalize(text: str) -> str:
    """Return ``text`` with typographic characters replaced one-for-one (same length)."""
    # one str.replace per character is some 40 times faster than str.translate with a dict table
    out = text
    for char, replacement in _REPLACEMENTS:
        if char in out:
            out = out.replace(char, replacement)
    assert len(out) == len(text)
    return out


MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
MONTH_RE = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
)

_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})\s+({MONTH_RE})\s+(\d{{4}})\b", re.I)
_MONTH_DAY_YEAR = re.compile(rf"\b({MONTH_RE})\s+(\d{{1,2}}),?\s+(\d{{4}})\b", re.I)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def month_number(name: str) -> int:
    return MONTHS[name.lower().rstrip(".")]


def find_full_date(text: str) -> tuple[dt.date, int, int] | None:
    """The first complete calendar date in ``text`` with its offsets, in any common form."""
    best: tuple[dt.date, int, int] | None = None
    for pattern, order in ((_DAY_MONTH_YEAR, "dmy"), (_MONTH_DAY_YEAR, "mdy"), (_ISO, "ymd")):
        m = pattern.search(text)
        if not m:
            continue
        try:
            if order == "dmy":
                value = dt.date(int(m[3]), month_number(m[2]), int(m[1]))
            elif order == "mdy":
                value = dt.date(int(m[3]), month_number(m[1]), int(m[2]))
            else:
                value = dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            continue
        if best is None or m.start() < best[1]:
            best = (value, m.start(), m.end())
    return best


@dataclass(frozen=True)
class Header:
    """What the first lines of a press release say about it."""

    issued: dt.date | None = None
    title: str | None = None
    dateline_place: str | None = None
    dateline_country: str | None = None


# "PUERTO VALLARTA, Mexico, 6 December —" / "GENEVA (9 December 2024) -" / "NEW YORK, 12 June -"
_DATE_TEXT = r"(?:\d{1,2}\s+" + MONTH_RE + r"(?:\s+\d{4})?|" + MONTH_RE + r"\s+\d{1,2}(?:,\s*\d{4})?)"
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z .'\-]{1,40}[A-Z])"
    r"(?:,\s*(?P<country>[A-Z][A-Za-z .'\-]{1,40}?))?"
    r"(?:,\s*|\s*\(\s*|\s+)(?P<date>" + _DATE_TEXT + r")"
    r"(?:\s*\((?P<note>[^)\n]{1,40})\))?"
    r"\s*\)?\s*[-:]",
    re.M,
)
# "13 March 2015, SENDAI -" (date first) and "GENEVA -" (no date)
_DATELINE_DATE_FIRST = re.compile(
    r"^(?P<date>"
    + _DATE_TEXT
    + r"),\s*(?P<place>[A-Z][A-Z .'\-]{1,40}[A-Z])(?:,\s*(?P<country>[A-Z][A-Za-z .'\-]{1,40}?))?\s*[-:]",
    re.M,
)
_DATELINE_NO_DATE = re.compile(
    r"^(?P<place>[A-Z][A-Z .'\-]{2,40}[A-Z])(?:,\s*(?P<country>[A-Z][A-Za-z .'\-]{1,40}?))?\s+-\s", re.M
)
# "19 September 2016: UN Member States ..." (a release date opening the first paragraph)
_LEADING_DATE = re.compile(
    r"^(?P<date>\d{1,2}\s+" + MONTH_RE + r"\s+\d{4}|" + MONTH_RE + r"\s+\d{1,2},\s*\d{4})\s*[:,]\s", re.M
)


@dataclass(frozen=True)
class Dateline:
    """The dateline of a release with the offsets of its parts (offsets into the text as given)."""

    place: str
    place_start: int
    place_end: int
    country: str | None
    country_start: int | None
    date_text: str | None
    end: int


def find_dateline(text: str, limit: int = 5000) -> Dateline | None:
    """The first dateline in the opening ``limit`` characters, in any of the usual layouts."""
    norm = normalize(text[:limit])
    best: tuple[int, re.Match[str]] | None = None
    for pattern in (_DATELINE, _DATELINE_DATE_FIRST, _DATELINE_NO_DATE):
        m = pattern.search(norm)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), m)
    if best is None:
        return None
    m = best[1]
    place = m["place"].strip()
    if len(place.split()) > 5:
        return None
    return Dateline(
        place=_title_case_place(place),
        place_start=m.start("place"),
        place_end=m.start("place") + len(place),
        country=m["country"].strip() if m["country"] else None,
        country_start=m.start("country") if m["country"] else None,
        date_text=m.groupdict().get("date"),
        end=m.end(),
    )


def _title_case_place(place: str) -> str:
    return " ".join(w.capitalize() if w.isupper() else w for w in place.split())


@cache
def _furniture() -> tuple[tuple[str, ...], frozenset[str]]:
    with (data_dir("rules") / "furniture.json").open(encoding="utf-8") as f:
        rules = json.load(f)
    return tuple(rules["line_prefixes"]), frozenset(rules["whole_lines"])


_MEETING_HEADER = re.compile(r"^\d+(?:st|nd|rd|th) (?:Meeting|Session)s?(?: \((?:AM|PM|Night)\))?,?$", re.I)
_SYMBOL_LINE = re.compile(r"^[A-Z]{1,8}(?:/[A-Z0-9.\-]+)+$")
_ISO_NEAR_START = re.compile(r"^\W{0,3}(?:date\s*:?\s*)?(\d{4})-(\d{2})-(\d{2})\b", re.I)


def is_furniture(line: str) -> bool:
    """Whether a line is page furniture (menus, sharing, a date or a time of day alone, a meeting
    header): ``rules/furniture.json``."""
    low = " ".join(line.lower().split())
    if not low:
        return False
    prefixes, whole = _furniture()
    if low in whole or low.startswith(prefixes):
        return True
    if _MEETING_HEADER.match(line.strip()):
        return True
    found = find_full_date(line)
    if found is None:
        return False
    rest = line.replace(line[found[1] : found[2]], "")
    return len(re.sub(r"[\W\d_]+", " ", rest).split()) <= 1  # a date (and a weekday) alone


def _title_candidate(line: str) -> bool:
    if not 10 <= len(line) <= 300 or line.endswith((":", ",")) or line[:1].islower():
        return False
    if _DATELINE.match(line) or _DATELINE_DATE_FIRST.match(line) or _LEADING_DATE.match(line):
        return False
    return not (_SYMBOL_LINE.match(line) or is_furniture(line) or _ISO_NEAR_START.match(line))


def parse_header(text: str, max_lines: int = 12) -> Header:
    """Read release date, headline and dateline from the first lines of ``text``.

    The release date is the first complete date among the opening lines (a short line of its own,
    a date opening a line and followed by ":" or ",", an ISO date opening the text, or a date in
    brackets closing the headline); the headline is the first line that is neither furniture
    (``is_furniture``: menus, sharing lines, a date or time alone), a dateline, a symbol nor a
    fragment (it starts in lower case or ends with ":" or ","), preferring a line that is not a
    full sentence; the dateline is the first line that starts with an upper-case place name
    followed by a date and a dash (or a date, a comma and the place).
    """
    norm = normalize(text)
    lines = [line.strip() for line in norm.splitlines()][: max_lines * 4]
    nonempty = [line for line in lines if line][:max_lines]
    issued = None
    titles: list[str] = []
    for line in nonempty:
        found = find_full_date(line)
        leading = _LEADING_DATE.match(line)
        iso = _ISO_NEAR_START.match(line)
        if issued is None and iso:
            with contextlib.suppress(ValueError):
                issued = dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
        if (
            issued is None
            and found
            and (len(line) < 80 or (leading and found[1] == 0) or _closing_date(line, found))
        ):
            issued = found[0]
        if _title_candidate(line) and not (found and len(line) < 40):
            titles.append(_without_closing_date(line))
    title = next((t for t in titles if not t.endswith(".")), titles[0] if titles else None)
    if (
        title is not None
        and titles
        and title != titles[0]
        and nonempty.index(next(x for x in nonempty if _without_closing_date(x) == title)) > 4
    ):
        title = titles[0]
    dateline = find_dateline(text)
    place = country = None
    if dateline is not None:
        place, country = dateline.place, dateline.country
        if issued is None and dateline.date_text:
            found = find_full_date(dateline.date_text)
            if found:
                issued = found[0]
    return Header(issued=issued, title=title, dateline_place=place, dateline_country=country)


def _closing_date(line: str, found: tuple[dt.date, int, int]) -> bool:
    """A date in brackets closing a headline: "... - Statement by X (July 20, 2015)"."""
    return line[found[2] :].strip() == ")" and line[: found[1]].rstrip().endswith("(")


def _without_closing_date(line: str) -> str:
    found = find_full_date(line)
    if found and _closing_date(line, found):
        return line[: found[1]].rstrip().rstrip("(").rstrip()
    return line
