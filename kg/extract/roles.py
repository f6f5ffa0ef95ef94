"""Component ``roles``: who holds which post (with status and dates), nationality, representation.

Assigns facts ``holds`` (qualified by ``status`` and, where the text gives them, ``start``/``end``),
``nationality`` and ``representativeOf``. Rule data: ``rules/roles.json``.

Holders of a post mention, in the order tried:

    title before a name        "Secretary-General Lee Min-ho", "Deputy Secretary-General Dr. X"
    apposition                 "X, Permanent Representative of Ghana", "the Chef de Cabinet, X",
                               "X (Estonia), Vice-President", "X, who served as the High Commissioner"
    as / copula                "elected A (X) and B (Y) as Vice-Presidents" (every person listed),
                               "X was President of Ireland from 1990 to 1997", "he served as ...",
                               "Before becoming Commissioner, Mr. X ..."
    coordinated posts          "was Ethiopia's Minister of Foreign Affairs and, prior, Minister of
                               Health": the second post has the first one's holder
    listed after a plural      "The Vice-Presidents are A (Peru) and B (Chad)"

Status: a status word before the post ("former", "outgoing", "acting", "new"), else the verb
("served as", "was ... from 1990 to 1997", "formerly", "previously" -> former; "elected" ->
elected; "appointed", "will become" -> appointed; "succeeds Y" -> Y outgoing), else current.
A former post is never stated as current: its holds fact carries ``status`` "former".
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from kg.extract import resources
from kg.extract.annotation import Annotation, Ent, Mention
from kg.extract.context import BODY_WORDS, GENERIC_BODY, PRONOUNS, person_after_succession, person_at
from kg.extract.events import sentence_dates
from kg.extract.nlp import STATE, STATE_ADJ, fold
from kg.model import Kind, PartialDate


@cache
def _rules() -> dict[str, Any]:
    r = resources.load("roles")
    out: dict[str, Any] = dict(r)
    for key in (
        "as_words",
        "copula_past",
        "former_adverbs",
        "succeed_words",
        "skip_before_post",
        "coordination_gap",
    ):
        out[key] = frozenset(r[key])
    out["verb_status"] = dict(r["verb_status"])
    out["representative_heads"] = tuple(h.lower() for h in resources.load("posts")["representative_heads"])
    return out


def run(ann: Annotation) -> None:
    r = _rules()
    mentions = sorted(
        ((m, e) for e in ann.of_kind(Kind.POST) for m in e.mentions), key=lambda me: me[0].start
    )
    last_holders: dict[int, tuple[list[Ent], Mention, str | None]] = {}
    for m, post in mentions:
        holders, status, how = _holders(ann, m, post, r, last_holders)
        if not holders:
            continue
        status = str(m.attrs.get("status") or "") or status
        start, end = _tenure_dates(ann, m)
        ref = ann.reference
        if (
            status is None
            and end is not None
            and ref is not None
            and (end.year, end.month or 12) < (ref.year, ref.month)
        ):
            status = "former"  # a tenure that ended before the release
        m.attrs["holders"] = holders
        for h in holders:
            ann.fact(h, "holds", post, m.sent, status=status or "current", start=start, end=end)
        last_holders[m.sent] = (holders, m, status if how == "copula" else None)
    _successions(ann, r)
    _nationality(ann, r)
    _representation(ann, r)


# -- holders -----------------------------------------------------------------------------------


_BODY_NOUNS = GENERIC_BODY | BODY_WORDS


def _skip_back(ann: Annotation, k: int, words: frozenset[str]) -> int:
    """The first token at or before ``k`` that is not one of ``words``, a space, a State or a
    possessive: a State's ("Ethiopia's") or a body's ("the organization's", "the Council's")."""
    while k >= 0 and (
        ann.space[k]
        or ann.lowers[k] in words
        or ann.texts[k] in ("'s", "’s")
        or ann.gaz[k] in (STATE, STATE_ADJ)
        or (k + 1 < ann.n and ann.texts[k + 1] in ("'s", "’s") and ann.texts[k] in _BODY_NOUNS)
    ):
        k -= 1
    return k


