"""Component ``events``: meetings, sessions, conferences, elections, signings, visits, briefings.

Assigns Event entities with ``start``/``end`` (PartialDate) and ``location`` (a Place or State).
Rule data: ``rules/events.json``.

* Named events: a trigger noun with the modifiers, ordinals and capitalised words before it and its
  tail ("Regional Conference on Water Security", "812th meeting of the Committee", "the high-level
  segment"); "its thirtieth session" / "their first meeting" -> "... of the <body>".
* Nominal events: "the election of the members of the Council", "Adoption of Resolution 2231 (2015)
  by the Security Council", "the signing of the Framework".
* Meetings the text only implies: "The Council elected ..." / "The Assembly this morning adopted
  ..." -> "<body> meeting electing" (one per body), dated by the sentence, where no named event
  of that body stands in the sentence.
* A bare "the meeting" / "the Conference" refers to the last event of its kind.
* Dates: the date expressions of the event's sentence that are nearest to it and not inside another
  name; "opened on" / "concluded on" say which end; a term that begins later ("for the term
  beginning on 1 January") is not the meeting's date. Places: "in/at <place>" beside the event,
  else the dateline's place for an event of the release's day.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import Any

from kg.extract import resources
from kg.extract.annotation import Annotation, Ent, Mention, dates_order
from kg.extract.context import BODY_WORDS, focus_body, is_body, resolve_body, subject_org
from kg.extract.dates import DateMention, find_dates, resolve_day_month
from kg.extract.gazetteer import org_tail
from kg.extract.nlp import CALENDAR_WORDS, ORG, PLACE, STATE, norm_key
from kg.extract.posts import is_ordinal
from kg.model import Kind, PartialDate
from kg.text import MONTHS, find_full_date

_DETERMINERS = frozenset({"the", "a", "an", "its", "this", "that", "their", "his", "her", "these", "those"})
_FAMILY = {
    "meeting": {"meeting", "session", "meetings"},
    "session": {"session", "meeting"},
    "conference": {"conference", "summit", "meeting"},
    "summit": {"summit", "conference", "meeting"},
    "negotiations": {"negotiations", "negotiation", "consultations", "talks"},
    "consultations": {"consultations", "negotiations"},
}
_NUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "ten": 10}


@cache
def _rules() -> dict[str, Any]:
    r = resources.load("events")
    out: dict[str, Any] = dict(r)
    triggers = sorted((t.split() for t in r["triggers"]), key=len, reverse=True)
    by_first: dict[str, list[list[str]]] = {}
    for words in triggers:
        by_first.setdefault(words[0], []).append(words)
    out["by_first"] = by_first
    for key in (
        "modifiers",
        "capitalised_only",
        "start_words",
        "end_words",
        "nominal",
        "not_after",
        "topic_triggers",
        "label_drop_words",
        "standalone_triggers",
        "holding_verbs",
        "part_words",
    ):
        out[key] = frozenset(r[key])
    out["actions"] = {k.lower(): v for k, v in r["implied_meeting_actions"].items()}
    out["when"] = frozenset(r["implied_meeting_when"])
    out["passive_before"] = frozenset(r["passive_before"])
    out["action_nouns"] = dict(r["action_nouns"])
    return out


def run(ann: Annotation) -> None:
    r = _rules()
    _reference(ann)
    _header_meeting(ann)
    found = _spans(ann, r)
    for left, right, t, trig in found:
        _add(ann, left, right, t, trig, found, r)
    _implied_meetings(ann, r)
    _signings(ann, r)
    for ev in ann.of_kind(Kind.EVENT):
        _dates(ann, ev, r)
    _places(ann)


# -- the release's "today" -------------------------------------------------------------------


def _reference(ann: Annotation) -> None:
    """What "today" means: the dateline's date (year from the release date), else the release date."""
    dl = ann.dateline
    issued = ann.document.issued
    if dl is None or not dl.date_text:
        return
    full = find_full_date(dl.date_text)
    if full:
        ann.reference = full[0]
        return
    m = re.match(r"(\d{1,2})\s+(\w+)|(\w+)\s+(\d{1,2})", dl.date_text)
    if m and issued is not None:
        day, month = (m[1], m[2]) if m[1] else (m[4], m[3])
        if month.lower().rstrip(".") in MONTHS:
            ann.reference = resolve_day_month(int(day), MONTHS[month.lower().rstrip(".")], issued)


