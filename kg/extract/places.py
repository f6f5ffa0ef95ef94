"""Component ``places``: where events, organisations and places are (``locatedIn``).

an event's place         "in/at <place>" beside it, or the dateline's place (component ``events``)
a place's State          "Puerto Vallarta, Mexico", a dateline "GENEVA, Switzerland, ..."
an organisation's seat   "the Nairobi-based UN Environment Programme", "UN Office at Vienna",
                         "<State>, where the <organisation> is based"
"""

from __future__ import annotations

import re
from functools import cache

from kg.extract import resources
from kg.extract.annotation import Annotation, Ent
from kg.extract.nlp import STATE, norm_key
from kg.model import Kind


def run(ann: Annotation) -> None:
    for ev in ann.of_kind(Kind.EVENT):
        where = ev.attrs.get("location")
        if isinstance(where, Ent):
            ann.fact(ev, "locatedIn", where, int(ev.attrs.get("location_sent", ev.mentions[0].sent)))  # type: ignore[call-overload]
    _place_state(ann)
    _seats(ann)


def _place_state(ann: Annotation) -> None:
    texts = ann.texts
    for place in ann.of_kind(Kind.PLACE):
        for m in place.mentions:
            if m.end + 1 < ann.n and texts[m.end] == ",":
                found = ann.starting_at(m.end + 1, Kind.STATE)
                if found is not None and ann.gaz[found[0].start] == STATE:
                    place.attrs.setdefault("country", found[1])
                    ann.fact(place, "locatedIn", found[1], m.sent)
    dl = ann.dateline
    if dl is not None and dl.country_start is not None:
        city = ann.ent_at(ann.token_at(dl.place_start), Kind.PLACE)
        state = ann.ent_at(ann.token_at(dl.country_start), Kind.STATE)
        if city is not None and state is not None:
            city.attrs.setdefault("country", state)
            ann.fact(city, "locatedIn", state, ann.sent_of[ann.token_at(dl.place_start)])


@cache
def _place_names() -> dict[str, str]:
    """The names and other names of the places table -> the place's name."""
    out: dict[str, str] = {}
    for place in resources.load("places")["places"]:
        for name in [place["name"], *place["variants"]]:
            out.setdefault(name, place["name"])
    return out


def _seats(ann: Annotation) -> None:
    text = ann.text
    names = _place_names()
    for m in re.finditer(r"-based\b", text):  # "the Nairobi-based UN Environment Programme"
        t = ann.token_at(m.start())
        where = None
        for k in range(t, max(-1, t - 3), -1):  # "Nairobi-based", "New York-based"
            name = ann.text[ann.idx[k] : m.start()]
            if name in names:
                where = ann.entity(Kind.PLACE, norm_key(names[name]), names[name])
                ann.mention(where, k, t + 1, "based")
                break
        if where is None:
            continue
        after = ann.token_at(m.end())
        for k in range(after, min(after + 5, ann.n)):
            org = ann.ent_at(k, Kind.ORGANIZATION)
            if org is not None:
                ann.fact(org, "locatedIn", where, ann.sent_of[k])
                break
    for org in ann.of_kind(Kind.ORGANIZATION):
        for mm in org.mentions:
            g = re.search(r"\b(?:in|at) ([A-Z][\w' ]+)$", ann.span_text(mm.start, mm.end))
            if g:
                start = ann.idx[mm.start] + g.start(1)
                seat = ann.ent_at(ann.token_at(start), Kind.PLACE)
                if seat is None:
                    a = ann.token_at(start)
                    seat = ann.add(Kind.PLACE, norm_key(g.group(1)), g.group(1), a, mm.end, "seat")
                ann.fact(org, "locatedIn", seat, mm.sent)
    for m in re.finditer(r", where (?:the )?[^.;]{0,80}? is (?:based|located|headquartered|deployed)", text):
        t = ann.token_at(m.start())
        where = ann.ent_at(t - 1, Kind.STATE, Kind.PLACE) if t > 0 else None
        orgs = [e for _, e in ann.in_range(t, ann.token_at(m.end() - 1), Kind.ORGANIZATION)]
        if where is not None and orgs:
            ann.fact(orgs[-1], "locatedIn", where, ann.sent_of[t])
