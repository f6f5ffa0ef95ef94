"""Typed data passed from stage to stage.

ingest -> Document; extract -> Extraction (mentions, entities, relations with evidence spans);
resolve -> Resolution (entities with IRIs); rdfize -> rdflib.Graph; validate -> Report; store.

Offsets are Python string indices (code points) into ``Document.text``, which is the text exactly as
read from the source (after decoding), so every span can be checked with ``text[start:end]``.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field


class Kind(enum.StrEnum):
    """The entity types of the ontology (class local names)."""

    PERSON = "Person"
    POST = "Post"
    STATE = "State"
    ORGANIZATION = "Organization"
    EVENT = "Event"
    DOCUMENT = "Document"
    PLACE = "Place"


class Precision(enum.StrEnum):
    """How much of a date the text gives: a month stays a month."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True, order=True)
class PartialDate:
    """A calendar date known to day, month or year precision."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> Precision:
        if self.day is not None:
            return Precision.DAY
        if self.month is not None:
            return Precision.MONTH
        return Precision.YEAR

    def iso(self) -> str:
        """ISO 8601 at the date's own precision: ``2018``, ``2018-02`` or ``2018-02-04``."""
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    @classmethod
    def from_date(cls, value: dt.date) -> PartialDate:
        return cls(value.year, value.month, value.day)


@dataclass(frozen=True, order=True)
class Span:
    """A half-open character range ``[start, end)`` in a document's text."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"invalid span [{self.start}, {self.end})")

    def text(self, text: str) -> str:
        return text[self.start : self.end]

    def contains(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end


@dataclass(frozen=True)
class Document:
    """One ingested source text with its metadata.

    ``doc_id`` is derived from the content hash, so the same bytes always give the same id
    wherever the file lives; ``source`` records where it was read from.
    """

    doc_id: str
    text: str
    source: str
    content_hash: str
    media_type: str = "text/plain"
    title: str | None = None
    issued: dt.date | None = None
    dateline_place: str | None = None
    dateline_country: str | None = None
    #: what ingestion changed or doubted (control characters removed, ...), for the build report
    warnings: tuple[str, ...] = ()


@dataclass
class Mention:
    """A stretch of text that names (or refers back to) an entity."""

    span: Span
    text: str
    sentence: Span


@dataclass
class Entity:
    """An entity read out of one document, before IRIs are minted.

    ``key`` identifies it within its kind; it is what makes the same person in two documents one
    node (resolve.py turns kind + key into an IRI). ``attrs`` holds kind-specific values: for an
    event ``start``/``end`` (PartialDate) and ``location`` (entity local id), for a State
    ``iso3``, for a document ``symbol``.
    """

    local_id: str
    kind: Kind
    label: str
    key: str
    mentions: list[Mention] = field(default_factory=list)
    alt_labels: set[str] = field(default_factory=set)
    attrs: dict[str, object] = field(default_factory=dict)


@dataclass
class Relation:
    """A fact ``subject predicate object`` between entities of one document, with its evidence."""

    subject: str
    predicate: str
    object: str
    evidence: list[Span] = field(default_factory=list)
    #: qualifiers: a tenure's ``status`` (current, former, outgoing, acting, elected, appointed,
    #: re-elected, reappointed) and its ``start``/``end`` (PartialDate) where the text gives them
    attrs: dict[str, str | PartialDate] = field(default_factory=dict)


@dataclass
class Quotation:
    """A quoted statement with its speaker (entity local id) and, if known, its event."""

    span: Span
    text: str
    speaker: str
    event: str | None = None


@dataclass
class Extraction:
    """What the extractor read out of one document."""

    document: Document
    entities: list[Entity] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    quotations: list[Quotation] = field(default_factory=list)
    sentences: list[Span] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def entity(self, local_id: str) -> Entity:
        found = self.entity_or_none(local_id)
        if found is None:
            raise KeyError(local_id)
        return found

    def entity_or_none(self, local_id: str) -> Entity | None:
        for entity in self.entities:
            if entity.local_id == local_id:
                return entity
        return None
