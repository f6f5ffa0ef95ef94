"""Component ``people``: persons, found by the context their names stand in, never by name lists.

Assigns Person entities (label: the fullest name the text gives; ``gender`` from an honorific).

A *name* is a run of name-like tokens (capitalised words, initials "K." / "K", particles between them:
"Anna K Lindqvist", "Peter J R Omondi", "María de la Cruz", "Khalid Abdul Karim Al Noor",
"Dr. [Asha-Rose] Migiro"), at most ``max_name_tokens`` long and never through a State, organisation
or post. A run is a person when its context says so (rules/people.json "cues"):

    honorific or title before          "Mr. Ammann", "Dr Amina Rashed", "Sheikh Hamad"
    post before                        "Secretary-General Lee Min-ho", "President of Switzerland
                                       Anneliese Brunner-Voss", "the Vice-President from Argentina, X"
    State after or before              "X (Estonia)", "X of Ethiopia", "China's Dr. X", "Britain's X"
    apposition                         "X, Permanent Representative of ...", "X, 52,", "X, who ..."
    verb                               "X said", "said X", "appointed X", "replacing X", "polled by X"
    credit                             "UN Photo/Paul-Henri Marceau", "Photo: X"
    coordination                       "X (Peru) and Y (Chad)": a name listed with a person

Single names count after an honorific, a title or a post only. A headline's title-case words are
names only with a strong cue (honorific, title, post, State in brackets) or when the body names
the same person. Runs are read in one pass over the tokens: linear in the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from kg.extract import resources
from kg.extract.annotation import Annotation, Ent
from kg.extract.nlp import ORG, PLACE, STATE, STATE_ADJ, fold, institution_words, is_initial, norm_key
from kg.model import Kind

NAME, INITIAL, PARTICLE = 1, 2, 4
_BRACKETS = frozenset({"[", "]"})


@cache
def _rules() -> dict[str, Any]:
    r = resources.load("people")
    out: dict[str, Any] = dict(r)
    out["stop"] = frozenset(r["stopwords"])
    out["particles"] = frozenset(r["particles"])
    out["speech"] = frozenset(r["speech_verbs"])
    cues = r["cues"]
    out["verbs_before"] = frozenset(cues["verbs_before"])
    out["words_after"] = frozenset(cues["words_after"])
    out["credit_words"] = frozenset(cues["credit_words"])
    out["verbs_after"] = frozenset(cues["verbs_after"])
    out["copulas"] = frozenset(cues["copulas"])
    return out


@dataclass
class Run:
    start: int
    end: int
    names: int  # how many NAME tokens (not initials or particles)


def token_classes(ann: Annotation, r: dict[str, Any]) -> list[int]:
    out = [0] * ann.n
    hon, titles, stop, particles = r["honorifics"], r["titles"], r["stop"], r["particles"]
    for i, t in enumerate(ann.texts):
        if ann.gaz[i] in (STATE, STATE_ADJ, ORG) or t in stop or t in hon or t in titles:
            continue
        if is_initial(t):
            out[i] = INITIAL
        elif ann.name_like[i]:
            out[i] = NAME
        elif t in particles:
            out[i] = PARTICLE
    return out


def name_runs(ann: Annotation, cls: list[int], limit: int) -> list[Run]:
    """Maximal runs of name tokens (brackets inside a run are skipped over), in text order."""
    runs: list[Run] = []
    n = ann.n
    i = 0
    while i < n:
        if not cls[i] & (NAME | INITIAL) or ann.covered(i, i + 1, Kind.POST):
            i += 1
            continue
        start = i
        j = i
        last_name = -1
        names = 0
        while j < n:
            c = cls[j]
            if ann.covered(j, j + 1, Kind.POST) or (j > start and j in ann.sent_starts):
                break
            if c & NAME:
                names += 1
                last_name = j
                j += 1
            elif (
                c & INITIAL
                or (c & PARTICLE and j + 1 < n and cls[j + 1] & (NAME | PARTICLE))
                or (ann.texts[j] in _BRACKETS and j + 1 < n and cls[j + 1] & NAME)
                or (ann.texts[j] == "]" and j > start)
            ):
                j += 1
            else:
                break
        end = last_name + 1
        if names and end > start and end - start <= limit:
            runs.append(Run(start, end, names))
        i = max(j, i + 1)
    return runs


def run(ann: Annotation) -> None:
    r = _rules()
    cls = token_classes(ann, r)
    runs = name_runs(ann, cls, int(r["max_name_tokens"]))
    accepted: list[tuple[Run, str, str | None]] = []
    rejected: list[Run] = []
    institutions = institution_words()
    for nr in runs:
        if all(ann.texts[t] in institutions for t in range(nr.start, nr.end) if cls[t] & NAME):
            continue  # "Human Resources Management"
        cue, gender = _cue(ann, nr, r)
        if cue is not None and (nr.names >= 2 or cue in ("honorific", "title", "post")):
            accepted.append((nr, cue, gender))
        else:
            rejected.append(nr)
    # coordination: a name listed right after a person ("X (Peru) and Y (Chad)", "X, Y and Z")
    people_ends = {a.end for a, _, _ in accepted}
    changed = True
    while changed:
        changed = False
        for nr in list(rejected):
            if nr.names >= 2 and _listed_after(ann, nr.start, people_ends):
                accepted.append((nr, "coordination", None))
                people_ends.add(nr.end)
                rejected.remove(nr)
                changed = True
    accepted.sort(key=lambda a: (-(a[0].names), a[0].start))
    for nr, cue, gender in accepted:
        _add_person(ann, nr, cue, gender, r)
    # a place or State named inside a person's name ("Ana Lima") is not a mention of its own
    for person in ann.of_kind(Kind.PERSON):
        for m in person.mentions:
            for other in ann.of_kind(Kind.PLACE):
                for om in list(other.mentions):
                    if m.start <= om.start and om.end <= m.end:
                        ann.drop_mention(other, om)
    # the same full name again where no cue stands beside it
    full = {fold(p.label): p for p in ann.of_kind(Kind.PERSON) if len(p.label.split()) >= 2}
    for nr in rejected:
        p = full.get(fold(_clean(ann.label(nr.start, nr.end))))
        if p is not None:
            ann.mention(p, nr.start, nr.end, "repeat")


def _clean(label: str) -> str:
    return " ".join(label.replace("[", " ").replace("]", " ").split())


def _prev(ann: Annotation, i: int) -> int:
    """The index of the token before ``i``, over brackets and whitespace (-1 if none)."""
    k = i - 1
    while k >= 0 and (ann.space[k] or ann.texts[k] in _BRACKETS):
        k -= 1
    return k


def _cue(ann: Annotation, nr: Run, r: dict[str, Any]) -> tuple[str | None, str | None]:
    """Why the run is a person's name (None: nothing says so), and the gender an honorific gives."""
    texts, lowers = ann.texts, ann.lowers
    s, e = nr.start, nr.end
    p = _prev(ann, s)
    before = texts[p] if p >= 0 else ""
    headline = ann.sent_of[s] in ann.headlines
    hon, titles = r["honorifics"], r["titles"]
    if s > 0 and texts[s - 1] == "[":
        close = next((k for k in range(e, min(ann.n, e + 3)) if texts[k] == "]"), None)
        continued = close is not None and close + 1 < ann.n and ann.is_cap(close + 1)
        if continued or not (before in hon or (p >= 0 and ann.ending_at(p, Kind.POST))):
            return None, None  # "MDG [Millennium Development Goals] Advocate Group": a gloss, not a name
    if before in hon:
        return "honorific", hon[before] or None
    if before in titles:
        return "title", titles[before] or None
    if p >= 0 and ann.ending_at(p, Kind.POST) is not None and not headline:
        return "post", None
    if p >= 1 and texts[p] == ",":
        k = p - 1
        found_state = ann.ending_at(k, Kind.STATE)
        if (
            found_state is not None
            and found_state[0].start >= 1
            and lowers[found_state[0].start - 1] == "from"
        ):
            k = found_state[0].start - 2  # "the Vice-President from Argentina, X"
        ends_name = e >= ann.n or texts[e] in (",", ".", "(", ";", ":") or ann.space[e]
        if k >= 0 and ann.ending_at(k, Kind.POST) is not None and ends_name:
            return "post", None
    if p >= 1 and lowers[p] in ("by", "from", "with") and lowers[p - 1] in r["cues"]["author_words"]:
        return "author", None  # "Statement by X", "Message from X" (also in a headline)
    after = texts[e] if e < ann.n else ""
    if after == "(" and e + 1 < ann.n and ann.ent_at(e + 1, Kind.STATE) is not None:
        st = ann.ent_at(e + 1, Kind.STATE)
        found = ann.starting_at(e + 1, Kind.STATE)
        if st is not None and found is not None and found[0].end < ann.n and texts[found[0].end] == ")":
            return "state-in-brackets", None
    if before in ("/", ":", "©") and (before == "©" or (p >= 1 and lowers[p - 1] in r["credit_words"])):
        return "credit", None
    if headline:
        return None, None
    if after.lower() == "of" and e + 1 < ann.n:
        k = e + 2 if lowers[e + 1] == "the" else e + 1
        found = ann.starting_at(k, Kind.STATE) if k < ann.n else None
        if found is not None and ann.gaz[k] == STATE:
            nxt = found[0].end
            if nxt >= ann.n or not (texts[nxt][:1].isupper() and texts[nxt].isalpha()):
                return "of-state", None
    if p >= 1 and texts[p] in ("'s", "’s") and ann.ent_at(p - 1, Kind.STATE) is not None:
        return "state-possessive", None
    if p >= 0 and ann.gaz[p] == STATE_ADJ:
        return "demonym", None
    if after.lower() in r["speech"] or before.lower() in r["speech"] or after.lower() in r["verbs_after"]:
        return "speech", None
    if (
        after.lower() in ("at", ",")
        and e + 1 < ann.n
        and ann.lowers[e + 1].rstrip(".:") in r["cues"]["contact_words"]
    ):
        return "contact", None  # "Lina Haddad at email: ...", "Lina Haddad, tel: ..."
    if after.lower() in r["copulas"]:  # "X was President of ...", "X will serve as Special Envoy"
        k = e + 1
        steps = 0
        while k < ann.n and steps < 6 and not ann.starting_at(k, Kind.POST):
            if texts[k] in (".", ";", ",") or (texts[k][:1].isupper() and not ann.gaz[k]):
                break
            k += 1
            steps += 1
        if k < ann.n and ann.starting_at(k, Kind.POST) is not None:
            return "copula-post", None
    if before.lower() in r["verbs_before"]:
        return "verb", None
    if after == ",":
        k = e + 1
        while k < ann.n and ann.space[k]:
            k += 1
        if k < ann.n and (lowers[k] in r["words_after"] or texts[k].isdigit()):
            return "apposition", None
        steps = 0
        while (
            k < ann.n
            and steps < 5
            and ann.starting_at(k, Kind.POST) is None
            and (
                lowers[k] in ("the", "a", "an", "its", "his", "her")
                or (texts[k][:1].islower() and texts[k].isalpha())
            )
        ):
            k += 1
            steps += 1
        if k < ann.n and texts[k] in ("'s", "’s"):
            k += 1
        if k < ann.n and (ann.starting_at(k, Kind.POST) is not None or ann.gaz[k] == STATE):
            found = ann.starting_at(k, Kind.STATE)
            if (
                found is None
                or (found[0].end < ann.n and texts[found[0].end] in ("'s", "’s"))
                or (ann.starting_at(k, Kind.POST) is not None)
            ):
                return "apposition", None
    return None, None


