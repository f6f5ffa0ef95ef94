"""kg.text: offset-preserving normalisation, the header and the dateline."""

from __future__ import annotations

import datetime as dt

import pytest

from kg.text import find_dateline, normalize, parse_header


def test_normalize_keeps_offsets() -> None:
    text = "Secretary\u2011General\u00a0said \u201cyes\u201d \u2014 twice"
    out = normalize(text)
    assert len(out) == len(text)
    assert out == 'Secretary-General said "yes" - twice'


@pytest.mark.parametrize(
    ("text", "place", "country", "date_text"),
    [
        ("ALDERBURG, Norland, 6 December \u2014 The meeting ended.", "Alderburg", "Norland", "6 December"),
        ("GENEVA (9 December 2024) - The Council met.", "Geneva", None, "9 December 2024"),
        ("NEW YORK, 12 June -- The Assembly met.", "New York", None, "12 June"),
        ("13 March 2015, SENDAI \u2013 The world gathers.", "Sendai", None, "13 March 2015"),
        ("GENEVA \u2013 The Council elected a President.", "Geneva", None, None),
        ("NEW YORK, 7 November (UN Headquarters) -- The Assembly met.", "New York", None, "7 November"),
    ],
)
def test_dateline(text: str, place: str, country: str | None, date_text: str | None) -> None:
    dateline = find_dateline("Headline of the day\n\n" + text)
    assert dateline is not None
    assert (dateline.place, dateline.country, dateline.date_text) == (place, country, date_text)
    offset = len("Headline of the day\n\n")
    assert text[dateline.place_start - offset : dateline.place_end - offset].title() == place


def test_no_dateline_in_ordinary_prose() -> None:
    assert find_dateline("The Council met today and adopted a text.\nIt will meet again.") is None


def test_header_release_date_and_headline() -> None:
    header = parse_header(
        "4 May 2021\n\nCouncil Adopts Water Resolution\n\nALDERBURG, Norland, 3 May \u2014 Text."
    )
    assert header.issued == dt.date(2021, 5, 4)
    assert header.title == "Council Adopts Water Resolution"
    assert (header.dateline_place, header.dateline_country) == ("Alderburg", "Norland")


def test_header_date_opening_the_first_paragraph() -> None:
    header = parse_header(
        "19 March 2020: Member States have agreed on a new text for the water agenda of the decade."
    )
    assert header.issued == dt.date(2020, 3, 19)
