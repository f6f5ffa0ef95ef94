"""What a sentence is about: its subject body, the body a bare "the Council" means, the person a
pronoun or a bare title refers to. Read by the components after ``gazetteer``; writes nothing."""

from __future__ import annotations

from functools import cache

from kg.extract import resources
from kg.extract.annotation import Annotation, Ent, Mention
from kg.extract.nlp import STATE, STATE_ADJ
from kg.model import Kind

#: Words that name a body by its kind ("the Council", "the Assembly").
BODY_WORDS = frozenset(
    {"Council", "Assembly", "Court", "Conference", "Committee", "Commission", "Summit", "Board", "Forum"}
)
#: Words that refer back to the body a sentence is about ("the body", "the organ").
GENERIC_BODY = frozenset({"body", "organ", "Organization", "organization", "Organisation", "organisation"})
_SKIP_TYPES = ("group", "media")
PRONOUNS = {"he": "m", "him": "m", "his": "m", "she": "f", "her": "f", "hers": "f"}


def is_body(org: Ent) -> bool:
    """An organ, body or agency that meets, elects and adopts (not a regional group or outlet)."""
    return org.kind == Kind.ORGANIZATION and org.attrs.get("type") not in _SKIP_TYPES


def resolve_body(ann: Annotation, word: str, token: int) -> Ent | None:
    """The organisation a bare "Council" / "Assembly" / "Court" at ``token`` means: the last one
    so named before it (else the first one so named after it)."""
    best: tuple[int, Ent] | None = None
    later: tuple[int, Ent] | None = None
    orgs = [o for o in ann.of_kind(Kind.ORGANIZATION) if o.label.split()[-1:] == [word]]
    if not orgs and word in ("Court", "Council", "Commission"):  # "the Court": the Court of Justice
        orgs = [o for o in ann.of_kind(Kind.ORGANIZATION) if word in o.label.split()]
    for org in orgs:
        for m in org.mentions:
            if m.end - m.start == 1 and ann.texts[m.start] == word:
                continue  # a bare-word mention of its own
            if m.start < token and (best is None or m.start > best[0]):
                best = (m.start, org)
            elif m.start > token and (later is None or m.start < later[0]):
                later = (m.start, org)
    found = best or later
    return found[1] if found else None


def body_at(ann: Annotation, token: int) -> Ent | None:
    """The body named at ``token``: an organisation mention, or "the Council"-like words."""
    org = ann.ent_at(token, Kind.ORGANIZATION)
    if org is not None:
        return org
    word = ann.texts[token]
    if word in BODY_WORDS and token > 0 and ann.lowers[token - 1] in ("the", "this", "that"):
        return resolve_body(ann, word, token)
    return None


def subject_org(ann: Annotation, sent: int, before: int | None = None) -> Ent | None:
    """The body a sentence is about: the body named right before ``before`` (within a few words:
    "the Council this afternoon adopted"), else the first body of the sentence (after its dateline),
    else, for a sentence opening with "It", the body of the sentence before. Bodies named inside a
    post ("Secretary-General of the United Nations") or in quotation marks do not count."""
    a, b = ann.sents[sent]
    a = (
        max(a, ann.token_at(ann.dateline_end) + 1)
        if ann.dateline_end and ann.idx[a] < ann.dateline_end
        else a
    )
    end = b if before is None else min(before, b)
    if a >= b:
        return None  # the sentence is all dateline
    first = next((i for i in range(a, b) if not ann.space[i]), a)
    if ann.lowers[first] in ("it", "its") and sent > 0:
        prior = subject_org(ann, sent - 1)
        if prior is not None:
            return prior
    if before is not None:
        for t in range(end - 1, max(a, end - 6) - 1, -1):
            if ann.quoted[t] or ann.lowers[t] in (",", ";", "and", "which", "that", "who"):
                break
            found = _body_ending(ann, t)
            if found is not None:
                return found
    for t in range(a, end):
        if ann.quoted[t] or ann.covered(t, t + 1, Kind.POST):
            continue
        named = ann.starting_at(t, Kind.ORGANIZATION)
        if named is not None and is_body(named[1]):
            return named[1]
        if ann.texts[t] in BODY_WORDS and t > a and ann.lowers[t - 1] == "the":
            body = resolve_body(ann, ann.texts[t], t)
            if body is not None:
                return body
        if ann.starting_at(t, Kind.PERSON) is not None:
            return None
    return None