# -- the meeting a UN release's header names ------------------------------------------------

_HEADER_SESSION = re.compile(r"^\s*(?P<session>[\w-]+ (?:Special |Emergency )?Session),?\s*$", re.M)
_HEADER_MEETING = re.compile(
    r"^\s*(?P<meeting>\d+(?:st|nd|rd|th) Meeting)(?: \((?:AM|PM|Night)\))?\s*$", re.M
)


def _header_meeting(ann: Annotation) -> None:
    """ "Seventy-first Session, / 83rd Meeting (AM)" at the head of a release: the meeting it reports,
    "83rd meeting of the seventy-first session of the <body>" (the body its first sentence is about)."""
    head = ann.text[:400]
    m = _HEADER_MEETING.search(head)
    if m is None:
        return
    session = _HEADER_SESSION.search(head[: m.start()])
    body = None
    for sent in range(min(len(ann.sents), 12)):
        if sent not in ann.furniture and sent not in ann.headlines:
            body = subject_org(ann, sent)
            if body is not None:
                break
    label = m.group("meeting")[0].lower() + m.group("meeting")[1:]
    if session is not None:
        label += f" of the {session.group('session')[0].lower()}{session.group('session')[1:].lower()}"
    if body is not None:
        label += f" of the {body.label}"
    a = ann.token_at(m.start("meeting"))
    b = ann.token_at(m.end("meeting") - 1) + 1
    ev = ann.entity(Kind.EVENT, norm_key(label), label, trigger="meeting")
    ann.mention(ev, a, b, "header-meeting")
    if session is not None:
        ann.mention(
            ev,
            ann.token_at(session.start("session")),
            ann.token_at(session.end("session") - 1) + 1,
            "header-meeting",
        )
    ev.attrs["header"] = True
    if body is not None:
        ev.attrs["body"] = body


# -- named and nominal events ----------------------------------------------------------------


def _spans(ann: Annotation, r: dict[str, Any]) -> list[tuple[int, int, int, str]]:
    lowers, n = ann.lowers, ann.n
    found: list[tuple[int, int, int, str]] = []
    i = 0
    while i < n:
        words = next((w for w in r["by_first"].get(lowers[i], ()) if lowers[i : i + len(w)] == w), None)
        if words is None:
            i += 1
            continue
        k = len(words)
        trig = " ".join(words)
        if ann.gaz[i] in (ORG, PLACE) or ann.covered(i, i + k, Kind.DOCUMENT, Kind.ORGANIZATION, Kind.EVENT):
            i += k
            continue
        if i + k < n and lowers[i + k] in r["not_after"]:
            i += k
            continue
        left = _left(ann, i, r)
        if left == i and trig in r["topic_triggers"]:
            left = _topic_left(ann, i)
        if trig in r["nominal"]:
            right = _nominal_tail(ann, i + k)
            if (right == i + k and left == i) or _of_a_person(ann, i + k):
                i += k
                continue
        else:
            right = _tail(ann, i + k, trig)
        found.append((left, right, i, trig))
        i += k  # events named inside another's name are read too ("meeting of the X Conference")
    return found


def _left(ann: Annotation, i: int, r: dict[str, Any]) -> int:
    texts, lowers = ann.texts, ann.lowers
    headline = ann.sent_of[i] in ann.headlines
    left = i
    while left > 0:
        p = left - 1
        t = texts[p]
        if lowers[p] in _DETERMINERS or ann.space[p] or (not t[:1].isalnum()):
            break
        if t.isdigit() and len(t) != 4:
            break
        if headline and not (lowers[p] in r["modifiers"] or is_ordinal(t)):
            break
        if re.match(r"^[\w]+-(day|week|month|year)$", lowers[p]) or ann.covered(p, p + 1, Kind.PERSON):
            break
        if p in ann.sent_starts and lowers[p] in (
            "following",
            "during",
            "at",
            "in",
            "on",
            "speaking",
            "opening",
            "after",
        ):
            break
        if (
            lowers[p] in r["modifiers"]
            or is_ordinal(t)
            or ann.gaz[p] == ORG
            or (t[:1].isupper() and (t.isalpha() or "-" in t) and t not in CALENDAR_WORDS)
            or re.match(r"^(post|pre)-\d{4}$|^(19|20)\d\d$", lowers[p])
        ):
            left = p
            continue
        break
    return left


