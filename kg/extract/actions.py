"""Component ``actions``: what bodies and people do to each other and to documents.

Assigns the facts ``elects``, ``appoints``, ``succeeds``, ``adopts``, ``chairs``,
``participatesIn`` and ``mentions``, each with the sentence that says it. Rule data:
``rules/actions.json``.

    elects        "The Council elected A (X) and B (Y) as ...", "It elected Switzerland to ...",
                  "X was elected by the General Assembly", "General Assembly Elects Congo, Ghana"
    appoints      "The Secretary-General appointed X", "the Council appointed X for ..."
    succeeds      "X succeeds Y", "..., replacing Y", "X will replace Y", "Y's successor"
    adopts        "The Council adopted resolution 2417 (2018)", "resolution S-16/1, adopted in April
                  at the last Special Session", "Adoption of X by Y", a signing adopts what it signs
    chairs        "chaired by X", "presided over by X", "under the responsibility of Vice-President X",
                  the holder of "President of <event>"
    participates  the body of its own meeting ("<body> meeting ...", "session of the <body>"), the
                  signatories of a signing, States listed as taking part in an event
    mentions      a document that endorses, recalls or follows another ("resolution ... endorses the
                  Plan"), a person presenting a report, a meeting that follows up a recommendation
"""

from __future__ import annotations

from functools import cache
from typing import Any

from kg.extract import resources
from kg.extract.annotation import Annotation, Ent
from kg.extract.context import focus_body, is_body, person_at, person_starting, subject_org
from kg.extract.nlp import STATE, STATE_ADJ, norm_key
from kg.model import Kind


@cache
def _rules() -> dict[str, Any]:
    r = resources.load("actions")
    return {k: frozenset(v) if isinstance(v, list) else v for k, v in r.items()}


def run(ann: Annotation) -> None:
    r = _rules()
    for sent in range(len(ann.sents)):
        if sent in ann.furniture:
            continue
        _elects(ann, sent, r)
        _appoints(ann, sent, r)
        _succeeds(ann, sent, r)
        _adopts(ann, sent, r)
        _chairs(ann, sent, r)
        _mentions(ann, sent, r)
        _participants(ann, sent, r)
    _appointees(ann, r)
    _own_meetings(ann, r)
    _chairs_by_post(ann)


def _agent(ann: Annotation, sent: int, verb: int, kinds: tuple[Kind, ...]) -> Ent | None:
    """Who does what the verb at ``verb`` says: the body the sentence is about, or a person named
    (or referred to) before the verb in the sentence, or the agent of "by X" after it."""
    a, b = ann.sents[sent]
    if Kind.ORGANIZATION in kinds and verb > a and ann.lowers[verb - 1] == "it" and sent > 0:
        body = subject_org(ann, sent - 1)  # "For the Asian States it appointed ...": the body before
        if body is not None and is_body(body):
            return body
    if Kind.ORGANIZATION in kinds:
        body = subject_org(ann, sent, before=verb)
        if body is not None and is_body(body):
            return body
    if Kind.PERSON in kinds:
        for t in range(verb - 1, a - 1, -1):
            p = (
                person_at(ann, t)
                if ann.lowers[t] in ("he", "she") or ann.covered(t, t + 1, Kind.PERSON)
                else None
            )
            if p is not None:
                return p
    k = verb + 1
    while k < b and ann.lowers[k] != "by" and k - verb < 8:
        k += 1
    if k + 1 < b and ann.lowers[k] == "by":
        j = k + 1 + (ann.lowers[k + 1] == "the")
        for kind in kinds:
            found = ann.ent_at(j, kind)
            if found is not None and (kind != Kind.ORGANIZATION or is_body(found)):
                return found
    return None


