"""Working mentions and entities of one document, before they become kg.model objects.

The extractor collects ``Ment`` objects (token spans of the spaCy doc with a kind and a key) and
groups them into ``Cluster`` objects (one per entity). Everything here is plain data and small
helpers; the rules that fill it live in ``kg.extract.rules``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from spacy.tokens import Doc, Span

from kg.model import Kind, PartialDate

_VERSION = [0]


def mention_version() -> int:
    """Bumped whenever any cluster's mention list changes (lets lookups cache an index)."""
    return _VERSION[0]


class MentionList(list["Ment"]):
    """A list of mentions that records that it changed."""

    def append(self, item: Ment) -> None:
        _VERSION[0] += 1
        super().append(item)

    def extend(self, items: Iterable[Ment]) -> None:
        _VERSION[0] += 1
        super().extend(items)

    def sort(self, *args: Any, **kwargs: Any) -> None:
        _VERSION[0] += 1
        super().sort(*args, **kwargs)


@dataclass
class Ment:
    """A mention: tokens ``[start, end)`` of the spaCy doc (characters via ``span``)."""

    kind: Kind
    start: int
    end: int
    char_start: int
    char_end: int
    text: str
    sent: int
    key: str = ""
    rule: str = ""


@dataclass
class Cluster:
    """One entity of the document with its mentions."""

    kind: Kind
    key: str
    label: str
    mentions: list[Ment] = field(default_factory=MentionList)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "mentions":
            _VERSION[0] += 1
            value = value if isinstance(value, MentionList) else MentionList(value)
        object.__setattr__(self, name, value)

    alt_labels: set[str] = field(default_factory=set)
    attrs: dict[str, object] = field(default_factory=dict)
    gender: str | None = None
    local_id: str = ""
    # events and documents: the trigger word that names their kind ("meeting", "declaration")
    trigger: str = ""
    start: PartialDate | None = None
    end: PartialDate | None = None

    def first(self) -> int:
        return min(m.char_start for m in self.mentions) if self.mentions else 0


def make_ment(
    doc: Doc, kind: Kind, start: int, end: int, sent_of: list[int], key: str = "", rule: str = ""
) -> Ment:
    span: Span = doc[start:end]
    return Ment(kind, start, end, span.start_char, span.end_char, span.text, sent_of[start], key, rule)
