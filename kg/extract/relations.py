"""Relations between the entities a Reader found, and quotations with their speakers.

Each rule looks at one sentence (a few at the sentences after it) and adds facts with that
sentence as evidence. Pronouns ("she said") resolve to the most recent compatible person.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import cache
from typing import Any, cast

from kg.extract import resources
from kg.extract.mentions import Cluster, Ment
from kg.extract.pipeline import SPEECH, STATE
from kg.extract.reader import Reader
from kg.model import Kind, PartialDate

_PERSON = [Kind.PERSON]


def _words(rules: dict[str, object], key: str) -> list[str]:
    value = rules[key]
    assert isinstance(value, list)
    return [str(v) for v in value]


@cache
def _rule_words() -> dict[str, frozenset[str]]:
    """The one-word lists of rules/relations.json as sets."""
    rules = resources.load("relations")
    return {k: frozenset(map(str, v)) for k, v in rules.items() if isinstance(v, list)}


@cache
def _phrase_patterns(key: str) -> list[re.Pattern[str]]:
    """One compiled whole-word pattern per phrase of a rules/relations.json list."""
    return [re.compile(rf"\b{re.escape(p)}\b") for p in _words(resources.load("relations"), key)]


@cache
def _place_names() -> dict[str, dict[str, Any]]:
    """The gazetteer's places by name and by variant (names first)."""
    places: list[dict[str, Any]] = resources.load("places")["places"]
    names = {str(p["name"]): p for p in places}
    for p in places:
        for v in cast(list[str], p["variants"]):
            names.setdefault(v, p)
    return names


@cache
def _any_phrase(key: str) -> re.Pattern[str]:
    """Whether any phrase of a rules/relations.json list occurs (one search instead of one per phrase)."""
    phrases = sorted(_words(resources.load("relations"), key), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(p) for p in phrases) + r")\b")