def _objects(ann: Annotation, start: int, end: int, kinds: tuple[Kind, ...], r: dict[str, Any]) -> list[Ent]:
    """The entities of ``kinds`` listed from ``start`` up to a word that ends the list."""
    out: list[Ent] = []
    t = start
    while t < end:
        low = ann.lowers[t]
        if low in r["list_end"] and out:
            break
        if low in r["succeed_words"]:
            break
        found = ann.starting_at(t, *kinds)
        if found is not None:
            if ann.gaz[t] != STATE_ADJ and found[1] not in out:
                out.append(found[1])
            t = found[0].end
            continue
        t += 1
    return out


def _elects(ann: Annotation, sent: int, r: dict[str, Any]) -> None:
    a, b = ann.sents[sent]
    for t in range(a, b):
        if ann.lowers[t] not in r["elect"]:
            continue
        passive = t > a and ann.lowers[t - 1] in r["passive_aux"]
        body = _agent(ann, sent, t, (Kind.ORGANIZATION,))
        if body is None:
            continue
        if passive:
            people = [p for _, p in ann.in_range(a, t, Kind.PERSON)][-1:]
            chosen = people
        else:
            chosen = _objects(ann, t + 1, b, (Kind.PERSON, Kind.STATE), r)
            if any(e.kind == Kind.PERSON for e in chosen):
                chosen = [e for e in chosen if e.kind == Kind.PERSON]  # "X of Bangladesh": X is elected
                _seat(ann, sent, t, b, chosen)
            elif not chosen:
                # "elected five judges to the Court": the holders of the post named as the object
                found = next((m for m, e in ann.in_range(t + 1, min(b, t + 6), Kind.POST)), None)
                if found is not None:
                    held = found.attrs.get("holders")
                    chosen = list(held) if isinstance(held, list) else []
        for e in chosen:
            if e.kind == Kind.STATE and ann.sent_of[t] in ann.headlines and len(chosen) == 1:
                continue
            ann.fact(body, "elects", e, sent)


def _seat(ann: Annotation, sent: int, verb: int, b: int, people: list[Ent]) -> None:
    """ "elected X (Japan) to the International Court of Justice": X holds a seat on that body
    (judge of a court or tribunal, member of any other body) unless a post is named."""
    if any(True for _ in ann.in_range(verb, b, Kind.POST)):
        return
    k = verb + 1
    while k < b and ann.lowers[k] != "to":
        k += 1
    if k + 1 >= b:
        return
    j = k + 1 + (ann.lowers[k + 1] == "the")
    found = ann.starting_at(j, Kind.ORGANIZATION)
    if found is None or not is_body(found[1]) or found[1].attrs.get("type") == "group":
        return
    org = found[1]
    head = "judge" if any(w in org.label for w in ("Court", "Tribunal")) else "member"
    label = f"{head} of the {org.label}"
    post = ann.entity(Kind.POST, norm_key(label), label, trigger=head)
    post.attrs.setdefault("of", org)
    ann.mention(post, found[0].start, found[0].end, "seat")
    for p in people:
        ann.fact(p, "holds", post, sent, status="elected")


def _appoints(ann: Annotation, sent: int, r: dict[str, Any]) -> None:
    a, b = ann.sents[sent]
    for t in range(a, b):
        if ann.lowers[t] not in r["appoint"] or ann.quoted[t]:
            continue
        passive = t > a and ann.lowers[t - 1] in r["passive_aux"]
        agent = _agent(ann, sent, t, (Kind.PERSON, Kind.ORGANIZATION)) if not passive else None
        if passive:
            k = t + 1
            while k < b and ann.lowers[k] != "by":
                k += 1
            agent = ann.ent_at(k + 1, Kind.PERSON) if k + 1 < b else None
            if agent is None and k + 1 < b:
                found = ann.starting_at(k + 1 + (ann.lowers[k + 1] == "the"), Kind.POST)
                agent = _holder(ann, found[1]) if found else None
            chosen = [p for _, p in ann.in_range(a, t, Kind.PERSON)][-1:]
        else:
            if agent is None and t >= 1 and ann.lowers[t - 1] not in ("i", "we"):
                post = _post_before(ann, max(a, t - 3), t)  # "The Secretary-General today appointed"
                agent = _holder(ann, post) if post else None
            chosen = _objects(ann, t + 1, b, (Kind.PERSON,), r)
        for p in chosen:
            ann.fact(agent, "appoints", p, sent)


