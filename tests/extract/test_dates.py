"""Date expressions normalised against the release date, at their own granularity."""

from __future__ import annotations

import datetime as dt

import pytest

from kg.extract.dates import find_dates, resolve_day_month
from kg.model import PartialDate

REF = dt.date(2019, 11, 14)


def _first(text: str) -> tuple[PartialDate | None, PartialDate | None]:
    found = find_dates(text, REF)
    assert found, text
    return found[0].first, found[0].last


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("The session concluded today.", PartialDate(2019, 11, 14), None),
        ("It opens tomorrow.", PartialDate(2019, 11, 15), None),
        ("It closed yesterday.", PartialDate(2019, 11, 13), None),
        ("It opened on 12 November.", PartialDate(2019, 11, 12), None),
        ("It met on 3 March 2015.", PartialDate(2015, 3, 3), None),
        ("It met on March 3, 2015.", PartialDate(2015, 3, 3), None),
        ("Talks start in February 2020.", PartialDate(2020, 2), None),
        ("A report is due before mid-January.", PartialDate(2019, 1), None),
        ("The conference is planned for the end of 2020.", PartialDate(2020), None),
        ("The first one took place in 1994.", PartialDate(1994), None),
        ("It ran from 4 to 6 December 2017.", PartialDate(2017, 12, 4), PartialDate(2017, 12, 6)),
        ("Sessions were held April-November 2017.", PartialDate(2017, 4), PartialDate(2017, 11)),
        ("It lasted from November 2017-January 2018.", PartialDate(2017, 11), PartialDate(2018, 1)),
        ("They meet 10 and 11 December 2018.", PartialDate(2018, 12, 10), PartialDate(2018, 12, 11)),
    ],
)
def test_date_expressions(text: str, first: PartialDate, last: PartialDate | None) -> None:
    assert _first(text) == (first, last)


def test_a_month_stays_a_month() -> None:
    (date, _) = _first("Negotiations begin in February 2018.")
    assert date is not None and date.iso() == "2018-02"


def test_bare_month_takes_the_year_of_an_earlier_date_in_the_sentence() -> None:
    found = find_dates("Negotiations begin in February 2018 and conclude in July.", REF)
    assert [d.first for d in found] == [PartialDate(2018, 2), PartialDate(2018, 7)]


def test_without_reference_relative_dates_stay_unresolved() -> None:
    found = find_dates("The meeting concluded today.", None)
    assert found and found[0].first is None


def test_day_month_resolves_to_the_nearest_year() -> None:
    assert resolve_day_month(30, 12, dt.date(2020, 1, 2)) == dt.date(2019, 12, 30)
    assert resolve_day_month(2, 1, dt.date(2019, 12, 30)) == dt.date(2020, 1, 2)
