"""SPARQL syntax errors come back as one line with the position (kg.syntax)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.namespaces import PREFIXES
from kg.syntax import message


def parse_error(query: str) -> str:
    with pytest.raises(SyntaxError) as info:
        ox.Store().query(query, prefixes=PREFIXES)
    return message(query, str(info.value), PREFIXES)


def test_a_missing_term_names_line_column_and_what_was_expected() -> None:
    text = parse_error("SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER(?o = ) }")
    assert "\n" not in text
    assert text.startswith("SPARQL syntax error at line 3, column ")
    assert "expected one of ABS, AVG" in text and "in all)" in text
    assert "[" not in text  # no grammar character classes


def test_an_undeclared_prefix_is_named_with_the_predeclared_ones() -> None:
    text = parse_error("SELECT * WHERE { ?s foo:name ?o }")
    assert text == (
        "SPARQL syntax error: unknown prefix 'foo:' at line 1, column 21: declare it "
        "(PREFIX foo: <...>); predeclared: " + ", ".join(sorted(PREFIXES))
    )


def test_prefixed_names_inside_iris_and_strings_are_not_taken_for_prefixes() -> None:
    text = parse_error('SELECT * WHERE { ?s <http://a.example/x:y> "b:c" . ?s bad:x ?o }')
    assert "unknown prefix 'bad:'" in text


def test_a_message_without_a_position_stays_one_line() -> None:
    assert message("x", "something\nbroke") == "SPARQL syntax error: something broke"