def _holders(
    ann: Annotation,
    m: Mention,
    post: Ent,
    r: dict[str, Any],
    last: dict[int, tuple[list[Ent], Mention, str | None]],
) -> tuple[list[Ent], str | None, str]:
    texts, lowers, n = ann.texts, ann.lowers, ann.n
    a, b = ann.sents[m.sent]
    plural = bool(m.attrs.get("plural"))
    honorifics = resources.load("people")["honorifics"]
    # POST [,] [Dr.] [[] NAME
    k = m.end
    if k + 1 < n and lowers[k] == "from" and ann.gaz[k + 1] == STATE:  # "the Vice-President from Peru, X"
        found_state = ann.starting_at(k + 1, Kind.STATE)
        k = found_state[0].end if found_state is not None else k
    comma = k < n and texts[k] == ","
    if comma:
        k += 1
    found = None
    while k < b:  # a name right after, over an honorific or a bracket ("Dr. [Ann] Lee")
        found = ann.starting_at(k, Kind.PERSON)
        if found is not None or not (ann.space[k] or texts[k] in honorifics or texts[k] == "["):
            break
        k += 1
    if found is not None:
        people = [found[1]]
        if plural:
            people += [p for _, p in ann.in_range(found[0].end, b, Kind.PERSON) if p not in people]
        return people, None, "title"
    if m.end < n and texts[m.end] in ("'s", "’s"):
        return [], None, ""  # "the Secretary-General's report": the post owns something here
    # NAME, [det/lowercase words] [State's] POST  /  NAME (State), POST
    k = m.start - 1
    while k >= a and (ann.gaz[k] in (STATE, STATE_ADJ) or texts[k] in ("'s", "’s")):
        k -= 1
    steps = 0
    while (
        k >= a and lowers[k].isalpha() and texts[k].islower() and steps < 5 and lowers[k] not in r["as_words"]
    ):
        k -= 1
        steps += 1
    if k >= a and texts[k] == ",":
        k -= 1
        while k >= a and texts[k] == ")":  # "X (France) (2009), President"
            while k >= a and texts[k] != "(":
                k -= 1
            k -= 1
        found = ann.ending_at(k, Kind.PERSON) if k >= a else None
        if found is not None:
            return [found[1]], None, "apposition"
    # X, who served as / was / is the POST
    k = _skip_back(ann, m.start - 1, r["skip_before_post"])
    if k >= a and lowers[k] in r["as_words"]:
        who = k
        while who > a and lowers[who] not in ("who", "which") and k - who < 6:
            who -= 1
        if lowers[who] == "who" and who - 1 >= a and texts[who - 1] == ",":
            found = ann.ending_at(who - 2, Kind.PERSON)
            if found is not None:
                return [found[1]], _verb_status(ann, who, k, r), "copula"
        verb_status = _verb_status(ann, a, k, r)
        named = [
            (mm, p)
            for mm, p in ann.in_range(a, k, Kind.PERSON)
            if not (
                mm.start > 0
                and lowers[_skip_back(ann, mm.start - 1, frozenset({"'s", "’s"}))] in r["succeed_words"]
            )
        ]
        if plural or (named and _listed(ann, named)):
            elect = _elect_verb_before(ann, a, k, r)
            chosen = [p for mm, p in named if elect is None or mm.start > elect]
            if chosen:
                return _unique(chosen), verb_status, "copula"
        if named:
            return [named[-1][1]], verb_status, "copula"
        if k - 2 >= a and lowers[k - 1] in r["tenure_nouns"] and lowers[k - 2] in ("his", "her"):
            owner = person_at(ann, k - 2)  # "During his tenure as POST, he was ..."
            if owner is not None:
                past = any(lowers[t] in r["copula_past"] for t in range(m.end, b))
                return [owner], verb_status or ("former" if past else None), "copula"
        pron = next((t for t in range(a, k) if lowers[t] in PRONOUNS and lowers[t] in ("he", "she")), None)
        if pron is not None:
            subject = person_at(ann, pron)
            if subject is not None:
                return [subject], verb_status, "copula"
        if k + 1 <= m.start and lowers[k] in ("becoming", "become") and a < k and lowers[a] == "before":
            found_p = next((p for _, p in ann.in_range(k, b, Kind.PERSON)), None)
            if found_p is not None:
                return [found_p], "former", "copula"
    # "... Minister of Foreign Affairs and, prior, Minister of Health": the previous post's holder
    prev = last.get(m.sent)
    if prev is not None and prev[1].end <= m.start:
        gap = [t for t in range(prev[1].end, m.start) if not ann.space[t]]
        if (
            gap
            and "and" in [lowers[t] for t in gap]
            and all(
                lowers[t] in r["coordination_gap"] or texts[t].isdigit() or ann.gaz[t] in (STATE, STATE_ADJ)
                for t in gap
            )
        ):
            return list(prev[0]), prev[2], "coordinated"
    # a plural post names the people listed after it, or in the sentences right after
    if plural:
        listed = [p for _, p in ann.in_range(m.end, b, Kind.PERSON)]
        if listed:
            return _unique(listed), None, "listed"
        listed = _listed_after(ann, m.sent)
        if listed:
            return listed, None, "listed"
    return [], None, ""