@cache
def _headline_verbs() -> frozenset[str]:
    """Verbs a headline writes in title case ("... Concludes in Suva"): never part of a name."""
    r = resources.load("events")
    return (
        frozenset(r["implied_meeting_actions"])
        | frozenset(r["holding_verbs"])
        | frozenset(resources.load("people")["speech_verbs"])
    )


def _topic_left(ann: Annotation, i: int) -> int:
    """ "the| humanitarian affairs |segment", "the| operational activities for development |segment":
    lower-case topic words between a determiner and the trigger."""
    k = i
    while k > 0 and i - k < 6:
        t = ann.texts[k - 1]
        low = ann.lowers[k - 1]
        if low in _DETERMINERS:
            return k if k < i and ann.lowers[k] != "for" else i
        if not (t.isalpha() or "-" in t) or (t[:1].isupper() and k - 1 in ann.sent_starts):
            return i
        k -= 1
    return i


def _tail(ann: Annotation, end: int, trig: str) -> int:
    """ "... of the General Assembly", "... on Water Security", "... of the Committee", "... to adopt
    a Global Compact for ..."."""
    texts, lowers, n = ann.texts, ann.lowers, ann.n
    right = end
    while right + 1 < n:
        if right + 2 < n and lowers[right] == "to" and lowers[right + 1] == "adopt":
            j = right + 2 + (lowers[right + 2] in ("a", "the", "an"))
            if j < n and texts[j][:1].isupper():
                found = ann.starting_at(j, Kind.DOCUMENT)
                return found[0].end if found is not None else org_tail(ann, j + 1)
        if not (
            lowers[right] in ("of", "on", "for", "to", "and", "against") and not texts[right][:1].isupper()
        ):
            break
        conn = lowers[right]
        j = right + 1
        if lowers[j] in ("the", "a", "its"):
            if conn == "and":
                break
            j += 1
        k = j
        headline = ann.sent_of[end] in ann.headlines
        while (
            k < n
            and not (headline and lowers[k] in _headline_verbs() and not ann.gaz[k])
            and (
                (texts[k][:1].isupper() and texts[k] not in CALENDAR_WORDS)
                or ann.gaz[k]
                or is_ordinal(texts[k])
                or (
                    k > j
                    and lowers[k] in ("session", "meeting")
                    and (texts[k - 1][:1].isupper() or is_ordinal(texts[k - 1]))
                )
                or (k > j and texts[k] == "," and k + 1 < n and texts[k + 1][:1].isupper())
                or (k > j and lowers[k] == "and" and k + 1 < n and texts[k + 1][:1].isupper())
            )
        ):
            k += 1
        while k > j and texts[k - 1] in (",", "and"):
            k -= 1
        if k == j:
            if conn in ("on", "for") and trig in (
                "meeting",
                "conference",
                "summit",
                "dialogue",
                "segment",
                "session",
                "forum",
                "debate",
            ):
                k = _lower_words(ann, j, 8)
                if k == j:
                    break
            else:
                break
        if conn == "to" and not ann.covered(j, k, Kind.PLACE, Kind.STATE):
            break
        right = k
    return right


def _lower_words(ann: Annotation, j: int, limit: int) -> int:
    """Lower-case words of a topic ("on ocean health", "on the right to development")."""
    stop = {
        "at",
        "in",
        "by",
        "with",
        "that",
        "which",
        "was",
        "is",
        "will",
        "were",
        "are",
        "be",
        "from",
        "as",
        "would",
        "after",
        "before",
        "during",
        "where",
        "when",
        "and",
        "under",
    }
    last = j
    k = j
    count = 0
    while k < ann.n and count < limit:
        t = ann.texts[k]
        low = ann.lowers[k]
        if not (t.isalpha() or "-" in t) or low in stop or t in CALENDAR_WORDS:
            break
        if low.endswith("ed") and len(low) > 4:
            break
        if low not in ("of", "the", "a", "an", "to", "on", "for"):
            last = k + 1
        k += 1
        count += 1
    return last