class Relations:
    def __init__(self, reader: Reader) -> None:
        self.r = reader
        self.doc = reader.doc
        self.rules = resources.load("relations")
        self.people = resources.load("people")
        self.pronoun_gender: dict[str, str] = self.people["pronouns"]
        self.speech = frozenset(self.people["speech_verbs"])
        self.appointer: Cluster | None = None
        self.elector: Cluster | None = None
        self.speakers: dict[int, list[Cluster]] = {}
        self.paren_nationality: set[tuple[str, str, str]] = set()
        self.quotes: list[tuple[int, int, Cluster, Cluster | None]] = []
        words = _rule_words()
        self.succeed = words["succeed_after"]
        self.elect = words["elect"]
        self.appoint = words["appoint"]
        self.adopt = words["adopt"]
        # per sentence: its lower-case tokens ("_" for whitespace), as the rules below read them
        self.lowers = [
            "_" if t.isspace() else low for t, low in zip(reader.texts, reader.lowers, strict=True)
        ]

    # ---------------------------------------------------------------- coreference

    def person_before(
        self, token: int, gender: str | None = None, exclude: set[str] | None = None
    ) -> Cluster | None:
        """The most recent person mentioned before ``token`` (compatible gender when known)."""
        best: tuple[int, Cluster] | None = None
        for c in self.r.clusters_of(Kind.PERSON):
            if exclude and c.local_id in exclude:
                continue
            if gender and c.gender and c.gender != gender:
                continue
            for m in c.mentions:
                if m.end <= token and (best is None or m.start > best[0]):
                    best = (m.start, c)
        return best[1] if best else None

    def person_at(self, token: int) -> Cluster | None:
        """The person named at ``token``, or the person a pronoun there refers to."""
        found = self.r.cluster_at(token, _PERSON)
        if found:
            return found[1]
        tok = self.doc[token]
        gender = self.pronoun_gender.get(tok.lower_)
        if gender:
            c = self.person_before(token, gender)
            if c is not None and c.gender is None:
                c.gender = gender
            return c
        return None

    def people_in(self, start: int, end: int) -> list[tuple[int, Cluster]]:
        """The people whose mentions start in tokens [start, end), each once, in text order."""
        out: list[tuple[int, Cluster]] = []
        seen: set[str] = set()
        at = self.r.person_index()
        for t in range(start, end):
            found = at.get(t)
            if found:
                _, _, m, c = found[0]
                if c.local_id not in seen and m.start == t:
                    out.append((t, c))
                    seen.add(c.local_id)
        return out

    # ---------------------------------------------------------------- rules

    def run(self) -> None:
        self.holds()
        self.nationality()
        for i, sent in enumerate(self.r.sents):
            self.sentence_rules(i, sent.start, sent.end)
        self.event_dates_and_places()
        self.quotes_and_speakers()
        self.representation()
        self.org_places()
        self.prune_posts()

    def holds(self) -> None:
        r, doc = self.r, self.doc
        succeed = frozenset(_words(self.rules, "succeed_after"))
        for span, post, plural in r.post_spans:
            sent = r.sent_of[span.start]
            s = r.sents[sent]
            holders: list[Cluster] = []
            # POST, NAME / POST NAME
            k = span.end
            if k < len(doc) and doc[k].text == ",":
                k += 1
            if k < len(doc):
                found = r.cluster_at(k, _PERSON)
                if found:
                    holders.append(found[1])
                    if plural:
                        for _, c in self.people_in(k, s.end):
                            if c not in holders:
                                holders.append(c)
            # NAME, [lowercase words] [State's] POST  /  NAME (State), POST
            if not holders:
                k = span.start - 1
                if k >= s.start and doc[k].text in (
                    "Council",
                    "Assembly",
                    "Court",
                    "Conference",
                    "Committee",
                ):
                    k -= 1
                while k >= s.start and (doc[k].ent_type_ == STATE or doc[k].text in ("'s", "’s")):
                    k -= 1
                steps = 0
                while k >= s.start and doc[k].is_lower and doc[k].is_alpha and steps < 5:
                    k -= 1
                    steps += 1
                if k >= s.start and doc[k].text == ",":
                    k -= 1
                    while k >= s.start and doc[k].text == ")":
                        while k >= s.start and doc[k].text != "(":
                            k -= 1
                        k -= 1
                    found = r.cluster_at(k, _PERSON) if k >= s.start else None
                    if found and found[0].end == k + 1:
                        holders.append(found[1])
            # "... as / become / serve as [the] POST": the nearest person before, or all of them for a plural
            if not holders:
                k = span.start - 1
                while k >= s.start and doc[k].lower_ in (
                    "the",
                    "a",
                    "its",
                    "his",
                    "her",
                    "their",
                    "new",
                    "next",
                    "former",
                    "outgoing",
                    "current",
                    "then",
                    "incoming",
                    "acting",
                ):
                    k -= 1
                if k >= s.start and doc[k].lower_ in (
                    "as",
                    "become",
                    "becoming",
                    "becomes",
                    "named",
                    "appointed",
                    "been",
                    "was",
                    "is",
                    "remains",
                ):
                    people = [
                        (t, c)
                        for t, c in self.people_in(s.start, k)
                        if not (t > 0 and doc[t - 1].lower_ in succeed)
                    ]
                    if plural:
                        holders.extend(c for _, c in people)
                    elif people:
                        holders.append(people[-1][1])
                    else:
                        pron = [t for t in range(s.start, k) if doc[t].lower_ in self.pronoun_gender]
                        if pron:
                            subject = self.person_at(pron[0])
                            if subject is not None:
                                holders.append(subject)
                    # "X will replace Y as POST" / "X ... as POST, replacing Y": Y held it too
                    for t, c in self.people_in(s.start, s.end):
                        if t > 0 and doc[t - 1].lower_ in succeed and c not in holders:
                            self.r.add_fact(c, "holds", post, sent)
            # a plural post names the people listed in its sentence, or in the sentences right after
            if not holders and plural:
                listed = self.people_in(span.end, s.end)
                if listed:
                    holders.extend(c for _, c in listed)
                else:
                    holders.extend(self.listed_after(sent))
            for c in holders:
                self.r.add_fact(c, "holds", post, sent)
                if plural:
                    post.attrs.setdefault("plural", True)

    def listed_after(self, sent: int) -> list[Cluster]:
        """People who open the sentences right after ``sent`` ("Ann Lee (Peru) and Bo Kim (Chad) ...")."""
        r = self.r
        out: list[Cluster] = []
        if r.is_headline(sent):
            return out
        for nxt in range(sent + 1, min(sent + 4, len(r.sents))):
            ns = r.sents[nxt]
            found_people = self.people_in(ns.start, ns.end)
            if not found_people or found_people[0][0] > ns.start + 1:
                break
            out.extend(c for _, c in found_people if c not in out)
        return out

    def nationality(self) -> None:
        r, doc = self.r, self.doc
        for c in r.clusters_of(Kind.PERSON):
            for m in c.mentions:
                e = m.end
                state = None
                # NAME (State)
                if e + 1 < len(doc) and doc[e].text == "(":
                    state = r.cluster_at(e + 1, [Kind.STATE])
                    if state and not (state[0].end < len(doc) and doc[state[0].end].text == ")"):
                        state = None
                # NAME of [the] State
                elif e + 1 < len(doc) and doc[e].lower_ == "of":
                    k = e + 2 if doc[e + 1].lower_ == "the" else e + 1
                    state = r.cluster_at(k, [Kind.STATE]) if k < len(doc) else None
                    if state and r.doc[state[0].start].ent_type_ != STATE:
                        state = None
                # State's NAME
                if state is None and m.start >= 2 and doc[m.start - 1].text in ("'s", "’s"):
                    state = r.cluster_at(m.start - 2, [Kind.STATE])
                if state is not None:
                    r.add_fact(c, "nationality", state[1], m.sent)
                    if doc[e].text == "(":
                        self.paren_nationality.add((c.local_id, "nationality", state[1].local_id))

    def representation(self) -> None:
        """Holders of representative posts represent the State in the post's name; a Council
        president named with "(State)" represents that State rather than merely having its nationality."""
        r = self.r
        rep_heads = [h.lower() for h in r.posts_rules["representative_heads"]]
        chair_heads = [h.lower() for h in r.posts_rules["chair_heads"]]
        for _key, fact in list(r.facts.items()):
            if fact.predicate != "holds":
                continue
            post = fact.object
            label = post.key
            of = post.attrs.get("of")
            state = next((c for c in r.clusters_of(Kind.STATE) if c.local_id == of), None)
            bare = re.sub(r"^(deputy |former |acting |un |united nations )+", "", label)
            if any(bare.startswith(h) for h in rep_heads) and state is not None:
                r.add_fact(fact.subject, "representativeOf", state, fact.sentences)
            if label.split()[0] in chair_heads and any(
                w in label for w in ("council", "assembly", "committee")
            ):
                for k2, f2 in list(r.facts.items()):
                    if (
                        f2.subject is fact.subject
                        and f2.predicate == "nationality"
                        and k2 in self.paren_nationality
                    ):
                        r.add_fact(fact.subject, "representativeOf", f2.object, f2.sentences)
                        del r.facts[k2]
            # "President of this Conference" -> chairs the conference
            if label.split()[0] in chair_heads:
                for m in post.mentions:
                    for t in range(m.start, m.end):
                        ev = r.cluster_at(t, [Kind.EVENT])
                        if ev and ev[1].trigger in (
                            "conference",
                            "summit",
                            "meeting",
                            "ceremony",
                            "forum",
                            "dialogue",
                        ):
                            r.add_fact(fact.subject, "chairs", ev[1], fact.sentences)
                            break

    def sentence_rules(self, i: int, start: int, end: int) -> None:
        r, doc = self.r, self.doc
        lowers = self.lowers[start:end]
        text = " ".join(lowers)
        events = [(m, c) for m, c in r.mentions_in(i, [Kind.EVENT]) if not r.in_quote(m.start)]
        documents = r.mentions_in(i, [Kind.DOCUMENT])
        succeed = self.succeed
        # elects
        for k, w in enumerate(lowers):
            if w in self.elect:
                t = start + k
                body = r.subject_org(i, before=t)
                elected = [
                    c
                    for tt, c in self.people_in(t + 1, end)
                    if not (tt > 0 and doc[tt - 1].lower_ in succeed)
                ]
                passive = k > 0 and lowers[k - 1] in (
                    "was",
                    "were",
                    "been",
                    "be",
                    "is",
                    "are",
                    "being",
                    "considered",
                    "re",
                )
                if passive:
                    subject = [c for _, c in self.people_in(start, t)]
                    if subject and self.elector is not None:
                        r.add_fact(self.elector, "elects", subject[0], i)
                    continue
                if body is None:
                    continue
                self.elector = body
                if not elected:
                    elected = self.listed_after(i)
                for c in elected:
                    r.add_fact(body, "elects", c, i)
                break
        # appoints
        for k, w in enumerate(lowers):
            if w in self.appoint and not (
                k > 0 and lowers[k - 1] in ("being", "been", "was", "were", "is", "be")
            ):
                t = start + k
                before = [c for _, c in self.people_in(start, t)]
                appointer = before[0] if before else None
                if appointer is None:
                    pron = [tt for tt in range(start, t) if doc[tt].lower_ in ("he", "she")]
                    if pron:
                        appointer = self.person_at(pron[0])
                if appointer is None:
                    continue
                self.appointer = appointer
                for tt, c in self.people_in(t + 1, end):
                    if (tt > 0 and doc[tt - 1].lower_ in succeed) or c is appointer:
                        continue
                    r.add_fact(appointer, "appoints", c, i)
                    break
                break
        if self.appointer is not None:
            for pattern in _phrase_patterns("appointee_verbs"):
                for m in pattern.finditer(text):
                    k = len(text[: m.start()].split())
                    before = [c for _, c in self.people_in(start, start + k) if c is not self.appointer]
                    if before:
                        r.add_fact(self.appointer, "appoints", before[-1], i)
        # succeeds
        for k, w in enumerate(lowers):
            if w in succeed:
                t = start + k
                after = self.people_in(t + 1, end)
                if not after:
                    continue
                pred = after[0][1]
                subject = [
                    c for _, c in self.people_in(start, t) if c is not self.appointer and c is not pred
                ]
                if not subject:
                    pron = [tt for tt in range(start, t) if doc[tt].lower_ in ("he", "she")]
                    subj = self.person_at(pron[0]) if pron else None
                    if subj is None or subj is self.appointer:
                        continue
                    subject = [subj]
                r.add_fact(subject[0], "succeeds", pred, i)
        if re.search(r"\b(remainder|rest) of .*\bterm\b.*\bheld by\b", text):
            k = len(text[: text.index("held by")].split()) + 2
            after = self.people_in(start + k, end)
            pron = [tt for tt in range(start, end) if doc[tt].lower_ in ("he", "she")]
            subj = self.person_at(pron[0]) if pron else None
            if after and subj is not None and subj is not after[0][1]:
                r.add_fact(subj, "succeeds", after[0][1], i)
        # chairs: "co-chaired by A and B"
        chair_phrases = _phrase_patterns("chair_by") if _any_phrase("chair_by").search(text) else []
        for phrase, pattern in zip(_words(self.rules, "chair_by"), chair_phrases, strict=False):
            by = pattern.search(text)
            if by:
                k = len(text[: by.start()].split())
                target = events[0][1] if events else self.main_event()
                role = {
                    "co-facilitated": "co-facilitator",
                    "facilitated": "facilitator",
                    "co-chaired": "co-chair",
                    "chaired": "chair",
                }.get(phrase.split()[0])
                for _, c in self.people_in(start + k, end):
                    r.add_fact(c, "chairs", target, i)
                    has_chair_post = any(
                        f.subject is c
                        and f.predicate == "holds"
                        and i in f.sentences
                        and f.object.key.split()[0] in ("co-facilitator", "facilitator", "co-chair", "chair")
                        for f in r.facts.values()
                    )
                    if role and events and not has_chair_post:
                        ev_text = re.sub(r"^(the|a|an)\s+", "", events[0][0].text, flags=re.I)
                        label = f"{role} of the {ev_text}"
                        post = r.post_cluster(label)
                        post.mentions.append(
                            r.ment(Kind.POST, start + k, start + k + 1, post.key, "chair-by")
                        )
                        r.add_fact(c, "holds", post, i)
        # participatesIn: "in the presence of X"
        presence = re.search(r"\bin the presence of\b", text)
        if presence and events:
            k = len(text[: presence.start()].split())
            for _, c in self.people_in(start + k, end):
                r.add_fact(c, "participatesIn", events[0][1], i)
        # adopts
        adopt_at = [start + k for k, w in enumerate(lowers) if w in self.adopt]
        if adopt_at and documents:
            adopter: Cluster | None = None
            t = adopt_at[0]
            by = re.search(r"\b(?:adopted|adoption) by (?:the )?", text)
            if by:
                k = start + len(text[: by.end()].split())
                found = r.cluster_at(k, [Kind.ORGANIZATION, Kind.STATE])
                adopter = found[1] if found else None
            if adopter is not None:
                for _, d in documents:
                    if d.trigger != "symbol":
                        r.add_fact(adopter, "adopts", d, i)
            else:
                meetings = [(m, c) for m, c in events if c.trigger in _MEETINGS]
                for t in adopt_at:
                    near = [(abs(m.start - t), c) for m, c in meetings if abs(m.start - t) <= 20]
                    docs = [(abs(m.start - t), c) for m, c in documents if c.trigger != "symbol"]
                    if near and docs:
                        r.add_fact(
                            min(near, key=lambda x: x[0])[1], "adopts", min(docs, key=lambda x: x[0])[1], i
                        )
        # headline style "A and B Chair Gala in Lisbon"
        for k, w in enumerate(lowers):
            if w in ("chair", "chairs", "co-chair", "co-chairs", "chaired") and k > 0:
                t = start + k
                chair = self.r.cluster_at(t - 1, _PERSON)
                ev = self.r.cluster_at(t + 1, [Kind.EVENT]) if t + 1 < end else None
                if chair and ev:
                    for _, c in self.people_in(start, t):
                        r.add_fact(c, "chairs", ev[1], i)
        # events named "X to adopt a Y" adopt Y
        for dm, d in documents:
            k = dm.start - 1
            if k > start and doc[k].lower_ in ("a", "the"):
                k -= 1
            if k > start + 1 and doc[k].lower_ == "adopt" and doc[k - 1].lower_ == "to":
                ev = r.innermost_at(k - 2, [Kind.EVENT])
                if ev is not None:
                    r.add_fact(ev[1], "adopts", d, i)

    def main_event(self) -> Cluster | None:
        """The event the release is about: dated today, else the first meeting-like event of the text."""
        events = self.r.clusters_of(Kind.EVENT)
        ref = self.r.reference
        if ref is not None:
            today = PartialDate.from_date(ref)
            for c in events:
                if c.start == today or c.end == today:
                    return c
        body = [c for c in events if not all(self.r.is_headline(m.sent) for m in c.mentions)]
        for c in sorted(body, key=lambda c: c.first()):
            if c.trigger in (
                "meeting",
                "session",
                "conference",
                "summit",
                "election",
                "ceremony",
                "forum",
                "dialogue",
            ):
                return c
        return None

    # ---------------------------------------------------------------- events: dates and places

    def event_dates_and_places(self) -> None:
        r, doc = self.r, self.doc
        ev_rules = resources.load("events")
        start_words = frozenset(ev_rules["start_words"])
        end_words = frozenset(ev_rules["end_words"])
        for ev in r.clusters_of(Kind.EVENT):
            duration = None
            for m in ev.mentions:
                s = r.sents[m.sent]
                if m.start > 0:
                    dm = re.match(r"^(\w+)-day$", doc[m.start - 1].lower_)
                    if dm:
                        duration = _NUM.get(dm.group(1))
                dates = r.sentence_dates(m.sent)
                # a date must belong to this event: nearest event in the sentence
                others = (
                    [om for om, oc in r.mentions_in(m.sent, [Kind.EVENT]) if oc is not ev] if dates else []
                )
                for d in dates:
                    if d.first is None:
                        continue
                    dist = _dist(m.char_start, m.char_end, d.start, d.end)
                    if any(_dist(om.char_start, om.char_end, d.start, d.end) < dist for om in others):
                        continue
                    if self.inside_other(d.start, [Kind.POST, Kind.DOCUMENT, Kind.PERSON]):
                        continue
                    cue = self.cue_before(d.start, s.start_char)
                    if d.last is not None:
                        ev.start = ev.start or d.first
                        ev.end = ev.end or d.last
                    elif cue in end_words:
                        ev.end = ev.end or d.first
                    elif cue in start_words:
                        ev.start = ev.start or d.first
                    elif ev.start is None:
                        ev.start = d.first
                # location: "in / at <place>" in the same sentence, nearest to the event
                if "location" not in ev.attrs:
                    best = None
                    for pm, pc in r.mentions_in(m.sent, [Kind.PLACE, Kind.STATE]):
                        if (
                            pm.start > 0
                            and doc[pm.start - 1].lower_ in ("in", "at")
                            and not self.inside_other(
                                pm.char_start, [Kind.POST, Kind.ORGANIZATION, Kind.EVENT, Kind.DOCUMENT]
                            )
                        ):
                            dist = _dist(m.char_start, m.char_end, pm.char_start, pm.char_end)
                            if dist < 120 and (best is None or dist < best[0]):
                                best = (dist, pc)
                    if best is not None:
                        for pm, pc in r.mentions_in(m.sent, [Kind.PLACE]):
                            if pc is best[1]:
                                after = (
                                    r.cluster_at(pm.end + 1, [Kind.PLACE])
                                    if pm.end + 1 < len(doc) and doc[pm.end].lower_ == "in"
                                    else None
                                )
                                if after:
                                    best = (best[0], after[1])
                                break
                        ev.attrs["location"] = best[1].local_id
                        r.add_fact(ev, "locatedIn", best[1], m.sent)
            if duration and ev.end is not None and ev.start is None and ev.end.day is not None:
                import datetime as dt

                first = dt.date(ev.end.year, ev.end.month or 1, ev.end.day) - dt.timedelta(days=duration - 1)
                ev.start = PartialDate.from_date(first)
            if ev.start is not None and ev.end is not None and _order(ev.end) < _order(ev.start):
                ev.end = None
        # the release's own event takes the dateline place
        dateline_place = r.dateline_place
        ref = r.reference
        if dateline_place is not None and ref is not None:
            import datetime as dt

            for ev in r.clusters_of(Kind.EVENT):
                when = ev.start or ev.end
                if "location" in ev.attrs or when is None or when.day is None or when.month is None:
                    continue
                if abs((dt.date(when.year, when.month, when.day) - ref).days) <= 7:
                    ev.attrs["location"] = dateline_place.local_id
                    r.add_fact(ev, "locatedIn", dateline_place, ev.mentions[0].sent)

    def inside_other(self, char: int, kinds: list[Kind]) -> bool:
        """Whether a mention of ``kinds`` covers character ``char``."""
        token = bisect_right(self.r.idx, char) - 1
        if token < 0:
            return False
        return any(m.char_start <= char < m.char_end for m, _ in self.r.mentions_at(token, kinds))

    def cue_before(self, char: int, floor: int) -> str:
        words = re.findall(r"[a-z]+", self.r.norm[max(floor, char - 30) : char].lower())
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
                "to",
                "is",
                "are",
                "will",
                "expected",
                "held",
                "was",
                "were",
                "which",
            ):
                if w == "to":
                    return "to"
                continue
            return str(w)
        return ""

    # ---------------------------------------------------------------- quotations and speakers

    def quotes_and_speakers(self) -> None:
        r, doc = self.r, self.doc
        norm = r.norm
        self.quotes = []
        spans = [(m.start(), m.end()) for m in re.finditer(r'"[^"\n]{2,}?"', norm)]
        speaker_of_sent: dict[int, Cluster] = {}
        # speakers of sentences: a person (or pronoun) next to a speech verb
        for i, s in enumerate(r.sents):
            inside = [(a, b) for a, b in spans if a < s.end_char and b > s.start_char]
            for t in range(s.start, s.end):
                if not r.bits[t] & SPEECH:
                    continue
                tok = doc[t]
                if any(a <= tok.idx < b for a, b in inside):
                    continue
                cand = None
                # "X said" / "said X" / "X, ..., said"
                for k in (t - 1, t + 1, t + 2):
                    if s.start <= k < s.end:
                        c = self.person_at(k)
                        if c is not None:
                            cand = c
                            break
                if cand is None:
                    for k in range(t - 1, max(s.start, t - 12) - 1, -1):
                        if any(a <= doc[k].idx < b for a, b in inside):
                            continue
                        c = self.person_at(k)
                        if c is not None:
                            cand = c
                            break
                if cand is not None:
                    speaker_of_sent[i] = cand
                    break
        for a, b in spans:
            sent = r.sent_of[r._token_at(a)]
            speaker = speaker_of_sent.get(sent)
            if speaker is None:
                end_sent = r.sent_of[r._token_at(max(b - 1, a))]
                speaker = speaker_of_sent.get(end_sent)
            if speaker is None and sent > 0 and r.sents[sent - 1].text.rstrip().endswith(":"):
                speaker = speaker_of_sent.get(sent - 1)
            if speaker is None:
                continue
            events = [(m, c) for m, c in r.mentions_in(sent, [Kind.EVENT]) if not r.in_quote(m.start)]
            event = events[0][1] if events else self.main_event()
            self.quotes.append((a, b, speaker, event))
        main = self.main_event()
        for i, speaker in speaker_of_sent.items():
            events = [(m, c) for m, c in r.mentions_in(i, [Kind.EVENT]) if not r.in_quote(m.start)]
            event = events[0][1] if events else main
            if event is not None:
                r.add_fact(speaker, "speaksAt", event, i)
            for _, d in r.mentions_in(i, [Kind.DOCUMENT]):
                if d.trigger in (
                    "report",
                    "declaration",
                    "symbol",
                    "resolution",
                    "statute",
                    "charter",
                    "convention",
                ) or d.key.startswith("universal"):
                    r.add_fact(speaker, "mentions", d, i)

    # ---------------------------------------------------------------- posts nobody holds

    def prune_posts(self) -> None:
        """Drop posts that are only a class of posts ("three Special Representatives"), bare heads
        nobody holds ("the President"), and the lesser of two posts one person holds under two names
        ("Foreign Minister" beside "Minister for Foreign and Pacific Affairs"). A headline post
        nobody holds goes to the person the body says was elected or appointed."""
        r = self.r
        always = {k.lower() for k in r.posts_rules["always_posts"]}
        plural_spans: dict[str, list[bool]] = {}
        for _, post, plural in r.post_spans:
            plural_spans.setdefault(post.local_id, []).append(plural)
        chosen = [
            f.object
            for f in sorted(r.facts.values(), key=lambda f: min(f.sentences))
            if f.predicate in ("elects", "appoints") and f.object.kind == Kind.PERSON
        ]
        for post in list(r.clusters_of(Kind.POST)):
            holders = [f for f in r.facts.values() if f.predicate == "holds" and f.object is post]
            if holders:
                continue
            if all(plural_spans.get(post.local_id, [False])):
                self.remove(post)
                continue
            if all(r.is_headline(m.sent) for m in post.mentions):
                if chosen:
                    r.add_fact(chosen[0], "holds", post, post.mentions[0].sent)
                else:
                    self.remove(post)
                continue
            bare = re.sub(r"^(the |un |united nations )+", "", post.key)
            if post.key in r.body_rewritten:
                self.remove(post)
                continue
            if (
                not re.search(r" (of|for|to|in|on|at) ", bare)
                and bare not in always
                and post.key not in always
            ):
                self.remove(post)
        by_person: dict[str, list[Cluster]] = {}
        for f in r.facts.values():
            if f.predicate == "holds":
                by_person.setdefault(f.subject.local_id, []).append(f.object)
        for pid, posts in by_person.items():
            for a in posts:
                ca = _content_words(a.label)
                for b in posts:
                    if (a is not b and ca < _content_words(b.label)) or (
                        a is not b and ca == _content_words(b.label) and len(a.label) < len(b.label)
                    ):
                        r.facts.pop((pid, "holds", a.local_id), None)
                        if not any(f.object is a and f.predicate == "holds" for f in r.facts.values()):
                            self.remove(a)
                        break

    def remove(self, cluster: Cluster) -> None:
        r = self.r
        if cluster in r.clusters:
            r.clusters.remove(cluster)
        for key in [k for k, f in r.facts.items() if f.subject is cluster or f.object is cluster]:
            del r.facts[key]

    # ---------------------------------------------------------------- places

    def org_places(self) -> None:
        r, doc = self.r, self.doc
        place_names = _place_names()
        # "the Nairobi-based UN Environment Programme"
        for m in re.finditer(r"\b((?:The )?[A-Z][\w']+(?: [A-Z][\w']+)*)-based\b", r.norm):
            name = m.group(1)
            if name not in place_names:
                continue
            place = self.place_cluster(place_names[name]["name"], m.start(1), m.end(1))
            t = r._token_at(m.end())
            for k in range(t, min(t + 4, len(doc))):
                based = r.cluster_at(k, [Kind.ORGANIZATION])
                if based:
                    r.add_fact(based[1], "locatedIn", place, r.sent_of[k])
                    break
        # "UN Office at Vienna": an organisation named after its seat
        for org in r.clusters_of(Kind.ORGANIZATION):
            for mm in org.mentions:
                g = re.search(r"\b(?:in|at) ([A-Z][\w' ]+)$", mm.text)
                if g and g.group(1) in place_names:
                    start = mm.char_start + g.start(1)
                    seat = self.place_cluster(place_names[g.group(1)]["name"], start, start + len(g.group(1)))
                    r.add_fact(org, "locatedIn", seat, mm.sent)
        # "Place, State" -> locatedIn
        for c in r.clusters_of(Kind.PLACE):
            for mm in c.mentions:
                if mm.end + 1 < len(doc) and doc[mm.end].text == ",":
                    st = r.cluster_at(mm.end + 1, [Kind.STATE])
                    if st and doc[st[0].start].ent_type_ == STATE:
                        c.attrs.setdefault("country", st[1].local_id)
                        r.add_fact(c, "locatedIn", st[1], mm.sent)
        # "<State>, where the ... <ORG> is based"
        for m in re.finditer(
            r"\b, where (?:the )?[^.;]{0,80}? is (?:based|located|headquartered|deployed)", r.norm
        ):
            t = r._token_at(m.start())
            where = r.cluster_at(t - 1, [Kind.STATE, Kind.PLACE])
            last = None
            for k in range(t, r._token_at(m.end() - 1)):
                found = r.cluster_at(k, [Kind.ORGANIZATION])
                if found:
                    last = found
            if last and where:
                r.add_fact(last[1], "locatedIn", where[1], last[0].sent)

    def place_cluster(self, name: str, start: int, end: int) -> Cluster:
        from kg.extract.pipeline import norm_key

        r = self.r
        key = norm_key(name)
        c = next((p for p in r.clusters_of(Kind.PLACE) if p.key == key), None)
        if c is None:
            c = r.new_cluster(Kind.PLACE, key, name)
        span = self.doc.char_span(start, end, alignment_mode="expand")
        if span is not None:
            sent = r.sent_of[span.start]
            c.mentions.append(
                Ment(
                    Kind.PLACE,
                    span.start,
                    span.end,
                    start,
                    end,
                    r.norm[start:end],
                    sent,
                    key,
                    "place-in-name",
                )
            )
        return c


_MEETINGS = frozenset(
    {"meeting", "session", "conference", "summit", "assembly meeting", "congress", "forum", "segment"}
)
_NUM = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "2": 2, "3": 3, "4": 4, "5": 5}


def _content_words(label: str) -> frozenset[str]:
    words = re.sub(r"[-,']", " ", label.lower()).split()
    return frozenset(
        w
        for w in words
        if w not in ("the", "of", "for", "to", "a", "and", "in", "on", "its", "s", "un", "united", "nations")
    )


def _order(d: PartialDate) -> tuple[int, int, int]:
    return (d.year, d.month or 0, d.day or 0)


def _dist(a0: int, a1: int, b0: int, b1: int) -> int:
    if b0 >= a1:
        return b0 - a1
    if a0 >= b1:
        return a0 - b1
    return 0
