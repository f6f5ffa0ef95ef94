"""Component ``quotes``: quotations, who said them, and who spoke at which event.

Assigns quotations (with speaker and event) and the facts ``speaksAt`` and ``mentions`` (a speaker
and the documents of their sentence).

* The speaker of a sentence is the person beside a speech verb outside the quotation marks ("...,"
  said X; X said: "..."; "...," she added), or the holder of the post named there ("the High
  Commissioner said"), never merely the nearest name. A quotation belongs to the speaker of its
  sentence, else of the sentence it ends in, else of a sentence before it ending in ":".
* ``speaksAt``: a speaker at an event the sentence names ("told the 16th session", "addressed the
  Council" -> that body's meeting), or, in a release about a meeting held on its day, at that
  meeting. Someone quoted in a statement speaks at no event.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

from kg.extract import resources
from kg.extract.annotation import Annotation, Ent, Quote
from kg.extract.context import person_at
from kg.model import Kind, PartialDate

_QUOTE = re.compile(r'"[^"\n]{2,}?"')


@cache
def _speech() -> frozenset[str]:
    return frozenset(resources.load("people")["speech_verbs"])


def run(ann: Annotation) -> None:
    spans = [(m.start(), m.end()) for m in _QUOTE.finditer(ann.text)]
    speakers: dict[int, tuple[Ent, int]] = {}
    for sent in range(len(ann.sents)):
        if sent in ann.furniture:
            continue
        found = _speaker(ann, sent, spans)
        if found is not None:
            speakers[sent] = found
    main = main_event(ann)
    for a, b in spans:
        sent = ann.sent_of[ann.token_at(a)]
        who = speakers.get(sent) or speakers.get(ann.sent_of[ann.token_at(max(a, b - 1))])
        if who is None and sent > 0 and ann.sent_text(sent - 1).rstrip().endswith(":"):
            who = speakers.get(sent - 1)
        if who is None:
            continue
        ann.quotes.append(Quote(a, b, who[0], _event_of(ann, sent, who[1], main)))
    for sent, (speaker, verb) in speakers.items():
        event = _event_of(ann, sent, verb, main)
        if event is not None:
            ann.fact(speaker, "speaksAt", event, sent)
        # what a speaker cites: the reports, resolutions and texts named in what they said (not
        # the documents the meeting itself adopts, which are its subject)
        adopted = {f.object.id for f in ann.facts_of("adopts")}
        for _m, doc in ann.in_sent(sent, Kind.DOCUMENT):
            if doc.trigger in _CITED and doc.id not in adopted:
                ann.fact(speaker, "mentions", doc, sent)


def _speaker(ann: Annotation, sent: int, spans: list[tuple[int, int]]) -> tuple[Ent, int] | None:
    a, b = ann.sents[sent]
    speech = _speech()
    for t in range(a, b):
        if (
            ann.lowers[t] not in speech
            or ann.quoted[t]
            or not ann.texts[t].islower()
            or ann.covered(t, t + 1)
        ):
            continue  # ("African States" names no speech)
        for k in (t - 1, t + 1, t + 2):
            if a <= k < b and not ann.quoted[k]:
                p = _who(ann, k)
                if p is not None:
                    return p, t
        for k in range(t - 1, max(a, t - 14) - 1, -1):
            if ann.quoted[k]:
                continue
            p = _who(ann, k)
            if p is not None:
                return p, t
    return None


def _who(ann: Annotation, k: int) -> Ent | None:
    """The person at token ``k``: named, a pronoun, or the one holder of the post named there."""
    p = person_at(ann, k)
    if p is not None:
        return p
    post = ann.ent_at(k, Kind.POST)
    if post is not None:
        holders = {f.subject.id: f.subject for f in ann.facts_of("holds", obj=post)}
        if len(holders) == 1:
            return next(iter(holders.values()))
        by_head = _holder_by_head(ann, post)
        if by_head is not None:
            return by_head
    return None


def _holder_by_head(ann: Annotation, post: Ent) -> Ent | None:
    """ "the High Commissioner" for the one person holding a post whose label ends so."""
    head = post.key
    found = {
        f.subject.id: f.subject
        for f in ann.facts_of("holds")
        if f.object.key == head or f.object.key.endswith(" " + head) or f.object.key.startswith(head + " ")
    }
    return next(iter(found.values())) if len(found) == 1 else None


_CITED = frozenset(
    {
        "report",
        "resolution",
        "symbol",
        "statute",
        "charter",
        "convention",
        "declaration",
        "covenant",
        "treaty",
    }
)
_MEETINGS = frozenset(
    {
        "meeting",
        "session",
        "summit",
        "conference",
        "forum",
        "ceremony",
        "segment",
        "briefing",
        "dialogue",
        "debate",
        "press briefing",
        "press conference",
        "hearing",
        "workshop",
        "symposium",
        "retreat",
        "round table",
    }
)


def main_event(ann: Annotation) -> Ent | None:
    """The gathering a release is about: a meeting held on the release's day, else the meeting it
    names most often (at least twice), never one that is still to come."""
    ref = ann.reference
    best: tuple[tuple[int, int], Ent] | None = None
    for ev in ann.of_kind(Kind.EVENT):
        if ev.trigger not in _MEETINGS:
            continue
        when = ev.attrs.get("start") or ev.attrs.get("end")
        day = None
        if isinstance(when, PartialDate) and when.day is not None and when.month is not None:
            day = dt.date(when.year, when.month, when.day)
        if ref is not None and day is not None and day > ref + dt.timedelta(days=1):
            continue  # still to come
        on_day = ref is not None and day is not None and abs((day - ref).days) <= 1
        mentions = len(ev.mentions)
        own = ev.attrs.get("header") or ev.attrs.get("implied")  # the meeting the release reports
        if not on_day and mentions < 2 and not own:
            continue
        score = (1 if on_day or own else 0, mentions)
        if best is None or score > best[0]:
            best = (score, ev)
    return best[1] if best else None


def _event_of(ann: Annotation, sent: int, verb: int, main: Ent | None) -> Ent | None:
    """Where a speaker spoke: an event the sentence names as the venue ("told the session", "at the
    meeting", "Opening the Summit"), else the gathering the release is about."""
    venue = frozenset(resources.load("actions")["venue_words"])
    for m, e in ann.in_sent(sent, Kind.EVENT):
        if ann.quoted[m.start]:
            continue
        k = m.start - 1
        while k >= 0 and ann.lowers[k] in ("the", "a", "an", "this", "its", "their", "his", "her"):
            k -= 1
        if k >= 0 and ann.lowers[k] in venue:
            return e
    return main
