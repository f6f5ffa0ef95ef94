"""Rule files (gazetteers, word lists, patterns) read from the ``rules/`` folder.

In an installed wheel the folder is shipped as ``kg/_data/rules``; in a source checkout it is the
repository's top-level ``rules/``. Every file is JSON with a ``description``, an ``examples`` block
(``match`` / ``no_match`` cases checked by one parametrised test) and its data.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from kg.resources import data_dir

#: The rule files, in the order the pipeline reads them.
RULE_FILES = (
    "furniture",
    "states",
    "organizations",
    "places",
    "people",
    "posts",
    "events",
    "documents",
    "roles",
    "actions",
    "quotes",
)


def rules_dir() -> Path:
    """The folder holding the rule files (wheel data first, then the source checkout)."""
    return data_dir("rules")


@cache
def load(name: str) -> dict[str, Any]:
    """The parsed rule file ``rules/<name>.json``."""
    path = rules_dir() / f"{name}.json"
    with path.open(encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


def words(name: str, key: str) -> frozenset[str]:
    """A word list from a rule file as a set."""
    return frozenset(load(name)[key])