def _of_a_person(ann: Annotation, end: int) -> bool:
    """ "the election of [Minister X,] Ana Ruiz as President": an act within a meeting, not an
    event of its own (the person's post is read by the posts and roles components)."""
    if end + 1 >= ann.n or ann.lowers[end] != "of":
        return False
    k = end + 1
    post = ann.starting_at(k, Kind.POST)
    if post is not None:
        k = post[0].end
        while k < ann.n and ann.texts[k] in (",", "the"):
            k += 1
    return ann.starting_at(k, Kind.PERSON) is not None


def _nominal_tail(ann: Annotation, end: int) -> int:
    """ "election| of the members of the new Human Rights Council", "Adoption| of Resolution 2231
    (2015) by the UN Security Council", "visit| to Haiti"."""
    lowers, n = ann.lowers, ann.n
    if end >= n or lowers[end] not in ("of", "to", "between", "by"):
        return end
    right = end
    k = end
    steps = 0
    while k < n and steps < 16:
        low = lowers[k]
        t = ann.texts[k]
        if (
            low in ("of", "to", "between", "by", "the", "a", "its", "and", "new", "for")
            or t[:1].isupper()
            or t in ("(", ")")
            or t.isdigit()
        ):
            if t[:1].isupper() or t.isdigit() or t == ")":
                right = k + 1
            k += 1
            steps += 1
            continue
        if t.isalpha() and k + 1 < n and lowers[k + 1] == "of" and low.endswith("s"):
            right = k + 1  # "the members| of ..."
            k += 1
            steps += 1
            continue
        break
    return right