def _listed_after(ann: Annotation, sent: int) -> list[Ent]:
    """People who open the sentences right after ``sent`` ("Ann Lee (Peru) and Bo Kim (Chad) will
    sit at the Court for the first time. Eva Holm (Chile) was re-elected.")."""
    out: list[Ent] = []
    if sent in ann.headlines:
        return out
    for nxt in range(sent + 1, min(sent + 4, len(ann.sents))):
        a, b = ann.sents[nxt]
        people = ann.in_range(a, b, Kind.PERSON)
        first = next((t for t in range(a, b) if not ann.space[t]), a)
        if not people or people[0][0].start > first + 1:
            break
        out.extend(p for _, p in people if p not in out)
    return out


def _unique(people: list[Ent]) -> list[Ent]:
    out: list[Ent] = []
    for p in people:
        if p not in out:
            out.append(p)
    return out


def _listed(ann: Annotation, people: list[tuple[Mention, Ent]]) -> bool:
    """Two or more people joined by "and" / "," right before the post."""
    if len(people) < 2:
        return False
    (m1, _), (m2, _) = people[-2], people[-1]
    between = [ann.lowers[t] for t in range(m1.end, m2.start) if not ann.space[t]]
    return (
        all(
            w in (",", "and", "(", ")") or ann.gaz[t] == STATE
            for w, t in zip(between, range(m1.end, m2.start), strict=False)
        )
        or "and" in between
    )


def _elect_verb_before(ann: Annotation, a: int, k: int, r: dict[str, Any]) -> int | None:
    for t in range(k - 1, a - 1, -1):
        if ann.lowers[t] in r["verb_status"]:
            return t
    return None


def _verb_status(ann: Annotation, a: int, k: int, r: dict[str, Any]) -> str | None:
    """The status a sentence's verb gives the post after ``k`` ("as"/"was"...)."""
    words = [ann.lowers[t] for t in range(a, k + 1)]
    for w in reversed(words):
        if w in r["verb_status"]:
            return str(r["verb_status"][w])
    if any(w in r["former_adverbs"] for w in words):
        return "former"
    verb = ann.lowers[k]
    if verb == "as" and k > a:  # "served as", "was elected as"
        verb = ann.lowers[k - 1]
    if verb == "been" and k > a and ann.lowers[k - 1] == "having":
        return "former"  # "having been the Deputy Director": held before what the clause says
    if verb in r["copula_past"] or (verb == "been" and k > a + 1 and ann.lowers[k - 2] == "had"):
        before = ann.lowers[k - 1] if k > a else ""
        if before in ("has", "have") and verb == "been":
            return None
        return "former"
    return None


def _tenure_dates(ann: Annotation, m: Mention) -> tuple[PartialDate | None, PartialDate | None]:
    """ "from 1990 to 1997", "(2010-2014)", "since 2005", "in 1992" right after the post, or "for a
    term beginning 1 January 2021 and ending 30 June 2023" in the clause that follows it."""
    after = ann.ends[m.end - 1]
    tail = ann.text[after : after + 60]
    mm = re.match(
        r"[\s,]*(?:\(|from |between )?((?:19|20)\d\d)\s*(?:-|to|and|until)\s*((?:19|20)\d\d)\b", tail
    )
    if mm:
        return PartialDate(int(mm.group(1))), PartialDate(int(mm.group(2)))
    mm = re.match(r"[\s,]*(?:since|from) ((?:19|20)\d\d)\b", tail)
    if mm:
        return PartialDate(int(mm.group(1))), None
    mm = re.match(r"[\s,]*in ((?:19|20)\d\d)\b", tail)
    if mm:
        return PartialDate(int(mm.group(1))), None
    clause = re.match(r"[^.;]{0,120}", ann.text[after:])
    if clause is None or not re.search(r"\b(term|mandate|tenure)\b", clause.group(0)):
        return None, None
    start = end = None
    for d in sentence_dates(ann, m.sent):
        if d.first is None or not after <= d.start <= after + len(clause.group(0)):
            continue
        before = ann.text[max(after, d.start - 25) : d.start].lower()
        if re.search(r"\b(beginning|starting|from|effective|as of)\b", before):
            start = start or d.first
        elif re.search(r"\b(ending|expiring|until|to|through)\b", before):
            end = end or d.first
    return start, end


# -- successions: "X succeeds Y" makes Y the post's previous holder ----------------------------


