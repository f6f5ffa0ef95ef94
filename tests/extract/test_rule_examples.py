"""Every rule file carries its own match / no-match examples, grouped by error class; one test runs them.

An example is ``{"class": ..., "text": ..., "expect": [...]}`` (and, for a no-match example, an
optional ``"forbid": [...]``). What ``expect`` lists depends on the file:

* entity files (people, posts, events, documents, organizations, states, places): labels of the
  entities of that kind (compared case- and space-insensitively, alternative labels count);
* relation files (roles, actions, quotes): facts ``"Subject | predicate | Object"`` between entity
  labels; ``holds`` may name the tenure's status (``"X | holds:former | Post"``); the quotes file
  also lists ``"quote | Speaker"`` for a quotation attributed to a speaker;
* furniture: ``"furniture"`` when the text (one line) is page furniture.

A match example must find everything it expects; a no-match example must find nothing of the file's
kind, or, when it has ``forbid``, none of what ``forbid`` lists.
"""

from __future__ import annotations

from typing import Any

import pytest

from kg.extract import resources
from kg.extract.nlp import norm_key
from kg.model import Extraction, Kind
from kg.text import is_furniture

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
RELATION_FILES = ("roles", "actions", "quotes")


def _found(name: str, text: str) -> set[str]:
    if name == "furniture":
        return {"furniture"} if is_furniture(text) else set()
    x = read(text)
    if name in RELATION_FILES:
        return _facts(x)
    kind = KIND_OF_FILE[name]
    return {norm_key(label) for e in x.entities if e.kind == kind for label in (e.label, *e.alt_labels)}


def _facts(x: Extraction) -> set[str]:
    names = {e.local_id: e.label for e in x.entities}
    out: set[str] = set()
    for r in x.relations:
        s, o = norm_key(names[r.subject]), norm_key(names[r.object])
        out.add(f"{s} | {r.predicate} | {o}")
        status = r.attrs.get("status")
        if status:
            out.add(f"{s} | {r.predicate}:{status} | {o}")
    for q in x.quotations:
        out.add(f"quote | {norm_key(names[q.speaker])}")
    return out


def _norm(item: str) -> str:
    parts = item.split(" | ")
    if len(parts) == 3:  # "Subject | predicate | Object": the predicate keeps its case
        return " | ".join((norm_key(parts[0]), parts[1].strip(), norm_key(parts[2])))
    return " | ".join(norm_key(part) for part in parts)


def _cases() -> list[Any]:
    cases = []
    for name in resources.RULE_FILES:
        examples = resources.load(name)["examples"]
        for verdict in ("match", "no_match"):
            for i, example in enumerate(examples[verdict]):
                label = example.get("class", "").replace(" ", "-")
                cases.append(pytest.param(name, verdict, example, id=f"{name}-{verdict}-{i}-{label}"))
    return cases


@pytest.mark.parametrize(("name", "verdict", "example"), _cases())
def test_rule_file_example(name: str, verdict: str, example: dict[str, Any]) -> None:
    found = _found(name, example["text"])
    if verdict == "match":
        expected = {_norm(e) for e in example["expect"]}
        missing = expected - found
        assert not missing, f"{example['text']!r}: expected {sorted(missing)}, found {sorted(found)}"
    elif "forbid" in example:
        wrong = {_norm(e) for e in example["forbid"]} & found
        assert not wrong, f"{example['text']!r}: found {sorted(wrong)}, which the text does not say"
    else:
        assert not found, f"{example['text']!r}: expected nothing, found {sorted(found)}"


def test_every_rule_file_has_examples_of_both_kinds() -> None:
    for name in resources.RULE_FILES:
        examples = resources.load(name)["examples"]
        assert examples["match"] and examples["no_match"], name
        assert all(e.get("class") for e in examples["match"] + examples["no_match"]), name