def _appointees(ann: Annotation, r: dict[str, Any]) -> None:
    """In a release that announces appointments ("X announced the appointment of ...", "X has
    appointed ..."), whoever "will become" / "is being appointed" / "will replace" is X's appointee."""
    appointer = next((f.subject for f in ann.facts_of("appoints")), None)
    if appointer is None:
        for sent in range(len(ann.sents)):
            a, b = ann.sents[sent]
            at = next(
                (t for t in range(a, b) if ann.lowers[t] in ("appointment", "appointments", "nomination")),
                None,
            )
            if at is not None and any(
                ann.lowers[t] in ("announced", "announces", "announce") for t in range(a, at)
            ):
                appointer = _agent(ann, sent, at, (Kind.PERSON, Kind.ORGANIZATION))
                if appointer is None:
                    found = _post_before(ann, a, at)
                    appointer = _holder(ann, found) if found else None
                break
    if appointer is None:
        return
    for sent in range(len(ann.sents)):
        if sent in ann.furniture or sent in ann.headlines:
            continue
        a, b = ann.sents[sent]
        text = " " + " ".join(ann.lowers[a:b]) + " "
        for phrase in r["appointee_verbs"]:
            at = text.find(" " + phrase + " ")
            if at < 0:
                continue
            verb = a + len(text[:at].split())
            people = ann.in_range(a, verb, Kind.PERSON)
            if people:
                ann.fact(appointer, "appoints", people[-1][1], sent)
            break


def _post_before(ann: Annotation, a: int, t: int) -> Ent | None:
    for k in range(t - 1, a - 1, -1):
        found = ann.ent_at(k, Kind.POST)
        if found is not None:
            return found
    return None


def _holder(ann: Annotation, post: Ent) -> Ent | None:
    holders = [f.subject for f in ann.facts_of("holds", obj=post)]
    return holders[0] if len(holders) == 1 else None


def _succeeds(ann: Annotation, sent: int, r: dict[str, Any]) -> None:
    a, b = ann.sents[sent]
    for t in range(a, b):
        low = ann.lowers[t]
        if low not in r["succeed_words"]:
            continue
        k = t + 1
        if low == "successor" and k < b and ann.lowers[k] == "to":
            k += 1
        while k < b and (
            ann.space[k] or ann.gaz[k] in (STATE, STATE_ADJ) or ann.texts[k] in ("'s", "’s", "the")
        ):
            k += 1
        found = person_starting(ann, k)
        if found is None:
            continue
        previous = found[1]
        successor = None
        for j in range(t - 1, a - 1, -1):
            p = (
                person_at(ann, j)
                if ann.lowers[j] in ("he", "she") or ann.covered(j, j + 1, Kind.PERSON)
                else None
            )
            if p is not None and p is not previous:
                successor = p
                break
        ann.fact(successor, "succeeds", previous, sent)