def nearest_body(ann: Annotation, sent: int, before: int) -> Ent | None:
    """The body named last before ``before`` in its clause (back to a semicolon): what "its"
    refers to ("asked the General Assembly to hold a segment during its next session")."""
    a = ann.sents[sent][0]
    for t in range(before - 1, a - 1, -1):
        if ann.texts[t] == ";" or ann.quoted[t]:
            return None
        found = _body_ending(ann, t)
        if found is not None:
            return found
    return None


def org_before(ann: Annotation, sent: int, before: int) -> Ent | None:
    """The organisation named last before ``before`` in its sentence, in a post's title too
    ("Director of the Water Agency, having been the organization's Deputy Director"): what "the
    organization" refers back to; else the body the text around it is about."""
    for t in range(before - 1, ann.sents[sent][0] - 1, -1):
        found = ann.ending_at(t, Kind.ORGANIZATION)
        if found is not None and is_body(found[1]) and not ann.quoted[t]:
            return found[1]
    return focus_body(ann, before)


def _body_ending(ann: Annotation, t: int) -> Ent | None:
    found = ann.ending_at(t, Kind.ORGANIZATION)
    if found is not None and is_body(found[1]) and not ann.covered(t, t + 1, Kind.POST):
        return found[1]
    if ann.texts[t] in BODY_WORDS and t > 0 and ann.lowers[t - 1] == "the":
        return resolve_body(ann, ann.texts[t], t)
    return None


def focus_body(ann: Annotation, token: int) -> Ent | None:
    """The body the text around ``token`` is about: the subject body of its sentence, else of the
    closest sentence before it that has one, else the organ mentioned most."""
    sent = ann.sent_of[token]
    for s in range(sent, max(-1, sent - 6), -1):
        found = subject_org(ann, s, before=token if s == sent else None)
        if found is not None:
            return found
    counts: dict[str, tuple[int, Ent]] = {}
    for org in ann.of_kind(Kind.ORGANIZATION):
        if is_body(org) and org.key != "united nations" and org.attrs.get("type") in ("organ", "body"):
            counts[org.id] = (len(org.mentions), org)
    if counts:
        return max(counts.values(), key=lambda c: (c[0], -c[1].first()))[1]
    return None


def person_before(ann: Annotation, token: int, gender: str | None = None) -> Ent | None:
    """The person mentioned last before ``token`` (of a compatible gender when known)."""
    best: tuple[int, Ent] | None = None
    for p in ann.of_kind(Kind.PERSON):
        g = p.attrs.get("gender")
        if (gender and g and g != gender) or p.attrs.get("credit"):
            continue
        for m in p.mentions:
            if m.end <= token and (best is None or m.start > best[0]):
                best = (m.start, p)
    return best[1] if best else None


def person_at(ann: Annotation, token: int) -> Ent | None:
    """The person named at ``token``, or the person a pronoun there refers to."""
    found = ann.ent_at(token, Kind.PERSON)
    if found is not None:
        return found
    gender = PRONOUNS.get(ann.lowers[token])
    if gender is not None:
        p = person_before(ann, token, gender)
        if p is not None and not p.attrs.get("gender"):
            p.attrs["gender"] = gender
        return p
    return None


def person_after_succession(ann: Annotation, t: int, end: int) -> tuple[Mention, Ent] | None:
    """The person a succession word at ``t`` names ("succeeds Norway's Dr. Bo Kim", "successor
    to the ..."), looking no further than ``end``."""
    k = t + 1
    if ann.lowers[t] == "successor" and k < end and ann.lowers[k] == "to":
        k += 1
    while k < end and (
        ann.space[k] or ann.gaz[k] in (STATE, STATE_ADJ) or ann.texts[k] in ("'s", "’s", "the")
    ):
        k += 1
    return person_starting(ann, k)


def person_starting(ann: Annotation, k: int) -> tuple[Mention, Ent] | None:
    """The person whose mention starts at ``k``, or right after an honorific there ("Dr. Bo Kim")."""
    found = ann.starting_at(k, Kind.PERSON)
    if found is None and k + 1 < ann.n and ann.texts[k] in HONORIFICS():
        found = ann.starting_at(k + 1, Kind.PERSON)
    return found


@cache
def HONORIFICS() -> frozenset[str]:
    return frozenset(resources.load("people")["honorifics"])
