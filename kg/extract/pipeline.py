"""The extraction components and their order: the one place that knows it.

    furniture   page furniture and headline lines
    gazetteer   States, organisations, places (tables and shape)
    posts       offices, labels completed from context
    people      persons, by the context their names stand in
    backstop    names an optional statistical model proposes, where the rules can type them
    documents   resolutions, decisions, reports, symbols, statements
    events      meetings, sessions, conferences, elections, signings; dates and places
    coref       mentions that refer back (surnames, accents, "the Council")
    roles       holds (with status and dates), nationality, representativeOf
    actions     elects, appoints, succeeds, adopts, chairs, participatesIn, mentions
    places      locatedIn
    quotes      quotations, speakers, speaksAt
    finish      drop what the graph should not state

Each component is a module with a ``run(annotation)`` function, its own rule file in ``rules/`` and
the match / no-match examples there (tests/extract/test_rule_examples.py runs them all). They pass
one ``kg.extract.annotation.Annotation`` from one to the next, as spaCy components pass a ``Doc``.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from functools import cache

from spacy.language import Language

from kg.extract import (
    actions,
    backstop,
    coref,
    documents,
    events,
    finish,
    furniture,
    gazetteer,
    people,
    places,
    posts,
    quotes,
    roles,
)
from kg.extract.annotation import Annotation
from kg.extract.nlp import get_nlp as _get_nlp

#: The components in the order they run.
COMPONENTS: tuple[tuple[str, Callable[[Annotation], None]], ...] = (
    ("furniture", furniture.run),
    ("gazetteer", gazetteer.run),
    ("posts", posts.run),
    ("people", people.run),
    ("backstop", backstop.run),
    ("documents", documents.run),
    ("events", events.run),
    ("coref", coref.run),
    ("roles", roles.run),
    ("actions", actions.run),
    ("places", places.run),
    ("quotes", quotes.run),
    ("finish", finish.prune),
)


@cache
def get_nlp() -> Language:
    """The spaCy layer (tokenizer, gazetteer, sentences), built once per process; everything the
    components keep for the life of the process is moved out of the collector's sight."""
    nlp = _get_nlp()
    gc.freeze()
    return nlp


def annotate(annotation: Annotation, between: Callable[[], None] | None = None) -> Annotation:
    """Run every component over ``annotation``, in order (``between`` is called before each: the
    document's time budget)."""
    for _name, component in COMPONENTS:
        if between is not None:
            between()
        component(annotation)
    return annotation