def _successions(ann: Annotation, r: dict[str, Any]) -> None:
    """ "X ... as Special Representative, replacing Y" / "X will replace Y as the Special
    Representative": Y held the post named next to the succession word (and is outgoing)."""
    for sent in range(len(ann.sents)):
        a, b = ann.sents[sent]
        for t in range(a, b):
            if ann.lowers[t] not in r["succeed_words"]:
                continue
            found = person_after_succession(ann, t, b)
            if found is None:
                continue
            previous = found[1]
            posts = [(m, e) for m, e in ann.in_sent(sent, Kind.POST)]
            if posts:
                near = min(posts, key=lambda me: min(abs(me[0].end - t), abs(me[0].start - found[0].end)))
                post = near[1]
                holders = [
                    f
                    for f in ann.facts_of("holds", obj=post)
                    if sent in f.sents and f.subject is not previous
                ]
            else:  # "He succeeds Dr. X": the post he was just elected or appointed to
                successor = _subject_before(ann, a, t)
                fresh = [
                    f
                    for f in ann.facts_of("holds", subject=successor)
                    if f.attrs.get("status") in ("elected", "appointed", "re-elected", "reappointed")
                ]
                if successor is None or len(fresh) != 1:
                    continue
                post, holders = fresh[0].object, fresh
            if not holders:
                continue
            for f in holders:
                if f.attrs.get("status") == "current":
                    f.attrs["status"] = "appointed"
            ann.fact(previous, "holds", post, sent, status="outgoing")


def _subject_before(ann: Annotation, a: int, t: int) -> Ent | None:
    for j in range(t - 1, a - 1, -1):
        if ann.lowers[j] in ("he", "she") or ann.covered(j, j + 1, Kind.PERSON):
            return person_at(ann, j)
    return None


# -- nationality and representation -----------------------------------------------------------


def _nationality(ann: Annotation, r: dict[str, Any]) -> None:
    texts, lowers, n = ann.texts, ann.lowers, ann.n
    for p in ann.of_kind(Kind.PERSON):
        for m in p.mentions:
            e = m.end
            state: Ent | None = None
            # NAME (State)
            if e + 1 < n and texts[e] == "(":
                found = ann.starting_at(e + 1, Kind.STATE)
                if found is not None and found[0].end < n and texts[found[0].end] == ")":
                    state = found[1]
            # NAME of [the] State / NAME, a national of State
            elif e + 1 < n and lowers[e] == "of":
                k = e + 2 if lowers[e + 1] == "the" else e + 1
                found = ann.starting_at(k, Kind.STATE) if k < n else None
                if found is not None and ann.gaz[k] == STATE:
                    state = found[1]
            if state is None and e + 4 < n and texts[e] == ",":
                tail = " ".join(lowers[e + 1 : e + 6])
                mm = re.match(r"(?:a |an )?(?:national|citizen) of (?:the )?", tail)
                if mm:
                    k = e + 1 + len(mm.group(0).split())
                    state = ann.ent_at(k, Kind.STATE)
                elif e + 2 < n and lowers[e + 1] in ("a", "an") and ann.gaz[e + 2] == STATE_ADJ:
                    state = ann.ent_at(e + 2, Kind.STATE)  # "X, a Pakistani cardiologist"
            # State's NAME / Britain's Dr. NAME
            if state is None:
                k = m.start - 1
                while k >= 0 and (texts[k] in resources.load("people")["honorifics"] or ann.space[k]):
                    k -= 1
                if k >= 1 and texts[k] in ("'s", "’s"):
                    state = ann.ent_at(k - 1, Kind.STATE)
            if state is not None:
                ann.fact(p, "nationality", state, m.sent)
    # "the Vice-President from Argentina, X"
    for post in ann.of_kind(Kind.POST):
        for m in post.mentions:
            if m.end + 2 < n and lowers[m.end] == "from" and ann.gaz[m.end + 1] == STATE:
                state = ann.ent_at(m.end + 1, Kind.STATE)
                for f in ann.facts_of("holds", obj=post):
                    if m.sent in f.sents:
                        ann.fact(f.subject, "nationality", state, m.sent)


def _representation(ann: Annotation, r: dict[str, Any]) -> None:
    """Holders of a representative post ("Permanent Representative of Chile") represent its State."""
    for f in list(ann.facts_of("holds")):
        post = f.object
        of = post.attrs.get("of")
        if not isinstance(of, Ent) or of.kind != Kind.STATE:
            continue
        bare = re.sub(r"^(deputy |former |acting |un |united nations )+", "", post.key)
        if any(bare.startswith(h) for h in r["representative_heads"]):
            ann.fact(f.subject, "representativeOf", of, f.sents)
            # who represents a State is not said to be of its nationality as well
            for g in list(ann.facts_of("nationality", subject=f.subject, obj=of)):
                ann.drop_fact(g)


def same_person(a: Ent, b: Ent) -> bool:
    return fold(a.label) == fold(b.label)
