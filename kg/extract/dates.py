"""Date expressions in running text, normalised against a reference date at their own granularity.

"today" and "6 December" are days, "February 2018", "in July" and "mid-January" are months,
"in 2018" and "the end of 2018" are years. A day or month without a year takes the year of an
explicit date earlier in the same sentence, else the reference date's year.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from kg.model import PartialDate
from kg.text import MONTH_RE, month_number

_M = MONTH_RE.replace("(?:", "(?:", 1)
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"

#: (kind, regex) in priority order; earlier patterns win where they overlap.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("day_range", re.compile(rf"\b{_DAY}\s*(?:-|to|and|until)\s*{_DAY}\s+({_M})(?:,?\s+(\d{{4}}))?\b")),
    ("month_day_range", re.compile(rf"\b({_M})\s+{_DAY}\s*(?:-|to|and)\s*{_DAY}(?:,?\s+(\d{{4}}))?\b")),
    ("month_year_range", re.compile(rf"\b({_M})\s+(\d{{4}})\s*(?:-|to|until)\s*({_M})\s+(\d{{4}})\b")),
    ("month_range", re.compile(rf"\b({_M})\s*(?:-|to|and|through|until)\s*({_M})\s+(\d{{4}})\b")),
    ("dmy", re.compile(rf"\b{_DAY}\s+({_M}),?\s+(\d{{4}})\b")),
    ("mdy", re.compile(rf"\b({_M})\s+{_DAY},?\s+(\d{{4}})\b")),
    ("iso", re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")),
    (
        "part_month",
        re.compile(rf"\b(mid|early|late|end of|beginning of|the end of)[- ]({_M})(?:\s+(\d{{4}}))?\b", re.I),
    ),
    (
        "part_year",
        re.compile(r"\b(?:the )?(end|beginning|start|middle|first half|second half) of (\d{4})\b", re.I),
    ),
    ("month_year", re.compile(rf"\b({_M})\s+(\d{{4}})\b")),
    ("dm", re.compile(rf"\b{_DAY}\s+({_M})\b")),
    ("md", re.compile(rf"\b({_M})\s+{_DAY}\b(?![,:]?\s*\d)")),
    ("month", re.compile(rf"\b(?:in|by|until|since|from|of|during|before|after)\s+({_M})\b(?!\s+\d)")),
    (
        "year",
        re.compile(r"\b(?:in|by|until|since|from|of|during|before|after|for)\s+((?:19|20)\d{2})\b(?![-/]\d)"),
    ),
    (
        "relative",
        re.compile(r"\b(today|tomorrow|yesterday|tonight|this morning|this afternoon|this evening)\b", re.I),
    ),
]

#: What every pattern above needs somewhere in the text (a digit, a month name or a relative day):
#: a text without any is skipped at once.
_ANY_DATE = re.compile(rf"\d|{_M}|today|tomorrow|yesterday|tonight|this (?:morning|afternoon|evening)", re.I)

_ANY_MONTH = re.compile(_M, re.I)
#: The patterns that cannot match without a month name.
_NEED_MONTH = frozenset(kind for kind, pattern in _PATTERNS if _M in pattern.pattern)
assert {"relative", "iso", "year", "part_year"}.isdisjoint(_NEED_MONTH) and len(_NEED_MONTH) == 11
#: The patterns that cannot match without a digit (every one but these three).
_NEED_DIGIT = frozenset(kind for kind, _ in _PATTERNS) - {"month", "part_month", "relative"}

_RELATIVE = {
    "today": 0,
    "tonight": 0,
    "this morning": 0,
    "this afternoon": 0,
    "this evening": 0,
    "tomorrow": 1,
    "yesterday": -1,
}


@dataclass(frozen=True)
class DateMention:
    """A date expression at ``[start, end)`` with its normalised start and (for ranges) end."""

    start: int
    end: int
    kind: str
    first: PartialDate | None
    last: PartialDate | None

    @property
    def is_range(self) -> bool:
        return self.last is not None and self.last != self.first


def _month(name: str) -> int:
    return month_number(name)


def _day(year: int, month: int, day: int) -> PartialDate | None:
    try:
        dt.date(year, month, day)
    except ValueError:
        return None
    return PartialDate(year, month, day)


def find_dates(text: str, reference: dt.date | None, sentence_year: int | None = None) -> list[DateMention]:
    """All date expressions in ``text`` (one sentence, ideally), earliest first, non-overlapping.

    ``reference`` is the date "today" refers to (the dateline's date, else the release date);
    without it, relative expressions and dates without a year are left unresolved (None).
    """
    if not _ANY_DATE.search(text):
        return []
    has_month = bool(_ANY_MONTH.search(text))
    has_digit = any(c.isdigit() for c in text)
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, int, str, re.Match[str]]] = []
    for kind, pattern in _PATTERNS:
        if (not has_month and kind in _NEED_MONTH) or (not has_digit and kind in _NEED_DIGIT):
            continue
        for m in pattern.finditer(text):
            s, e = m.start(), m.end()
            if kind in ("month", "year"):
                s = m.start(1)
            if any(s < te and ts < e for ts, te in taken):
                continue
            taken.append((s, e))
            found.append((s, e, kind, m))
    found.sort(key=lambda f: f[0])
    out: list[DateMention] = []
    year_ctx = sentence_year
    ref_year = reference.year if reference else None
    for s, e, kind, m in found:
        default_year = year_ctx or ref_year
        first = last = None
        g = m.groups()
        if kind == "day_range":
            year = int(g[3]) if g[3] else default_year
            if year:
                first, last = _day(year, _month(g[2]), int(g[0])), _day(year, _month(g[2]), int(g[1]))
        elif kind == "month_day_range":
            year = int(g[3]) if g[3] else default_year
            if year:
                first, last = _day(year, _month(g[0]), int(g[1])), _day(year, _month(g[0]), int(g[2]))
        elif kind == "month_year_range":
            first, last = PartialDate(int(g[1]), _month(g[0])), PartialDate(int(g[3]), _month(g[2]))
        elif kind == "month_range":
            first, last = PartialDate(int(g[2]), _month(g[0])), PartialDate(int(g[2]), _month(g[1]))
        elif kind == "dmy":
            first = _day(int(g[2]), _month(g[1]), int(g[0]))
        elif kind == "mdy":
            first = _day(int(g[2]), _month(g[0]), int(g[1]))
        elif kind == "iso":
            first = _day(int(g[0]), int(g[1]), int(g[2]))
        elif kind == "part_month":
            year = int(g[2]) if g[2] else default_year
            if year:
                first = PartialDate(year, _month(g[1]))
        elif kind == "part_year":
            first = PartialDate(int(g[1]))
        elif kind == "month_year":
            first = PartialDate(int(g[1]), _month(g[0]))
        elif kind == "dm":
            if default_year:
                first = _day(default_year, _month(g[1]), int(g[0]))
        elif kind == "md":
            if default_year:
                first = _day(default_year, _month(g[0]), int(g[1]))
        elif kind == "month":
            if default_year:
                first = PartialDate(default_year, _month(g[0]))
        elif kind == "year":
            first = PartialDate(int(g[0]))
        elif kind == "relative" and reference is not None:
            first = PartialDate.from_date(reference + dt.timedelta(days=_RELATIVE[g[0].lower()]))
        if first is not None:
            year_ctx = (last or first).year if kind not in ("relative",) else year_ctx
        out.append(DateMention(s, e, kind, first, last if last != first else None))
    return out


def resolve_day_month(day: int, month: int, reference: dt.date) -> dt.date | None:
    """The date of "6 December" as meant in a text written on ``reference`` (nearest such day)."""
    best: dt.date | None = None
    for year in (reference.year - 1, reference.year, reference.year + 1):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if best is None or abs((candidate - reference).days) < abs((best - reference).days):
            best = candidate
    return best
