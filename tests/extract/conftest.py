"""Fixtures of the extraction tests: the shared corpus (seed text and gold), when present."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.extract import extract
from kg.ingest import document_from_text
from kg.model import Extraction

#: ``<somewhere>/main`` (this repository) sits next to ``<somewhere>/shared``.
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
SEED_ID = "000_470baf12e1d9d4f3"


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    corpus = SHARED / "corpus"
    if not (corpus / f"{SEED_ID}.txt").is_file():
        pytest.skip(f"the shared corpus is not at {corpus.resolve()} (clone the repository next to shared/)")
    return corpus


def read(text: str) -> Extraction:
    """Extract from a text written in the test."""
    return extract(document_from_text(text, source="test"))