def _add(
    ann: Annotation,
    left: int,
    right: int,
    t: int,
    trig: str,
    spans: list[tuple[int, int, int, str]],
    r: dict[str, Any],
) -> None:
    texts, lowers = ann.texts, ann.lowers
    sent = ann.sent_of[t]
    label = ann.label(left, right)
    k = len(trig.split())
    named = [w for w in range(left, right) if w < t or w >= t + k]
    caps = [w for w in named if texts[w][:1].isupper() and ann.gaz[w] != ORG]
    headline = sent in ann.headlines
    # nested in another event's name: only a proper name of its own counts
    for l2, r2, t2, _ in spans:
        if t2 != t and l2 <= left and right <= r2 and (l2, r2) != (left, right) and len(caps) < 2:
            return
    if not named:
        # "the meeting", "the Conference": the last event of its kind
        target = _last_event(ann, trig, t)
        if target is not None:
            ann.mention(target, left, right, "event-ref")
            return
        place = _place_after(ann, right)
        if place is not None and not headline and not ann.quoted[t]:  # "the meeting in Lisbon"
            label = f"{trig} in {ann.label(place[0].start, place[0].end)}"
            ev = ann.entity(Kind.EVENT, norm_key(label), label, trigger=trig)
            ann.mention(ev, left, right, "event")
            return
        if trig in r["capitalised_only"] and texts[t][0].islower():
            return
        venue = left > 1 and lowers[left - 1] in ("the", "a") and lowers[left - 2] in ("at", "during", "in")
        if (
            trig in r["standalone_triggers"]
            and (venue or _date_near(ann, left, right, sent))
            and not ann.quoted[t]
        ):
            ev = ann.entity(Kind.EVENT, norm_key(label), label, trigger=trig)
            ann.mention(ev, left, right, "event")
            return
        if ann.quoted[t] or headline or not _date_near(ann, left, right, sent):
            return
        body = subject_org(ann, sent, before=left)
        if body is None:
            return
        label = f"{body.label} {trig}"
    elif headline and not caps and trig not in r["nominal"]:
        same = _last_event(ann, trig, ann.n)
        if same is not None:
            ann.mention(same, left, right, "event-ref")
        return
    if (
        trig in r["capitalised_only"]
        and (headline or texts[t][0].islower())
        and not any(lowers[w] in r["modifiers"] for w in named)
    ):
        return  # "a forum for Member States", "the consultation phase": a word, not an event's name
    if (
        trig in ("session", "ceremony", "segment")
        and right == t + len(trig.split())
        and named
        and all(lowers[w] in r["part_words"] for w in named)
    ):
        whole = _last_event(ann, "meeting", t) or next(iter(ann.of_kind(Kind.EVENT)), None)
        if whole is not None:  # "Speaking at the closing session, ...": the meeting's closing session
            ann.mention(whole, left, right, "event-part")
            return
    part_of = _part_of(ann, t + len(trig.split()), right, trig)
    if part_of is not None:  # "the closing ceremony of the meeting" is (part of) that meeting
        ann.mention(part_of, left, right, "event-part")
        return
    label = re.sub(r"^(its|the|a|an|their)\s+", "", label, flags=re.I)
    while label.split(" ", 1)[0].lower() in r["label_drop_words"] and " " in label:
        label = label.split(" ", 1)[1]  # "the last special session" names "special session"
    # "its thirtieth session", "their first meeting" -> "... of the <body>"
    prev = left - 1
    if (
        " of " not in label
        and trig in ("session", "meeting", "segment", "sessions", "meetings")
        and (prev >= 0 and lowers[prev] in ("its", "their", "the"))
    ):
        numbered = any(is_ordinal(texts[w]) or re.match(r"^(19|20)\d\d$", texts[w]) for w in named)
        body = subject_org(ann, sent, before=left) if lowers[prev] != "the" else None
        if body is None and (lowers[prev] in ("its", "their") or numbered):
            body = focus_body(ann, left)
        if body is not None and (numbered or any(lowers[w] in r["modifiers"] for w in named)):
            label = f"{label} of the {body.label}"
    elif " of " not in label and trig in ("session", "meeting", "sessions", "meetings") and prev >= 0:
        # "The Council held a special session": the subject body's
        k = prev
        while k >= 0 and lowers[k] in ("a", "an", "the", "its", "their"):
            k -= 1
        if k >= 0 and lowers[k] in r["holding_verbs"]:
            body = subject_org(ann, sent, before=k)
            if body is not None:
                label = f"{label} of the {body.label}"
    # "Council session": "session of the Council"
    m = re.match(r"^(Council|Assembly|Commission|Committee) (.+)$", label)
    if m and m.group(1) in BODY_WORDS:
        body = resolve_body(ann, m.group(1), left)
        if body is not None:
            label = f"{m.group(2)} of the {body.label}"
    key = norm_key(label)
    header = _header_of(ann, label, sent, trig)
    if header is not None:  # "they held an emergency meeting today": the meeting the header names
        ann.mention(header, left, right, "event-ref")
        return
    target = ann.find(Kind.EVENT, key)
    if target is None:
        for ev in ann.of_kind(Kind.EVENT):
            if ev.trigger == trig and (
                _shares_name(ev.key, key) or (trig in r["nominal"] and _same_act(ev.key, key))
            ):
                target = ev
                break
            # "an intergovernmental conference on ..." describes the named "Intergovernmental Conference ..."
            if (
                not caps
                and ev.trigger == trig
                and ev.label[:1].isupper()
                and ev.key.split()[0] == key.split()[0]
            ):
                ann.mention(ev, left, right, "event-ref")
                return
    if target is None:
        target = ann.entity(Kind.EVENT, key, label, trigger=trig)
        if headline:
            target.attrs["headline_label"] = True
    elif not headline and (len(label) > len(target.label) or target.attrs.get("headline_label")):
        target = ann.rekey(target, key, label)  # the body's wording names it better than a headline
        target.attrs.pop("headline_label", None)
    else:
        target.alt.add(label)
    ann.mention(target, left, right, "event")


