"""Working mentions and entities of one document, before they become kg.model objects.

The extractor collects ``Ment`` objects (token spans of the spaCy doc with a kind and a key) and
groups them into ``Cluster`` objects (one per entity). Everything here is plain data and small
helpers; the rules that fill it live in ``kg.extract.rules``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Self, SupportsIndex

from spacy.tokens import Doc, Span

from kg.model import Kind, PartialDate

#: Per kind, a counter bumped whenever a mention list or the cluster list changes for that kind: lets
#: lookups keep an index per kind and rebuild it only when that kind changed.
_VERSIONS: dict[Kind, int] = dict.fromkeys(Kind, 0)
#: Likewise, bumped only when clusters of that kind are added or removed.
_CLUSTER_VERSIONS: dict[Kind, int] = dict.fromkeys(Kind, 0)
_SEQ = [0]


def kind_version(kind: Kind) -> int:
    return _VERSIONS[kind]


def cluster_version(kind: Kind) -> int:
    return _CLUSTER_VERSIONS[kind]


def bump(kind: Kind | None = None) -> None:
    """Record that the mentions of ``kind`` (every kind when None) changed."""
    if kind is None:
        for k in _VERSIONS:
            _VERSIONS[k] += 1
    else:
        _VERSIONS[kind] += 1


def bump_clusters(kind: Kind | None = None) -> None:
    """Record that clusters of ``kind`` (every kind when None) were added or removed."""
    bump(kind)
    if kind is None:
        for k in _CLUSTER_VERSIONS:
            _CLUSTER_VERSIONS[k] += 1
    else:
        _CLUSTER_VERSIONS[kind] += 1


class MentionList(list["Ment"]):
    """A list of mentions that records that it changed (``kind``: the kind of its cluster)."""

    kind: Kind | None = None

    def append(self, item: Ment) -> None:
        bump(self.kind)
        super().append(item)

    def extend(self, items: Iterable[Ment]) -> None:
        bump(self.kind)
        super().extend(items)

    def sort(self, *args: Any, **kwargs: Any) -> None:
        bump(self.kind)
        super().sort(*args, **kwargs)

    def insert(self, index: SupportsIndex, item: Ment) -> None:
        bump(self.kind)
        super().insert(index, item)

    def remove(self, item: Ment) -> None:
        bump(self.kind)
        super().remove(item)

    def pop(self, index: SupportsIndex = -1) -> Ment:
        bump(self.kind)
        return super().pop(index)

    def clear(self) -> None:
        bump(self.kind)
        super().clear()

    def __setitem__(self, index: Any, value: Any) -> None:
        bump(self.kind)
        super().__setitem__(index, value)

    def __delitem__(self, index: Any) -> None:
        bump(self.kind)
        super().__delitem__(index)

    def __iadd__(self, items: Iterable[Ment]) -> Self:  # type: ignore[override,misc]
        bump(self.kind)
        return super().__iadd__(items)


class ClusterList(list["Cluster"]):
    """The clusters of a document, in the order they were added; records changes per kind and gives
    each cluster added a sequence number (``Cluster.seq``) that keeps that order."""

    def __init__(self, items: Iterable[Cluster] = ()) -> None:
        super().__init__(items)
        for c in self:
            _number(c)
        bump_clusters()

    def append(self, item: Cluster) -> None:
        _number(item)
        bump_clusters(item.kind)
        super().append(item)

    def remove(self, item: Cluster) -> None:
        bump_clusters(item.kind)
        super().remove(item)

    def extend(self, items: Iterable[Cluster]) -> None:
        items = list(items)
        for c in items:
            _number(c)
        bump_clusters()
        super().extend(items)

    def insert(self, index: SupportsIndex, item: Cluster) -> None:
        raise TypeError("clusters are only appended (their order is their sequence numbers' order)")

    def pop(self, index: SupportsIndex = -1) -> Cluster:
        bump_clusters()
        return super().pop(index)

    def clear(self) -> None:
        bump_clusters()
        super().clear()

    def sort(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("clusters keep the order they were added in")

    def __setitem__(self, index: Any, value: Any) -> None:
        raise TypeError("clusters are only appended or removed")

    def __delitem__(self, index: Any) -> None:
        bump_clusters()
        super().__delitem__(index)


def _number(c: Cluster) -> None:
    if c.seq < 0:
        _SEQ[0] += 1
        c.seq = _SEQ[0]


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
            value = value if isinstance(value, MentionList) else MentionList(value)
            value.kind = self.kind
            bump(self.kind)
        object.__setattr__(self, name, value)

    alt_labels: set[str] = field(default_factory=set)
    attrs: dict[str, object] = field(default_factory=dict)
    gender: str | None = None
    local_id: str = ""
    # events and documents: the trigger word that names their kind ("meeting", "declaration")
    trigger: str = ""
    start: PartialDate | None = None
    end: PartialDate | None = None
    #: order of addition to the document's ClusterList (-1: not added yet)
    seq: int = field(default=-1, compare=False, repr=False)

    def first(self) -> int:
        return min(m.char_start for m in self.mentions) if self.mentions else 0


def make_ment(
    doc: Doc, kind: Kind, start: int, end: int, sent_of: list[int], key: str = "", rule: str = ""
) -> Ment:
    span: Span = doc[start:end]
    return Ment(kind, start, end, span.start_char, span.end_char, span.text, sent_of[start], key, rule)