def _adopts(ann: Annotation, sent: int, r: dict[str, Any]) -> None:
    a, b = ann.sents[sent]
    for t in range(a, b):
        low = ann.lowers[t]
        if low not in r["adopt"]:
            continue
        docs_after = [e for _, e in ann.in_range(t + 1, b, Kind.DOCUMENT)]
        if low in ("adoption",):
            # "Adoption of X by Y" / "its adoption"
            k = t + 1
            docs = docs_after[:1]
            while k < b and ann.lowers[k] != "by":
                k += 1
            agent = (
                ann.ent_at(k + 1 + (k + 1 < b and ann.lowers[k + 1] == "the"), Kind.ORGANIZATION)
                if k + 1 < b
                else None
            )
            if agent is None:  # "The Conference closed with the adoption of ...": its subject
                first = ann.in_range(a, t, Kind.EVENT, Kind.ORGANIZATION)
                agent = (
                    first[0][1]
                    if first and first[0][1].kind == Kind.EVENT
                    else subject_org(ann, sent, before=t)
                )
            for d in docs:
                ann.fact(agent, "adopts", d, sent)
                ev = ann.ent_at(t, Kind.EVENT)
                ann.fact(ev, "adopts", d, sent)
            continue
        passive = (t > a and ann.lowers[t - 1] in r["passive_aux"]) or (t > a and ann.texts[t - 1] == ",")
        if passive:
            # "resolution S-16/1, adopted in April after the last Special Session on Syria"
            docs = [e for _, e in ann.in_range(a, t, Kind.DOCUMENT)][-1:]
            ev = next((e for _, e in ann.in_range(t + 1, min(b, t + 12), Kind.EVENT)), None)
            agent = (
                ev
                or _agent(ann, sent, t, (Kind.ORGANIZATION,))
                or subject_org(ann, sent)
                or focus_body(ann, t)
            )
            if agent is not None and agent.key == "united nations":
                agent = None  # "adopted by UN Member States": the States, not a body
            for d in docs:
                ann.fact(agent, "adopts", d, sent)
            continue
        event = next(
            (e for m, e in ann.in_sent(sent, Kind.EVENT) if m.start < t and not e.attrs.get("implied")), None
        )
        body = _agent(ann, sent, t, (Kind.ORGANIZATION,))
        if body is not None and body.key == "united nations":
            body = None  # "adopted by UN Member States": the States, not a body
        agent = body
        if event is not None and (body is None or ann.ent_at(a, Kind.EVENT) is event):
            agent = event
        for d in docs_after[:4]:
            ann.fact(agent, "adopts", d, sent)
    # a signing adopts what is signed
    for ev in ann.of_kind(Kind.EVENT):
        signed = ev.attrs.get("signed")
        if isinstance(signed, Ent) and ev.mentions:
            ann.fact(ev, "adopts", signed, ev.mentions[0].sent)


def _chairs(ann: Annotation, sent: int, r: dict[str, Any]) -> None:
    """ "chaired by X and Y", "would be the responsibility of Vice-President X": each phrase gives its
    chairs (the people named after it, up to the end of the clause) to the event named last before it."""
    a, b = ann.sents[sent]
    phrases = sorted((p.split() for p in r["chair_by"]), key=len, reverse=True)
    t = a
    while t < b:
        words = next((p for p in phrases if ann.lowers[t : t + len(p)] == p), None)
        if words is None:
            t += 1
            continue
        k = t + len(words)
        target = None
        for m, e in ann.in_sent(sent, Kind.EVENT):
            if m.end <= t and (target is None or m.start > target[0].start):
                target = (m, e)
        chairs: list[Ent] = []
        j = k
        while j < b and j - k < 30:
            if ann.texts[j] in (".", ";") or (chairs and ann.lowers[j] in r["list_end"]):
                break
            if ann.starting_at(j, Kind.EVENT) is not None and chairs:
                break
            found = ann.starting_at(j, Kind.PERSON) or ann.starting_at(j, Kind.POST)
            if found is not None:  # a person, or the post in apposition to them
                if found[1].kind == Kind.PERSON:
                    chairs.append(found[1])
                j = found[0].end
                continue
            j += 1
        for p in chairs:
            ann.fact(p, "chairs", target[1] if target else None, sent)
        t = max(k, j)
    # "X, who co-chaired the Suva dialogue, ...", "X presided over the meeting"
    for t in range(a, b):
        if ann.lowers[t] not in r["chair_verbs"]:
            continue
        k = t + 1 + (t + 1 < b and ann.lowers[t + 1] == "over")
        event = next((e for m, e in ann.in_range(k, min(b, k + 4), Kind.EVENT)), None)
        if event is None:
            continue
        j = t - 1
        if j >= a and ann.lowers[j] == "who":
            j -= 2 if j - 1 >= a and ann.texts[j - 1] == "," else 1
        person = person_at(ann, j) if j >= a else None
        if person is None:
            person = next((p for _, p in reversed(ann.in_range(a, t, Kind.PERSON))), None)
        ann.fact(person, "chairs", event, sent)