def _part_of(ann: Annotation, end: int, right: int, trig: str) -> Ent | None:
    """The event a ceremony, segment or opening session belongs to: "... of the meeting"."""
    if (
        trig not in ("ceremony", "segment", "session", "phase", "part")
        or end + 1 >= ann.n
        or ann.lowers[end] != "of"
    ):
        return None
    k = end + 1
    if ann.lowers[k] not in ("the", "this", "that"):
        return None
    k += 1
    found = ann.starting_at(k, Kind.EVENT)
    if found is not None and found[0].end >= right - 1:
        return found[1]
    if (
        k < ann.n
        and ann.lowers[k] in ("meeting", "conference", "summit", "session", "forum")
        and k + 1 >= right
    ):
        return _last_event(ann, ann.lowers[k], k)
    return None


def _place_after(ann: Annotation, right: int) -> tuple[Mention, Ent] | None:
    if right + 1 < ann.n and ann.lowers[right] == "in":
        return ann.starting_at(right + 1, Kind.PLACE)
    return None


def _last_event(ann: Annotation, trig: str, before: int) -> Ent | None:
    for family in ({trig}, _FAMILY.get(trig, {trig})):
        best: tuple[int, Ent] | None = None
        for ev in ann.of_kind(Kind.EVENT):
            if ev.trigger in family:
                for m in ev.mentions:
                    if m.start < before and (best is None or m.start > best[0]):
                        best = (m.start, ev)
        if best is not None:
            return best[1]
    return None


def _shares_name(a: str, b: str) -> bool:
    wa, wb = a.split(), b.split()
    short, long = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    content = [
        w for w in short if w not in ("the", "of", "on", "for", "a", "to", "and", "un", "united", "nations")
    ]
    return len(content) >= 2 and all(w in long for w in content)


def _header_of(ann: Annotation, label: str, sent: int, trig: str) -> Ent | None:
    """The meeting a release's header names, when a sentence describes it again ("an emergency
    meeting of the Security Council today")."""
    if trig != "meeting":
        return None
    a, b = ann.sents[sent]
    today = any(ann.lowers[t] in ("today", "morning", "afternoon", "evening") for t in range(a, b))
    for ev in ann.of_kind(Kind.EVENT):
        body = ev.attrs.get("body")
        if ev.attrs.get("header") and isinstance(body, Ent) and today and label.endswith(body.label):
            return ev
    return None


def _same_act(a: str, b: str) -> bool:
    """ "election of the 47 members of the Council" and "election of the members of the new Human
    Rights Council": one act (the same trigger, the same object)."""
    stop = {"the", "of", "a", "an", "by", "to", "new", "and", "for", "on", "its", "their"}
    wa = {w for w in a.split() if w not in stop and not w.isdigit()}
    wb = {w for w in b.split() if w not in stop and not w.isdigit()}
    return len(wa & wb) >= 3 or (len(wa & wb) >= 2 and (wa <= wb or wb <= wa))


def _date_near(ann: Annotation, left: int, right: int, sent: int) -> bool:
    a, b = ann.idx[left], ann.ends[right - 1]
    return any(
        d.first is not None and (0 <= d.start - b <= 40 or 0 <= a - d.end <= 40)
        for d in sentence_dates(ann, sent)
    )


def sentence_dates(ann: Annotation, sent: int) -> list[DateMention]:
    """The date expressions of a sentence, with offsets into the text (cached per sentence)."""
    cache_: dict[int, list[DateMention]] = ann.__dict__.setdefault("_dates", {})
    if sent not in cache_:
        a, b = ann.sents[sent]
        start = ann.idx[a]
        found = find_dates(ann.span_text(a, b), ann.reference)
        cache_[sent] = [
            DateMention(d.start + start, d.end + start, d.kind, d.first, d.last)
            for d in found
            if d.start + start >= ann.dateline_end
        ]
    return cache_[sent]


# -- meetings the text implies ---------------------------------------------------------------


