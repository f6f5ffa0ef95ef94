"""Malformed or odd input is read without crashing; a clear warning says when nothing came out."""

from __future__ import annotations

import time

import pytest

from kg.errors import InputError
from kg.extract import extract
from kg.model import Document, Kind

from .conftest import read


def _doc(text: str) -> Document:
    return Document(doc_id="t", text=text, source="test", content_hash="x")


@pytest.mark.parametrize("text", ["", "   \n\n\t  "])
def test_empty_text(text: str) -> None:
    x = extract(_doc(text))
    assert not x.entities and not x.sentences
    assert x.warnings and x.warnings[0].startswith("nothing could be extracted")


def test_only_headers() -> None:
    x = read("7 December 2017\n\nGA/99999\n")
    # the release's own symbol is a document; nothing else is there to read
    assert [(e.kind, e.label) for e in x.entities] == [(Kind.DOCUMENT, "GA/99999")]
    assert not x.relations


def test_nothing_to_read() -> None:
    x = read("7 December 2017\n\n12:30\n")
    assert not x.entities
    assert any("nothing could be extracted" in w for w in x.warnings)


def test_mixed_scripts_and_symbols() -> None:
    arabic, chinese = "\u0645\u0631\u062d\u0628\u0627", "\u4f60\u597d"
    text = f"Ms. Ana Ruiz said \u00ab{arabic}\u00bb {chinese} \U0001f600 in Geneva \u2014 \u0414\u0430.\n"
    x = read(text)
    assert any(e.label == "Ana Ruiz" for e in x.entities)
    for e in x.entities:
        for m in e.mentions:
            assert text[m.span.start : m.span.end] == m.text


def test_very_long_line() -> None:
    line = "The Council met and the Council agreed, " * 2500
    x = read(line)
    assert x.sentences


def test_one_megabyte_of_text() -> None:
    para = (
        "Ms. Ana Ruiz, Permanent Representative of Chile to the United Nations, said the Regional Forum on "
        "Water Security would meet in Geneva on 3 May 2021.  \u201cWe are ready,\u201d she said.\n\n"
    )
    text = para * (1_000_000 // len(para) + 1)
    start = time.perf_counter()
    x = read(text)
    assert time.perf_counter() - start < 60
    ruiz = next(e for e in x.entities if e.label == "Ana Ruiz")
    assert len(ruiz.mentions) > 1000


def test_binary_looking_garbage() -> None:
    x = read("\x00\x01\x02 ### @@@ %%% \ufffd\ufffd")
    assert not x.entities
    assert x.warnings


def _calls(text: str) -> int:
    """How many Python function calls extracting ``text`` takes (a count, not a time: the same on
    a loaded machine)."""
    import cProfile
    import pstats

    doc = Document(doc_id="x", text=text, source="t", content_hash="0" * 64)
    extract(doc, proposer=None)  # warm: the pipeline is built once per process
    profiler = cProfile.Profile()
    profiler.enable()
    extract(doc, proposer=None)
    profiler.disable()
    return int(pstats.Stats(profiler).total_calls)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "unit",
    [
        "Zz ",  # a run of name-like words ("Ambassador Zz Zz ... of Mexico")
        "Mr. Ann Lee (Peru), Permanent Representative of Chile to the United Nations, said: ",
        "The Council adopted resolution 12 (2031), replacing Bo Kim of Norway-based Geneva. ",
    ],
)
def test_extraction_work_grows_linearly_with_crafted_text(unit: str) -> None:
    small = _calls("Ambassador " + unit * 200 + "of Mexico")
    large = _calls("Ambassador " + unit * 800 + "of Mexico")
    assert large < 6 * small, (small, large)  # four times the text: about four times the work


def test_a_document_past_its_time_budget_is_reported_with_its_name() -> None:
    doc = Document(doc_id="x", text="Ann Lee (Peru) spoke. " * 2000, source="slow.txt", content_hash="0" * 64)
    with pytest.raises(InputError) as raised:
        extract(doc, proposer=None, budget=1e-9)
    assert raised.value.path == "slow.txt" and "extract_budget" in raised.value.message
    assert extract(doc, proposer=None, budget=None).entities  # no limit: read whole