def _chairs_by_post(ann: Annotation) -> None:
    """The holder of "President of the 60th session of the Assembly" chairs that session."""
    for f in list(ann.facts_of("holds")):
        post = f.object
        if post.trigger not in r_chair_heads():
            continue
        for m in post.mentions:
            for t in range(m.start, m.end):
                ev = ann.ent_at(t, Kind.EVENT)
                if ev is not None and ev.trigger in (
                    "session",
                    "conference",
                    "summit",
                    "meeting",
                    "forum",
                    "segment",
                ):
                    ann.fact(f.subject, "chairs", ev, f.sents)
                    break


@cache
def r_chair_heads() -> frozenset[str]:
    return frozenset(h.lower() for h in resources.load("actions")["chair_heads"])


def _mentions(ann: Annotation, sent: int, r: dict[str, Any]) -> None:
    """ "resolution 2999 (2031), which endorses the Lake Accord": a document citing another; a
    quotation "according to a statement" cites through that statement; a person presenting a report."""
    a, b = ann.sents[sent]
    docs = ann.in_range(a, b, Kind.DOCUMENT)
    statement = next((e for m, e in docs if e.trigger == "statement"), None)
    for t in range(a, b):
        if ann.lowers[t] not in r["mention_verbs"]:
            continue
        before = [e for m, e in docs if m.end <= t]
        after = [e for m, e in docs if m.start > t and e is not statement]
        if not after:
            continue
        subject = before[0] if before else statement  # the document the sentence is about
        if subject is None:
            p = next((p for _, p in ann.in_range(a, t, Kind.PERSON)), None)
            subject = p
        if subject is None:
            ev = next((e for m, e in ann.in_sent(sent, Kind.EVENT) if m.start < t), None)
            subject = ev
        ann.fact(subject, "mentions", after[0], sent)


def _participants(ann: Annotation, sent: int, r: dict[str, Any]) -> None:
    """States listed as taking part in an event of the sentence ("signed by A, B and C")."""
    a, b = ann.sents[sent]
    words = {ann.lowers[t] for t in range(a, b)}
    if not words & r["participation"]:
        return
    events = [
        e
        for _, e in ann.in_sent(sent, Kind.EVENT)
        if not e.attrs.get("implied") and not e.attrs.get("header")
    ]
    if not events:
        return
    states = [
        e
        for m, e in ann.in_range(a, b, Kind.STATE)
        if ann.gaz[m.start] == STATE and not ann.covered(m.start, m.end, Kind.EVENT, Kind.DOCUMENT, Kind.POST)
    ]
    if len(states) < 2:
        return
    for st in states:
        ann.fact(st, "participatesIn", events[0], sent)


def _own_meetings(ann: Annotation, r: dict[str, Any]) -> None:
    """A body takes part in its own meetings ("the first meeting of the Human Rights Council"; a
    session is its work, not an event it attends), and
    the bodies that elect take part in the election ("the election of five members of the Court")."""
    electors = {f.subject.id: f.subject for f in ann.facts_of("elects")}
    for ev in ann.of_kind(Kind.EVENT):
        if ev.attrs.get("header") or ev.attrs.get("implied") or not ev.mentions:
            continue  # the meeting a release reports is its subject, not a participation
        sent = ev.mentions[0].sent
        if ev.trigger in ("election", "elections"):
            for body in electors.values():
                ann.fact(body, "participatesIn", ev, sent)
            continue
        if ev.trigger not in ("meeting", "meetings"):
            continue
        for org in ann.of_kind(Kind.ORGANIZATION):
            if is_body(org) and ev.label.endswith(f"of the {org.label}"):
                ann.fact(org, "participatesIn", ev, sent)