def _implied_meetings(ann: Annotation, r: dict[str, Any]) -> None:
    """ "The Council elected ..." -> "<body> meeting electing", once per body, where the sentence
    names no event of that body."""
    done: set[str] = set()
    for sent in range(len(ann.sents)):
        if sent in ann.furniture:
            continue
        a, b = ann.sents[sent]
        if ann.dateline_end and ann.idx[a] < ann.dateline_end:
            a = ann.token_at(ann.dateline_end) + 1  # the sentence after its dateline
        for t in range(a, min(b, a + 30)):
            gerund = r["actions"].get(ann.lowers[t])
            if gerund is None or ann.quoted[t]:
                continue
            if t > a and ann.lowers[t - 1] in r["passive_before"]:
                continue  # "is considered elected", "was adopted": nobody acts in the sentence
            body = subject_org(ann, sent, before=t)
            if body is None or not is_body(body) or body.key == "united nations" or body.id in done:
                break
            if sent in ann.headlines and not any(ann.lowers[x] in r["when"] for x in range(a, b)):
                break
            named = [e for m, e in ann.in_sent(sent, Kind.EVENT)]
            sitting = any(ann.lowers[x] in ("morning", "afternoon", "evening", "night") for x in range(a, b))
            if named and not sitting:
                break
            if any(
                ev.trigger in r["nominal"]
                and (body.label in ev.label or ann.covered(m.start, m.end, Kind.ORGANIZATION))
                for ev in ann.of_kind(Kind.EVENT)
                for m in ev.mentions[:1]
                if any(o is body for _, o in ann.in_range(m.start, m.end, Kind.ORGANIZATION))
            ):
                break  # the release names the act itself ("Adoption of ... by the Security Council")
            header = next(
                (e for e in ann.of_kind(Kind.EVENT) if e.attrs.get("header") and e.attrs.get("body") is body),
                None,
            )
            if header is not None:
                ann.mention(header, t, t + 1, "implied-meeting")
                done.add(body.id)
                break
            if not sitting and any(
                e.label.endswith(f"of the {body.label}") and e.first() < t for e in ann.of_kind(Kind.EVENT)
            ):
                break  # "... concluded its special session. The Council adopted ...": at that session
            label = f"{body.label} meeting {gerund}"
            ev = ann.entity(Kind.EVENT, norm_key(label), label, trigger="meeting")
            nominal = r["action_nouns"].get(gerund)
            if nominal:
                ev.alt.add(f"{body.label} {nominal}")  # "General Assembly election"
            ev.attrs["implied"] = True
            ev.attrs["body"] = body
            if ann.reference is not None and not sentence_dates(ann, sent):
                ev.attrs["release_day"] = True  # "The Council elected ...": on the release's day
            ann.mention(ev, t, t + 1, "implied-meeting")
            done.add(body.id)
            break


def _signings(ann: Annotation, r: dict[str, Any]) -> None:
    """ "Signed in February by Angola, Burundi, ..., the framework agreement ..." -> the signing of
    that document, with the signatories."""
    for i, low in enumerate(ann.lowers):
        if low not in ("signed", "signing") or ann.covered(i, i + 1, Kind.EVENT):
            continue
        sent = ann.sent_of[i]
        docs = [e for m, e in ann.in_sent(sent, Kind.DOCUMENT)]
        if not docs:
            continue
        doc = docs[0]
        label = f"signing of the {doc.label}"
        ev = ann.entity(Kind.EVENT, norm_key(label), label, trigger="signing")
        ev.attrs["signed"] = doc
        ann.mention(ev, i, i + 1, "signing")


# -- dates and places ------------------------------------------------------------------------