def _listed_after(ann: Annotation, start: int, people_ends: set[int]) -> bool:
    """Whether the run at ``start`` follows a person in a list ("..., Y" / "... and Y")."""
    k = _prev(ann, start)
    if k < 0 or ann.lowers[k] not in ("and", ",", "or"):
        return False
    j = _prev(ann, k)
    if j >= 0 and ann.lowers[k] == "and" and ann.texts[j] == ",":
        j = _prev(ann, j)
    if j >= 0 and ann.texts[j] == ")":  # "X (Peru) and Y"
        while j >= 0 and ann.texts[j] != "(":
            j -= 1
        j = _prev(ann, j)
    return j + 1 in people_ends


def _add_person(ann: Annotation, nr: Run, cue: str, gender: str | None, r: dict[str, Any]) -> None:
    label = _clean(ann.label(nr.start, nr.end))
    if not label:
        return
    words = label.split()
    p = _known(ann, words)
    p_start = nr.start
    before = _prev(ann, nr.start)
    honorific = before >= 0 and (ann.texts[before] in r["honorifics"] or ann.texts[before] in r["titles"])
    if honorific and not ann.covered(before, before + 1, Kind.POST):
        p_start = before  # the mention includes the honorific ("Mr. Ammann"), as the text names him
    if p is None:
        if all(ann.gaz[t] == PLACE for t in range(nr.start, nr.end) if not ann.space[t]) and cue not in (
            "honorific",
            "title",
        ):
            return
        if cue == "title" and len(words) == 1:
            label = f"{ann.texts[before]} {label}"  # "Pope Francis", "Sheikh Hamad"
        p = ann.entity(Kind.PERSON, norm_key(label), label)
    ann.mention(p, p_start, nr.end, cue)
    if gender and not p.attrs.get("gender"):
        p.attrs["gender"] = gender
    # a photo credit or byline names a person who is never the speaker the text quotes
    p.attrs["credit"] = all(m.rule in ("credit", "author") for m in p.mentions)


def _known(ann: Annotation, words: list[str]) -> Ent | None:
    """The person already read whose name this is, or a shorter or longer form of it."""
    folded = [fold(w) for w in words]
    for p in ann.of_kind(Kind.PERSON):
        pw = [fold(w) for w in p.label.split()]
        if pw == folded or (len(folded) >= 2 and _subsequence(folded, pw)):
            return p
    return None


def _subsequence(short: list[str], long: list[str]) -> bool:
    """``short`` is ``long`` without some of its middle words (first and last words kept)."""
    if len(short) >= len(long) or not short or short[0] != long[0] or short[-1] != long[-1]:
        return False
    it = iter(long)
    return all(any(w == x for x in it) for w in short)
