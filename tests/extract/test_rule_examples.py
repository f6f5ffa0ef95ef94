"""Every rule file carries its own match / no-match examples; this one test runs them all."""

from __future__ import annotations

from typing import Any

import pytest

from kg.extract import resources
from kg.extract.pipeline import norm_key
from kg.model import Extraction, Kind

from .conftest import read

KIND_OF_FILE = {
    "states": Kind.STATE,
    "organizations": Kind.ORGANIZATION,
    "places": Kind.PLACE,
    "people": Kind.PERSON,
    "posts": Kind.POST,
    "events": Kind.EVENT,
    "documents": Kind.DOCUMENT,
}


def _found(name: str, extraction: Extraction) -> set[str]:
    if name == "relations":
        return {r.predicate for r in extraction.relations}
    kind = KIND_OF_FILE[name]
    out: set[str] = set()
    for e in extraction.entities:
        if e.kind != kind:
            continue
        if kind == Kind.PERSON:
            out.add(e.label)
        elif kind == Kind.EVENT:
            out.add(norm_key(e.label))
        else:
            out.add(e.key.casefold() if kind == Kind.DOCUMENT else e.key)
    return out


def _cases() -> list[Any]:
    cases = []
    for name in resources.RULE_FILES:
        examples = resources.load(name)["examples"]
        for verdict in ("match", "no_match"):
            for i, example in enumerate(examples[verdict]):
                cases.append(pytest.param(name, verdict, example, id=f"{name}-{verdict}-{i}"))
    return cases


@pytest.mark.parametrize(("name", "verdict", "example"), _cases())
def test_rule_file_example(name: str, verdict: str, example: dict[str, Any]) -> None:
    found = _found(name, read(example["text"]))
    expected = {e.casefold() if name == "documents" else e for e in example["expect"]}
    if verdict == "match":
        assert expected <= found, f"{example['text']!r}: expected {sorted(expected)}, found {sorted(found)}"
    else:
        assert not found, f"{example['text']!r}: expected nothing, found {sorted(found)}"


def test_every_rule_file_has_examples() -> None:
    for name in resources.RULE_FILES:
        examples = resources.load(name)["examples"]
        assert examples["match"] and examples["no_match"], name