def _dates(ann: Annotation, ev: Ent, r: dict[str, Any]) -> None:
    start: PartialDate | None = None
    end: PartialDate | None = None
    duration = None
    for m in sorted(ev.mentions, key=lambda m: m.start):
        if m.start > 0:
            dm = re.match(r"^(\w+)-day$", ann.lowers[m.start - 1])
            if dm:
                duration = _NUM.get(dm.group(1)) or (int(dm.group(1)) if dm.group(1).isdigit() else None)
        dates = sentence_dates(ann, m.sent)
        if not dates:
            continue
        others = [om for om, oe in ann.in_sent(m.sent, Kind.EVENT) if oe is not ev]
        a, b = ann.idx[m.start], ann.ends[m.end - 1]
        for d in dates:
            if d.first is None:
                continue
            dist = _dist(a, b, d.start, d.end)
            if any(_dist(ann.idx[om.start], ann.ends[om.end - 1], d.start, d.end) < dist for om in others):
                continue
            t = ann.token_at(d.start)
            if ann.covered(t, t + 1, Kind.POST, Kind.DOCUMENT, Kind.PERSON):
                continue
            cue = _cue_before(ann, d.start, ann.idx[ann.sents[m.sent][0]])
            term = cue in ("term", "beginning", "expiring", "until", "effective", "mandate", "from")
            if term and not ev.attrs.get("signed") and (cue != "from" or d.last is None):
                continue  # a term that begins later is not the meeting's date
            if d.last is not None:
                start, end = start or d.first, end or d.last
            elif cue in r["end_words"]:
                end = end or d.first
            elif cue in r["start_words"]:
                start = start or d.first
            elif start is None:
                start = d.first
    if duration and end is not None and start is None and end.day is not None and end.month is not None:
        first = dt.date(end.year, end.month, end.day) - dt.timedelta(days=duration - 1)
        start = PartialDate.from_date(first)
    if start is not None and end is not None and dates_order(end) < dates_order(start):
        end = None
    if start is None and ev.attrs.get("release_day") and ann.reference is not None:
        start = PartialDate.from_date(ann.reference)
    if ev.trigger in r["single_day_triggers"] and start is not None and end is None and start.day is not None:
        end = start
    if start is not None:
        ev.attrs["start"] = start
    if end is not None:
        ev.attrs["end"] = end


def _cue_before(ann: Annotation, char: int, floor: int) -> str:
    words = re.findall(r"[a-z]+", ann.text[max(floor, char - 30) : char].lower())
    for w in reversed(words):
        if w in (
            "on",
            "in",
            "the",
            "of",
            "by",
            "and",
            "at",
            "be",
            "is",
            "are",
            "will",
            "expected",
            "held",
            "was",
            "were",
            "which",
        ):
            continue
        return str(w)
    return ""


def _dist(a0: int, a1: int, b0: int, b1: int) -> int:
    if b0 >= a1:
        return b0 - a1
    if a0 >= b1:
        return a0 - b1
    return 0


def _places(ann: Annotation) -> None:
    """ "in/at <place>" beside the event; else the dateline's place for an event of that day."""
    for ev in ann.of_kind(Kind.EVENT):
        for m in ev.mentions:
            if "location" in ev.attrs:
                break
            best: tuple[int, Ent, Mention] | None = None
            for pm, pe in ann.in_sent(m.sent, Kind.PLACE, Kind.STATE):
                if pm.start == 0 or ann.lowers[pm.start - 1] not in ("in", "at"):
                    continue
                if ann.covered(
                    pm.start, pm.end, Kind.POST, Kind.ORGANIZATION, Kind.DOCUMENT
                ) and not ann.covered(pm.start, pm.end, Kind.EVENT):
                    continue
                if ann.gaz[pm.start] == STATE and pe.kind == Kind.STATE and ann.lowers[pm.start - 1] == "at":
                    continue
                d = _dist(m.start, m.end, pm.start, pm.end)
                if d < 25 and (best is None or d < best[0]):
                    best = (d, pe, pm)
            if best is not None:
                ev.attrs["location"] = best[1]
                ev.attrs["location_sent"] = m.sent
    place = _dateline_place(ann)
    ref = ann.reference
    if place is None or ref is None:
        return
    for ev in ann.of_kind(Kind.EVENT):
        when = ev.attrs.get("start") or ev.attrs.get("end")
        if (
            "location" in ev.attrs
            or not isinstance(when, PartialDate)
            or when.day is None
            or when.month is None
        ):
            continue
        if abs((dt.date(when.year, when.month, when.day) - ref).days) <= 7:
            ev.attrs["location"] = place
            ev.attrs["location_sent"] = ev.mentions[0].sent


def _dateline_place(ann: Annotation) -> Ent | None:
    dl = ann.dateline
    if dl is None:
        return None
    t = ann.token_at(dl.place_start)
    found = ann.ent_at(t, Kind.PLACE, Kind.STATE)
    if found is not None:
        return found
    end = ann.token_at(dl.place_end - 1) + 1
    place = ann.add(Kind.PLACE, norm_key(dl.place), dl.place, t, end, "dateline")
    return place
