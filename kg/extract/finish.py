"""Component ``finish``: drop what the graph should not state, and write the ``Extraction``.

* Posts nobody holds that only name a class of posts ("three Special Representatives", "the
  President" with no body) are dropped; a post with a specific name stays, holder or not
  ("representative of Pakistan").
* A short post after the one full post whose name it begins ("the High Commissioner" after "United
  Nations High Commissioner for Human Rights") is that post, unless they have different holders.
* Of two posts one person holds under two names, the lesser ("Foreign Minister" beside "Minister
  for Foreign and Pacific Affairs") goes; a rank word (rule data ``rank_words``: "Deputy
  Director" beside "Director") makes another post, not another name.
* Seats: a post several people hold at once ("judge of the Court", "Vice-President of the
  Council", "member of the Committee": rule data ``seat_heads``) is one post per holder (ORG's
  org:Post is one position; the judges of a court hold fifteen), keyed "<post> @ <holder>".
* Events are keyed by label and start date; documents by symbol when they have one.
* Entity references in attributes become local ids; token offsets become character spans.
"""

from __future__ import annotations

import dataclasses
import re

from kg.extract import resources
from kg.extract.annotation import Annotation, Ent
from kg.model import Entity, Extraction, Kind, Mention, PartialDate, Quotation, Relation
from kg.model import Span as CharSpan

_KEEP_ATTRS = {"iso3", "symbol", "start", "end", "location", "country", "of"}


def prune(ann: Annotation) -> None:
    _headline_events(ann)
    _short_posts(ann)
    always = {k.lower() for k in resources.load("posts")["always_posts"]}
    ranks = frozenset(w.lower() for w in resources.load("posts")["rank_words"])
    for post in ann.of_kind(Kind.POST):
        if any(True for _ in ann.facts_of("holds", obj=post)):
            continue
        if all(m.attrs.get("plural") for m in post.mentions):
            ann.remove(post)
            continue
        if all(ann.sent_of[m.start] in ann.headlines for m in post.mentions):
            ann.remove(post)
            continue
        bare = re.sub(r"^(the |un |united nations |u\.n\. )+", "", post.key)
        named = sum(1 for w in post.label.split() if w[:1].isupper()) >= 2  # "High Representative"
        if not re.search(r" (of|for|to|in|on|at) ", bare) and bare not in always and not named:
            ann.remove(post)
    by_person: dict[str, list[Ent]] = {}
    for held in ann.facts_of("holds"):
        by_person.setdefault(held.subject.id, []).append(held.object)
    for pid, posts in by_person.items():
        for a in posts:
            ca = _content(a.label)
            for b in posts:
                cb = _content(b.label)
                if (
                    a is not b
                    and not (cb - ca) & ranks
                    and (ca < cb or (ca == cb and len(a.label) < len(b.label)))
                ):
                    lesser = ann.facts.get((pid, "holds", a.id))
                    other = ann.facts.get((pid, "holds", b.id))
                    same_status = other is None or (
                        lesser is not None and lesser.attrs.get("status") == other.attrs.get("status")
                    )
                    same_status = same_status or len(a.key.split()) == 1  # "Commissioner": a short name
                    if lesser is not None and same_status:
                        ann.drop_fact(lesser)
                        if not any(True for _ in ann.facts_of("holds", obj=a)):
                            ann.remove(a)
                    break
    _seats(ann)


def _seats(ann: Annotation) -> None:
    heads = tuple(h.lower() for h in resources.load("posts")["seat_heads"])
    for post in ann.of_kind(Kind.POST):
        low = post.label.lower()
        if not any(low == h or low.startswith((h + " ", h + "s ")) for h in heads):
            continue
        held = [f for f in ann.facts.values() if f.object is post and f.predicate == "holds"]
        if not held:
            continue
        others = [f for f in ann.facts.values() if (f.object is post or f.subject is post) and f not in held]
        for f in held:
            seat = ann.entity(Kind.POST, f"{post.key} @ {f.subject.key}", post.label, trigger=post.trigger)
            seat.attrs.update(post.attrs)
            seat.alt |= post.alt
            near = [m for m in post.mentions if m.sent in f.sents] or post.mentions
            seat.mentions.extend(dataclasses.replace(m) for m in near)
            ann.fact(f.subject, "holds", seat, f.sents, **f.attrs)
            for o in others:
                ann.fact(
                    seat if o.subject is post else o.subject,
                    o.predicate,
                    seat if o.object is post else o.object,
                    o.sents,
                    **o.attrs,
                )
        ann.remove(post)


