"""The one place that finds kg's data files: ontology/, shapes/ and rules/.

In an installed wheel they live in ``kg/_data/<name>``; in a source checkout (editable install
or PYTHONPATH) at the repository's top level.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """The folder of data files ``name`` (``ontology``, ``shapes`` or ``rules``)."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"kg data folder {name!r} is missing from the installation (reinstall kg)")


def ontology_path() -> Path:
    return data_dir("ontology") / "kg.ttl"


def shapes_path() -> Path:
    return data_dir("shapes") / "kg-shapes.ttl"


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