_UN_PREFIX = re.compile(r"^(?:the |un |united nations |u\.n\. )+")


def _short_posts(ann: Annotation) -> None:
    """ "The High Commissioner said" after "United Nations High Commissioner for Human Rights": the
    one post of the release whose name the short one begins, unless they have different holders."""
    posts = ann.of_kind(Kind.POST)
    bare = {p.id: _UN_PREFIX.sub("", p.key) for p in posts}
    for short in posts:
        name = re.sub(r"^the ", "", short.key)  # "United Nations Secretary-General" names the UN's
        longer = [p for p in posts if p is not short and bare[p.id].startswith(name + " ")]
        if len(longer) != 1:
            continue
        long = longer[0]
        held_short = {f.subject.id for f in ann.facts_of("holds", obj=short)}
        held_long = {f.subject.id for f in ann.facts_of("holds", obj=long)}
        if held_long and not held_short <= held_long:
            continue
        if short.attrs.get("of") not in (None, long.attrs.get("of")):
            continue  # "Secretary-General" (of the UN) beside "Secretary-General of the Conference"
        ann.merge(long, short)


def _headline_events(ann: Annotation) -> None:
    """An event only a headline names, by one title-case word and its trigger ("Concludes
    Stocktaking Phase"), is the headline's wording, not an event the body knows."""
    nominal = frozenset(resources.load("events")["nominal"])
    for ev in ann.of_kind(Kind.EVENT):
        if ev.trigger in nominal or ev.attrs.get("header") or ev.attrs.get("implied"):
            continue
        if all(ann.sent_of[m.start] in ann.headlines for m in ev.mentions) and len(ev.label.split()) <= 2:
            ann.remove(ev)


def _content(label: str) -> frozenset[str]:
    words = re.sub(r"[-,']", " ", label.lower()).split()
    return frozenset(
        w
        for w in words
        if w not in ("the", "of", "for", "to", "a", "and", "in", "on", "its", "s", "un", "united", "nations")
    )


def to_extraction(ann: Annotation, result: Extraction) -> None:
    text = ann.text
    sentence_spans = [_trimmed(text, ann.idx[a], ann.ends[b - 1]) for a, b in ann.sents]
    result.sentences = sentence_spans
    kept = [e for e in ann.entities if e.mentions]
    for e in kept:
        if e.kind == Kind.EVENT:
            start = e.attrs.get("start")
            if isinstance(start, PartialDate):
                e.key = f"{e.key} {start.iso()}"
        if e.kind == Kind.DOCUMENT and isinstance(e.attrs.get("symbol"), str):
            e.key = str(e.attrs["symbol"])
    ids = {e.id for e in kept}
    for e in kept:
        attrs: dict[str, object] = {}
        for k, v in e.attrs.items():
            if k not in _KEEP_ATTRS:
                continue
            if isinstance(v, Ent):
                if v.id in ids:
                    attrs[k] = v.id
            else:
                attrs[k] = v
        mentions = []
        seen: set[tuple[int, int]] = set()
        for m in sorted(e.mentions, key=lambda m: m.start):
            a, b = ann.idx[m.start], ann.ends[m.end - 1]
            if (a, b) in seen:
                continue
            seen.add((a, b))
            mentions.append(Mention(span=CharSpan(a, b), text=text[a:b], sentence=sentence_spans[m.sent]))
        alt = {x for x in e.alt if x and x != e.label}
        result.entities.append(Entity(e.id, e.kind, e.label, e.key, mentions, alt, attrs))
    for f in ann.facts.values():
        if f.subject.id in ids and f.object.id in ids:
            evidence = [sentence_spans[i] for i in sorted(f.sents)]
            qualifiers: dict[str, str | PartialDate] = {
                k: v for k, v in f.attrs.items() if isinstance(v, str | PartialDate)
            }
            result.relations.append(Relation(f.subject.id, f.predicate, f.object.id, evidence, qualifiers))
    for q in ann.quotes:
        if q.speaker.id in ids:
            event = q.event.id if q.event is not None and q.event.id in ids else None
            result.quotations.append(
                Quotation(CharSpan(q.start, q.end), text[q.start : q.end], q.speaker.id, event)
            )
    result.warnings.extend(ann.warnings)


def _trimmed(text: str, start: int, end: int) -> CharSpan:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return CharSpan(start, end)
