"""Reads one document: mentions -> entities (with coreference) -> relations and quotations.

The order is fixed: gazetteer entities (States, organisations, places), people, posts, events,
documents; then relations, which look at the entities of one sentence (and, for a few, at the
sentences around it). Every rule is general: it looks at the shape of the text, never at names.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any, cast

from spacy.attrs import IDX
from spacy.tokens import Doc, Span

from kg.extract import backstop, resources
from kg.extract.backstop import Candidate
from kg.extract.dates import DateMention, find_dates
from kg.extract.mentions import (
    Cluster,
    ClusterList,
    Ment,
    MentionList,
    cluster_version,
    kind_version,
    make_ment,
)
from kg.extract.pipeline import (
    CALENDAR_WORDS,
    NAME,
    ORG,
    PARTICLE,
    PLACE,
    POST_START,
    STATE,
    STATE_ADJ,
    flags,
    get_nlp,
    norm_key,
    tail_end,
    token_texts,
)
from kg.model import Document, Kind
from kg.model import Span as CharSpan
from kg.text import find_dateline, find_full_date, normalize

_PREFIX = {
    Kind.PERSON: "person",
    Kind.POST: "post",
    Kind.STATE: "state",
    Kind.ORGANIZATION: "org",
    Kind.EVENT: "event",
    Kind.DOCUMENT: "doc",
    Kind.PLACE: "place",
}
_DETERMINERS = frozenset({"the", "a", "an", "its", "this", "that", "their", "his", "her", "these", "those"})
_HEADING_CANON = {
    "secretary general": "Secretary-General",
    "vice president": "Vice-President",
    "director general": "Director-General",
    "under secretary general": "Under-Secretary-General",
}
_HEADING_PATTERNS = [(re.compile(rf"\b{plain}\b", re.I), canon) for plain, canon in _HEADING_CANON.items()]
assert all("general" in plain or "president" in plain for plain in _HEADING_CANON)  # label_text's fast path
_SPACES = re.compile(r"\s+")
_BODY_WORDS = frozenset({"Council", "Assembly", "Court", "Conference", "Committee", "Commission", "Summit"})


_Entry = tuple[int, int, Ment, Cluster]  # cluster sequence number, position in its mentions, mention, cluster


@dataclass
class _KindIndex:
    version: int
    at: dict[int, list[_Entry]] = field(default_factory=dict)
    by_sent: dict[int, list[_Entry]] = field(default_factory=dict)


@dataclass
class Fact:
    subject: Cluster
    predicate: str
    object: Cluster
    sentences: set[int] = field(default_factory=set)


class Reader:
    """State of the extraction of one document (see ``read``)."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.text = document.text
        self.norm = normalize(document.text)
        nlp = get_nlp()
        if len(self.norm) >= nlp.max_length:
            nlp.max_length = len(self.norm) + 1
        self.doc: Doc = nlp(self.norm)
        all_sents = list(self.doc.sents)
        self.sents: list[Span] = [s for s in all_sents if self.norm[s.start_char : s.end_char].strip()]
        self.starts: frozenset[int] = frozenset(s.start for s in all_sents)
        self._headline: dict[int, bool] = {}
        self.sent_of: list[int] = [0] * len(self.doc)
        for i, s in enumerate(self.sents):
            for t in range(s.start, s.end):
                self.sent_of[t] = i
        # whitespace sentences map to the previous real sentence
        last = 0
        for t in range(len(self.doc)):
            if self.doc[t].is_space:
                self.sent_of[t] = last
            else:
                last = self.sent_of[t]
        self.texts: list[str] = list(token_texts(self.doc))
        self.idx: list[int] = [int(i) for i in self.doc.to_array(IDX).tolist()] if len(self.doc) else []
        self.lowers: list[str] = [t.lower() for t in self.texts]
        self.ent_types: list[str] = [t.ent_type_ for t in self.doc]
        self.bits: list[int] = flags(self.doc)
        self.quoted: list[bool] = []
        inside = False
        for text in self.texts:
            if "\n" in text:
                inside = False
            self.quoted.append(inside)
            if text == '"':
                inside = not inside
        self._clusters = ClusterList()
        self._indexes: dict[Kind, _KindIndex] = {}
        self._of_kind: dict[Kind, tuple[int, list[Cluster]]] = {}
        self.counters: dict[Kind, int] = {}
        self.facts: dict[tuple[str, str, str], Fact] = {}
        self.warnings: list[str] = []
        self.dateline = find_dateline(self.text)
        self.reference = self._reference_date()
        self.dates_by_sent: dict[int, list[DateMention]] = {}
        self.dateline_end = self.dateline.end if self.dateline is not None else 0
        self.dateline_place: Cluster | None = None
        self.posts_rules = resources.load("posts")
        self.rel_rules = resources.load("relations")

    # ---------------------------------------------------------------- helpers

    def new_cluster(self, kind: Kind, key: str, label: str) -> Cluster:
        n = self.counters.get(kind, 0) + 1
        self.counters[kind] = n
        c = Cluster(kind, key, label, local_id=f"{_PREFIX[kind]}-{n}")
        self.clusters.append(c)
        return c

    def ment(self, kind: Kind, start: int, end: int, key: str = "", rule: str = "") -> Ment:
        if not 0 <= start < end <= len(self.texts):
            return make_ment(self.doc, kind, start, end, self.sent_of, key, rule)
        # the span's characters from the token offsets (no spaCy Span made: this is called a lot)
        a, b = self.idx[start], self.idx[end - 1] + len(self.texts[end - 1])
        return Ment(kind, start, end, a, b, self.norm[a:b], self.sent_of[start], key, rule)

    def add_fact(self, s: Cluster | None, p: str, o: Cluster | None, sent: int | Iterable[int]) -> None:
        if s is None or o is None or s is o:
            return
        key = (s.local_id, p, o.local_id)
        fact = self.facts.get(key)
        if fact is None:
            fact = self.facts[key] = Fact(s, p, o)
        fact.sentences.update([sent] if isinstance(sent, int) else sent)

    def label_text(self, start: int, end: int) -> str:
        """The label of tokens [start, end): normalised text, heads hyphenated ("Secretary-General")."""
        if 0 <= start < end <= len(self.texts):
            text = self.norm[self.idx[start] : self.idx[end - 1] + len(self.texts[end - 1])]
        else:
            text = self.doc[start:end].text
        text = _SPACES.sub(" ", text).strip()
        low = text.lower()
        if "general" in low or "president" in low:
            for pattern, canon in _HEADING_PATTERNS:
                text = pattern.sub(canon, text)
        return text

    def _reference_date(self) -> dt.date | None:
        """What "today" means: the dateline's date (year from the release date), else the release date."""
        issued = self.document.issued
        dateline = self.dateline
        if dateline is not None and dateline.date_text:
            full = find_full_date(dateline.date_text)
            if full:
                return full[0]
            m = re.match(r"(\d{1,2})\s+(\w+)|(\w+)\s+(\d{1,2})", dateline.date_text)
            if m and issued is not None:
                from kg.extract.dates import resolve_day_month
                from kg.text import MONTHS

                day, month = (m[1], m[2]) if m[1] else (m[4], m[3])
                if month.lower().rstrip(".") in MONTHS:
                    return resolve_day_month(int(day), MONTHS[month.lower().rstrip(".")], issued)
        return issued

    def sentence_dates(self, sent: int) -> list[DateMention]:
        if sent not in self.dates_by_sent:
            s = self.sents[sent]
            found = find_dates(self.norm[s.start_char : s.end_char], self.reference)
            self.dates_by_sent[sent] = [
                DateMention(d.start + s.start_char, d.end + s.start_char, d.kind, d.first, d.last)
                for d in found
                if d.start + s.start_char >= self.dateline_end
            ]
        return self.dates_by_sent[sent]

    @property
    def clusters(self) -> list[Cluster]:
        """The document's clusters in the order they were added (a ClusterList: changes are tracked)."""
        return self._clusters

    @clusters.setter
    def clusters(self, value: Iterable[Cluster]) -> None:
        self._clusters = ClusterList(value)

    def _kind_index(self, kind: Kind) -> _KindIndex:
        """The mentions of one kind by token and by sentence (rebuilt when that kind changed)."""
        version = kind_version(kind)
        index = self._indexes.get(kind)
        if index is None or index.version != version:
            index = _KindIndex(version)
            at, by_sent = index.at, index.by_sent
            for c in self._clusters:
                if c.kind != kind:
                    continue
                for pos, m in enumerate(c.mentions):
                    entry = (c.seq, pos, m, c)
                    for t in range(m.start, m.end):
                        at.setdefault(t, []).append(entry)
                    by_sent.setdefault(m.sent, []).append(entry)
            self._indexes[kind] = index
        return index

    def person_index(self) -> dict[int, list[_Entry]]:
        """Token -> the person mentions covering it, first cluster first (what ``cluster_at`` reads)."""
        return self._kind_index(Kind.PERSON).at

    def clusters_of(self, kind: Kind) -> list[Cluster]:
        """The clusters of one kind, in order (a new list each call; the scan is cached)."""
        version = cluster_version(kind)
        cached = self._of_kind.get(kind)
        if cached is None or cached[0] != version:
            cached = self._of_kind[kind] = (version, [c for c in self._clusters if c.kind == kind])
        return list(cached[1])

    def mentions_in(self, sent: int, kinds: Iterable[Kind]) -> list[tuple[Ment, Cluster]]:
        """The mentions of ``kinds`` in sentence ``sent``, in text order (ties: order of the clusters)."""
        entries = [e for kind in set(kinds) for e in self._kind_index(kind).by_sent.get(sent, ())]
        entries.sort(key=lambda e: (e[2].start, e[0], e[1]))
        return [(m, c) for _, _, m, c in entries]

    def nlp_tokens(self, text: str) -> Doc:
        return get_nlp().make_doc(text)

    def _entries_at(self, token: int, kinds: Iterable[Kind]) -> list[_Entry]:
        """The mentions of ``kinds`` covering ``token``, in the order of their clusters and mentions."""
        kinds = list(kinds)
        if len(kinds) == 1:  # the common case: one kind, its index is in order already
            return list(self._kind_index(kinds[0]).at.get(token, ()))
        entries = [e for kind in set(kinds) for e in self._kind_index(kind).at.get(token, ())]
        if len(entries) > 1:
            entries.sort(key=lambda e: (e[0], e[1]))
        return entries

    def mentions_at(self, token: int, kinds: Iterable[Kind]) -> list[tuple[Ment, Cluster]]:
        """Every mention of ``kinds`` covering ``token``."""
        return [(e[2], e[3]) for e in self._entries_at(token, kinds)]

    def innermost_at(self, token: int, kinds: Iterable[Kind]) -> tuple[Ment, Cluster] | None:
        found = self._entries_at(token, kinds)
        if not found:
            return None
        best = min(found, key=lambda e: e[2].end - e[2].start)
        return best[2], best[3]

    def cluster_at(self, token: int, kinds: Iterable[Kind]) -> tuple[Ment, Cluster] | None:
        found = self._entries_at(token, kinds)
        return (found[0][2], found[0][3]) if found else None

    def is_headline(self, sent: int) -> bool:
        """A title-case line (headline, navigation): most words capitalised, no final full stop."""
        if sent not in self._headline:
            self._headline[sent] = self._is_headline(sent)
        return self._headline[sent]

    def _is_headline(self, sent: int) -> bool:
        s = self.sents[sent]
        words = [w for w in self.texts[s.start : s.end] if w.isalpha() and len(w) > 3]
        if len(words) < 4 or self.norm[s.start_char : s.end_char].rstrip().endswith("."):
            return False
        return sum(1 for w in words if w[0].isupper()) / len(words) > 0.7

    # ---------------------------------------------------------------- gazetteer entities

    def read_gazetteer(self) -> None:
        by_key: dict[tuple[Kind, str], Cluster] = {}
        states, orgs, places = _gazetteer_by_key()
        for ent in self.doc.ents:
            label = ent.label_
            if label in (STATE, STATE_ADJ) and self._inside_org_name(ent):
                continue
            kind = {STATE: Kind.STATE, STATE_ADJ: Kind.STATE, ORG: Kind.ORGANIZATION, PLACE: Kind.PLACE}[
                label
            ]
            key = ent.ent_id_
            cluster = by_key.get((kind, key))
            if cluster is None:
                if kind == Kind.STATE:
                    name = states[key]["name"]
                    cluster = self.new_cluster(kind, key, name)
                    cluster.attrs["iso3"] = key
                elif kind == Kind.ORGANIZATION:
                    cluster = self.new_cluster(kind, key, orgs[key]["name"])
                    cluster.attrs["acronyms"] = orgs[key]["acronyms"]
                    cluster.attrs["type"] = orgs[key]["type"]
                else:
                    cluster = self.new_cluster(kind, key, places[key]["name"])
                    cluster.attrs["iso3_hint"] = places[key]["iso3"]
                by_key[(kind, key)] = cluster
            m = self.ment(kind, ent.start, ent.end, key, "gazetteer")
            cluster.mentions.append(m)
            if kind != Kind.STATE or label == STATE:
                cluster.alt_labels.add(ent.text)
        # an organisation known by its acronym only keeps the acronym as its label
        for c in self.clusters_of(Kind.ORGANIZATION):
            surfaces = {m.text for m in c.mentions}
            acronyms = cast(list[str], c.attrs.get("acronyms", []))
            if c.label not in surfaces:
                longest = max(surfaces, key=len)
                if longest in acronyms or len(longest) > 6:
                    c.label = longest

    def read_generic_orgs(self) -> None:
        """Organisations outside the gazetteer, from their shape: "Embassy of the Kingdom of Norway",
        "Lindgren Foundation". States and places inside such a name are not mentions of their own."""
        rules = resources.load("organizations")["generic"]
        after = frozenset(rules["heads_after_name"])
        before = sorted((h.split() for h in rules["heads_before_name"]), key=len, reverse=True)
        not_alone = frozenset(rules["not_alone"])
        first_words = frozenset(w[0] for w in before)
        doc = self.doc
        found: list[tuple[int, int]] = []
        i = 0
        texts, ents, bits = self.texts, self.ent_types, self.bits
        while i < len(doc):
            if (
                ents[i] == ORG
                or bits[i] & POST_START
                or self.quoted[i]
                or (texts[i] not in after and texts[i] not in first_words)
            ):
                i += 1
                continue
            tok = doc[i]
            words = next((w for w in before if self.texts[i : i + len(w)] == w), None)
            if words is not None:
                end = tail_end(
                    doc,
                    i + len(words),
                    frozenset({"of", "for", "and", "in", "on"}),
                    frozenset({"the"}),
                    frozenset(),
                )
                if end > i + len(words):
                    found.append((i, end))
                    i = end
                    continue
            if tok.text in after and i > 0 and not tok.ent_type_:
                left = i
                while left > 0:
                    p = doc[left - 1]
                    if (
                        p.text[:1].isupper()
                        and p.is_alpha
                        and p.ent_type_ not in (ORG,)
                        and p.text not in ("The", "A", "An", "This")
                        and not p._.kg_post_end
                    ):
                        left -= 1
                        continue
                    break
                if left < i and not (
                    i - left == 1 and tok.text in not_alone and (doc[left].i in self.starts)
                ):
                    end = tail_end(
                        doc, i + 1, frozenset({"of", "for", "on"}), frozenset({"the"}), frozenset()
                    )
                    found.append((left, end))
                    i = end
                    continue
            i += 1
        for start, end in found:
            span = doc[start:end]
            if any(t.ent_type_ == ORG for t in span) or self.is_person_span(start, end):
                continue
            k = start - 1
            while k > 0 and doc[k].text[:1].isupper() and doc[k].is_alpha:
                k -= 1
            if k >= 1 and doc[k].text in ("[", "(") and doc[k - 1].ent_type_ == ORG:
                continue  # the text's own expansion of an acronym: the gazetteer's name stands
            label = self.label_text(start, end)
            key = norm_key(label)
            cluster = next((c for c in self.clusters_of(Kind.ORGANIZATION) if c.key == key), None)
            if cluster is None:
                cluster = self.new_cluster(Kind.ORGANIZATION, key, label)
                cluster.attrs["type"] = "other"
            cluster.mentions.append(self.ment(Kind.ORGANIZATION, start, end, key, "generic-org"))
            for c in self.clusters:
                if c.kind in (Kind.STATE, Kind.PLACE):
                    c.mentions = MentionList(m for m in c.mentions if not (start <= m.start and m.end <= end))
        self.clusters = [c for c in self.clusters if c.mentions or c.kind not in (Kind.STATE, Kind.PLACE)]

    def read_candidates(self, candidates: Sequence[Candidate]) -> None:
        """Names a statistical model proposed, kept only where the rules can type them
        (``kg.extract.backstop.check``): people go to the people reader as candidates, organisations
        and places become entities here."""
        doc = self.doc
        people = list(doc.spans.get("kg_person", []))
        for acc in backstop.check(doc, candidates, self.quoted, self.bits):
            if acc.kind == backstop.PERSON:
                if not any(p.start < acc.end and acc.start < p.end for p in people):
                    people.append(Span(doc, acc.start, acc.end, label="model"))
                continue
            if any(
                self._entries_at(t, [Kind.ORGANIZATION, Kind.PLACE, Kind.STATE])
                for t in range(acc.start, acc.end)
            ):
                continue
            label = self.label_text(acc.start, acc.end)
            key = norm_key(label)
            kind = Kind.ORGANIZATION if acc.kind == backstop.ORG else Kind.PLACE
            cluster = next((c for c in self.clusters_of(kind) if c.key == key), None)
            if cluster is None:
                cluster = self.new_cluster(kind, key, label)
                if kind == Kind.ORGANIZATION:
                    cluster.attrs["type"] = "other"
            cluster.mentions.append(self.ment(kind, acc.start, acc.end, key, f"model-{acc.kind.lower()}"))
        people.sort(key=lambda p: p.start)
        doc.spans["kg_person"] = people

    def is_person_span(self, start: int, end: int) -> bool:
        return any(start <= s.start < end for s in self.doc.spans.get("kg_person", []))

    def prune_places(self) -> None:
        """A place named inside a document's or an organisation's name ("New York Declaration") is not a
        mention of the place."""
        inner = [
            (m.start, m.end)
            for c in self.clusters
            if c.kind in (Kind.DOCUMENT, Kind.ORGANIZATION)
            for m in c.mentions
        ]
        for c in self.clusters_of(Kind.PLACE):
            c.mentions = [
                m
                for m in c.mentions
                if not any(s <= m.start and m.end <= e and (s, e) != (m.start, m.end) for s, e in inner)
            ]
        self.clusters = [c for c in self.clusters if c.mentions or c.kind != Kind.PLACE]

    def _inside_org_name(self, ent: Span) -> bool:
        """A State name between capitalised words of a name ("Acme Ghana Limited") is not a State mention."""
        doc = self.doc
        if self.is_headline(self.sent_of[ent.start]):
            return False
        before = doc[ent.start - 1] if ent.start > 0 else None
        after = doc[ent.end] if ent.end < len(doc) else None
        cap_before = (
            before is not None
            and before.text[:1].isupper()
            and before.is_alpha
            and before.i not in self.starts
            and before.ent_type_ == ""
            and before.text not in ("The", "In", "Of", "And", "For")
            and not before._.kg_hon
            and not before._.kg_post_end
        )
        org_after = after is not None and after.text in {
            "Limited",
            "Ltd",
            "Ltd.",
            "Inc.",
            "Inc",
            "Airways",
            "Airlines",
            "Bank",
            "Holdings",
            "Corporation",
            "Company",
            "Group",
            "Telecom",
            "Times",
            "Post",
            "News",
            "Television",
            "Radio",
            "University",
            "Institute",
            "Foundation",
        }
        return org_after or (cap_before and after is not None and after.text[:1].isupper() and after.is_alpha)

    def read_dateline(self) -> None:
        dateline = self.dateline
        if dateline is None:
            return
        found = self.cluster_at(self._token_at(dateline.place_start), [Kind.PLACE, Kind.STATE])
        place: Cluster | None = found[1] if found else None
        start_tok = self._token_at(dateline.place_start)
        end_tok = self._token_at(dateline.place_end - 1) + 1
        if place is None:
            key = norm_key(dateline.place)
            place = next((c for c in self.clusters_of(Kind.PLACE) if c.key == key), None)
            if place is None:
                place = self.new_cluster(Kind.PLACE, key, dateline.place)
            place.mentions.append(self.ment(Kind.PLACE, start_tok, end_tok, key, "dateline"))
        self.dateline_place = place
        if place.kind == Kind.PLACE:
            for m in re.finditer(rf"\b{re.escape(dateline.place)}\b", self.norm):
                span = self.doc.char_span(m.start(), m.end())
                if span is not None and self.cluster_at(span.start, [Kind.PLACE]) is None:
                    place.mentions.append(
                        self.ment(Kind.PLACE, span.start, span.end, place.key, "dateline-name")
                    )
        if dateline.country_start is not None:
            found = self.cluster_at(self._token_at(dateline.country_start), [Kind.STATE])
            if found and place.kind == Kind.PLACE:
                place.attrs["country"] = found[1].local_id
                self.add_fact(place, "locatedIn", found[1], self.sent_of[start_tok])

    def _token_at(self, char: int) -> int:
        span = self.doc.char_span(char, char + 1, alignment_mode="expand")
        return span.start if span is not None else 0

    # ---------------------------------------------------------------- people

    def read_people(self) -> None:
        people = resources.load("people")
        honorifics: dict[str, str] = people["honorifics"]
        titles: dict[str, str] = people["titles"]
        doc = self.doc
        texts, bits = self.texts, self.bits
        candidates: list[tuple[int, int, str]] = []
        for span in doc.spans.get("kg_person", []):
            candidates.append((span.start, span.end, span.label_))
        # coordination: "<person> and Firstname Lastname"
        starts = {s for s, _, _ in candidates}
        for _, e, _ in list(candidates):
            if e + 1 < len(doc) and self.lowers[e] == "and" and bits[e + 1] & NAME and e + 1 not in starts:
                k = e + 1
                while (k < len(doc) and bits[k] & NAME and not bits[k] & PARTICLE) or (
                    k < len(doc) and bits[k] & PARTICLE and k + 1 < len(doc) and bits[k + 1] & NAME
                ):
                    k += 1
                if k - (e + 1) >= 2:
                    candidates.append((e + 1, k, "coordination"))
        full: list[tuple[int, int, str]] = []
        single: list[tuple[int, int, str]] = []
        for s, e, rule in candidates:
            while s < e and texts[s] in titles:
                s += 1
            if s == e or any(texts[t] in honorifics or texts[t] in titles for t in range(s, e)):
                continue
            names = [t for t in range(s, e) if not bits[t] & PARTICLE]
            (full if len(names) >= 2 else single).append((s, e, rule))
        clusters: list[Cluster] = []

        def name_tokens(c: Cluster) -> list[str]:
            return [w for w in c.label.split() if w[:1].isupper()]

        def mention_bounds(s: int, e: int) -> tuple[int, int]:
            if s > 0 and (texts[s - 1] in honorifics or texts[s - 1] in titles):
                return s - 1, e
            return s, e

        for s, e, rule in sorted(full, key=lambda x: -(x[1] - x[0])):
            label = self.label_text(s, e)
            if label.split()[0] in titles:
                label = " ".join(label.split()[1:])
            words = label.split()
            target = None
            for c in clusters:
                cw = c.label.split()
                if words == cw or _is_subsequence(words, cw):
                    target = c
                    break
            if target is None:
                target = Cluster(Kind.PERSON, "", label)
                clusters.append(target)
            ms, me = mention_bounds(s, e)
            target.mentions.append(self.ment(Kind.PERSON, ms, me, rule=rule))
            gender = honorifics.get(self.texts[ms]) or titles.get(self.texts[ms]) if ms < s else None
            if gender in ("m", "f"):
                target.gender = gender
        # single names after an honorific or title: surname of a known person, else a person of their own
        for s, e, rule in single:
            word = self.doc[s:e].text
            target = None
            for c in clusters:
                toks = name_tokens(c)
                if toks and (toks[-1] == word or word in toks[1:] or (toks[0] == word and _east_asian(toks))):
                    target = c
                    break
            ms, me = mention_bounds(s, e)
            hon = doc[ms].text if ms < s else ""
            if target is None:
                label = word if hon not in titles else f"{hon} {word}"
                target = Cluster(Kind.PERSON, "", label)
                clusters.append(target)
            target.mentions.append(self.ment(Kind.PERSON, ms, me, rule=rule))
            gender = honorifics.get(hon) or titles.get(hon)
            if gender in ("m", "f"):
                target.gender = gender
        # bare surnames and repeated full names elsewhere in the text
        covered = {t for c in clusters for m in c.mentions for t in range(m.start, m.end)}
        n_tok = len(doc)
        by_first: dict[str, list[tuple[list[str], Cluster]]] = {}
        by_key: dict[str, list[tuple[Cluster, set[str]]]] = {}
        for c in clusters:
            toks = name_tokens(c)
            if len(toks) < 2:
                continue
            keys = {toks[-1]}
            if _east_asian(toks):
                keys.add(toks[0])
            words = list(_token_words(c.label))
            by_first.setdefault(words[0], []).append((words, c))
            for key in keys:
                by_key.setdefault(key, []).append((c, keys))
        for t in range(n_tok):
            text = texts[t]
            if t in covered or (text not in by_first and text not in by_key):
                continue
            done = False
            for words, c in by_first.get(text, []):
                if texts[t : t + len(words)] == words:
                    c.mentions.append(self.ment(Kind.PERSON, t, t + len(words), rule="repeat"))
                    covered.update(range(t, t + len(words)))
                    done = True
                    break
            if done or len(text) <= 2:
                continue
            for c, keys in by_key.get(text, []):
                if t + 1 < n_tok and bits[t + 1] & NAME and texts[t + 1] not in keys:
                    break
                if t > 0 and bits[t - 1] & NAME and texts[t - 1] not in honorifics:
                    break
                c.mentions.append(self.ment(Kind.PERSON, t, t + 1, rule="surname"))
                covered.add(t)
                break
        strong = {
            "honorific_name",
            "title_name",
            "post_name",
            "post_comma_name",
            "name_paren_state",
            "name_of_state",
            "state_possessive_name",
            "photo_credit",
            "contact_line",
            "coordination",
        }
        clusters = [
            c
            for c in clusters
            if not all(self.is_headline(m.sent) and m.rule not in strong for m in c.mentions)
        ]
        for c in clusters:
            c.key = norm_key(c.label)
            n = self.counters.get(Kind.PERSON, 0) + 1
            self.counters[Kind.PERSON] = n
            c.local_id = f"person-{n}"
            c.mentions.sort(key=lambda m: m.start)
            self.clusters.append(c)

    # ---------------------------------------------------------------- posts

    def read_posts(self) -> None:
        """One Post entity per normalised label; holders become ``holds`` facts."""
        doc = self.doc
        plural = _plural_heads()
        self.post_spans: list[tuple[Span, Cluster, bool]] = []
        self.body_rewritten: set[str] = set()
        for span in doc.spans.get("kg_post", []):
            start, end = span.start, span.end
            label = self.label_text(start, end)
            is_plural = False
            for pattern, singular in plural:
                m = pattern.search(label)
                if m:
                    label = label[: m.start()] + singular + label[m.end() :]
                    is_plural = True
                    break
            sent = self.sent_of[start]
            rewritten = self._rewrite_post_label(label, start, end, sent)
            if rewritten is None:
                continue
            label = rewritten
            key = norm_key(label)
            # a bare head ("the Under-Secretary-General") refers back to a fuller post with that head
            if len(key.split()) <= 2 and " of " not in key:
                fuller = [
                    c
                    for c in self.clusters_of(Kind.POST)
                    if c.key.startswith(key + " ") or c.key.startswith("un " + key + " ")
                ]
                if len(fuller) == 1:
                    fuller[0].mentions.append(self.ment(Kind.POST, start, end, fuller[0].key, "post-coref"))
                    continue
            cluster = next((c for c in self.clusters_of(Kind.POST) if c.key == key), None)
            if cluster is None:
                cluster = self.new_cluster(Kind.POST, key, label)
            cluster.mentions.append(self.ment(Kind.POST, start, end, key, "post"))
            self._post_of(cluster, start, end)
            self.post_spans.append((span, cluster, is_plural))

    def post_cluster(self, label: str) -> Cluster:
        """The Post entity with this label (made when new), for posts a relation implies."""
        key = norm_key(label)
        found = next((c for c in self.clusters_of(Kind.POST) if c.key == key), None)
        return found or self.new_cluster(Kind.POST, key, label)

    def _rewrite_post_label(self, label: str, start: int, end: int, sent: int) -> str | None:
        doc = self.doc
        prev = doc[start - 1] if start > 0 else None
        # "Rapporteur of the Vienna-based body" / "of the Council": the body named before
        after = self.idx[end - 1] + len(self.texts[end - 1]) if 0 < end <= len(doc) else 0
        nxt = self.norm[after : after + 40] if 0 < end <= len(doc) else ""
        m = re.match(r"\s+of the (?:[\w-]+-based )?(body|organ|Council|Assembly|Court|Conference)\b", nxt)
        if m and " of " not in label:
            body = self.resolve_body(m.group(1) if m.group(1)[0].isupper() else "", start)
            if body is None and m.group(1) in ("body", "organ"):
                body = self.subject_org(sent, before=start) or self.resolve_last_org(start)
            if body is not None:
                return f"{label} of the {body.label}"
        # "Chile's Permanent Representative to the UN" -> "Permanent Representative of Chile to the UN"
        if prev is not None and prev.text in ("'s", "’s") and start >= 2:
            state = self.cluster_at(start - 2, [Kind.STATE])
            if state is not None:
                rep = [h.lower() for h in self.posts_rules["representative_heads"]]
                words = label.split()
                for h in sorted(rep, key=len, reverse=True):
                    n = len(h.split())
                    if " ".join(words[:n]).lower() == h and (len(words) == n or words[n] != "of"):
                        return " ".join([*words[:n], "of", state[0].text, *words[n:]])
        # "Council president" -> "President of the <named> Council"
        if prev is not None and prev.text in _BODY_WORDS and len(label.split()) <= 2:
            body = self.resolve_body(prev.text, start - 1)
            if body is not None:
                head = label[0].upper() + label[1:]
                if " for " in head:
                    head, _rest = head.split(" for ", 1)
                self.body_rewritten.add(norm_key(f"{head} of the {body.label}"))
                return f"{head} of the {body.label}"
        # "its President" / "President of its sixtieth session"
        if " its " in f" {label} " or (prev is not None and prev.lower_ == "its"):
            body = self.subject_org(sent, before=start)
            if body is not None:
                if prev is not None and prev.lower_ == "its" and " of " not in label:
                    return f"{label} of the {body.label}"
                return re.sub(r"\bits (.+)$", rf"the \1 of the {body.label}", label)
        return label

    def resolve_body(self, word: str, token: int) -> Cluster | None:
        """The organisation a bare "Council" / "Assembly" / "Court" refers to: the last one so named."""
        best: tuple[int, Cluster] | None = None
        for c in self.clusters_of(Kind.ORGANIZATION):
            name = c.label.split()
            if name and (name[-1] == word or (word == "Court" and "Court" in name)):
                for m in c.mentions:
                    if m.start < token and (best is None or m.start > best[0]):
                        best = (m.start, c)
        if best is None:
            for c in self.clusters_of(Kind.ORGANIZATION):
                if c.label.split()[-1:] == [word]:
                    return c
            return None
        return best[1]

    def resolve_last_org(self, token: int) -> Cluster | None:
        """The organ or body named last before ``token`` (regional groups and the UN itself aside)."""
        best: tuple[int, Cluster] | None = None
        organs = [c for c in self.clusters_of(Kind.ORGANIZATION) if c.attrs.get("type") in ("organ", "body")]
        for c in organs or self.clusters_of(Kind.ORGANIZATION):
            if c.attrs.get("type") in ("group",) or c.key == "united nations":
                continue
            for m in c.mentions:
                if m.start < token and (best is None or m.start > best[0]):
                    best = (m.start, c)
        return best[1] if best else None

    def subject_org(self, sent: int, before: int) -> Cluster | None:
        """The organisation that is the subject of the sentence: the first one named (or "the Council")."""
        s = self.sents[sent]
        for t in range(s.start, min(before, s.end)):
            found = self.cluster_at(t, [Kind.ORGANIZATION])
            if found:
                return found[1]
            tok = self.doc[t]
            if tok.text in _BODY_WORDS and t > 0 and self.doc[t - 1].lower_ == "the":
                body = self.resolve_body(tok.text, t)
                if body is not None:
                    return body
        return None

    def _post_of(self, post: Cluster, start: int, end: int) -> None:
        if "of" in post.attrs:
            return
        if start >= 2 and self.doc[start - 1].text in ("'s", "’s"):
            found = self.cluster_at(start - 2, [Kind.STATE])
            if found:
                post.attrs["of"] = found[1].local_id
                return
        for t in range(start, end):
            found = self.cluster_at(t, [Kind.STATE, Kind.ORGANIZATION])
            if found:
                post.attrs["of"] = found[1].local_id
                return
        head = post.key
        if any(
            head.endswith(h) or head.startswith(h) or head.startswith("un " + h)
            for h in self.posts_rules["un_heads"]
        ):
            un = next((c for c in self.clusters_of(Kind.ORGANIZATION) if c.key == "united nations"), None)
            if un is not None:
                post.attrs["of"] = un.local_id

    # ---------------------------------------------------------------- events

    def read_events(self) -> None:
        rules = resources.load("events")
        triggers = sorted((t.split() for t in rules["triggers"]), key=len, reverse=True)
        by_first: dict[str, list[list[str]]] = {}
        for words in triggers:
            by_first.setdefault(words[0], []).append(words)
        modifiers = frozenset(rules["modifiers"])
        cap_only = frozenset(rules["capitalised_only"])
        self.event_modifiers = modifiers
        self.event_cap_only = cap_only
        doc = self.doc
        connectors = frozenset({"of", "on", "for", "to", "and"})
        found: list[tuple[int, int, int, str]] = []  # start, end, trigger index, trigger
        i = 0
        while i < len(doc):
            matched = None
            for words in by_first.get(self.lowers[i], ()):
                n = len(words)
                if self.lowers[i : i + n] == words:
                    matched = words
                    break
            if matched is None:
                i += 1
                continue
            n = len(matched)
            trig = " ".join(matched)
            tok = doc[i]
            if tok.ent_type_ in (ORG, PLACE) or tok._.kg_post_start:
                i += n
                continue
            # left: modifiers, capitalised words, ordinals, organisation names
            left = i
            headline = self.is_headline(self.sent_of[i])
            while left > 0:
                p = doc[left - 1]
                if (
                    p.lower_ in _DETERMINERS
                    or p.is_punct
                    or p.is_space
                    or (p.like_num and not _ordinal(p.text))
                ):
                    break
                if headline and not (p.lower_ in modifiers or _ordinal(p.text)):
                    break
                if re.match(r"^[\w]+-(day|week|month|year)$", p.lower_) or p._.kg_post_end:
                    break
                if (
                    p.lower_ in modifiers
                    or _ordinal(p.text)
                    or p.ent_type_ == ORG
                    or (p.text[0].isupper() and p.i not in self.starts and p.is_alpha)
                    or re.match(r"^(post|pre)-\d{4}$", p.lower_)
                ):
                    left -= 1
                    continue
                if (
                    p.text[0].isupper()
                    and (p.i in self.starts)
                    and (
                        p.lower_ in modifiers
                        or _ordinal(p.text)
                        or (
                            p.lower_ not in _DETERMINERS
                            and p.is_alpha
                            and p.lower_
                            not in ("following", "during", "at", "in", "on", "speaking", "opening")
                        )
                    )
                ):
                    left -= 1
                break
            right = self._event_tail(i + n, connectors)
            if right == i + n and trig in (
                "conference",
                "summit",
                "negotiations",
                "consultations",
                "meeting",
                "dialogue",
            ):
                right = self._lower_tail(i + n)
            found.append((left, right, i, trig))
            i += n
        self.event_spans = found
        for left, right, t, trig in found:
            self._add_event(left, right, t, trig)
        self._merge_parts()
        self._merge_header_meeting()
        self._merge_aliases()
        self._org_first_labels()
        self._body_labels(Kind.EVENT)

    def _place_after(self, right: int) -> Cluster | None:
        if right + 1 < len(self.doc) and self.doc[right].lower_ == "in":
            found = self.cluster_at(right + 1, [Kind.PLACE])
            return found[1] if found else None
        return None

    def _date_near(self, left: int, right: int, sent: int) -> bool:
        a, b = self.doc[left].idx, self.doc[right - 1].idx + len(self.doc[right - 1])
        return any(
            d.first is not None and (0 <= d.start - b <= 40 or 0 <= a - d.end <= 40)
            for d in self.sentence_dates(sent)
        )

    def _event_tail(self, end: int, connectors: frozenset[str]) -> int:
        doc = self.doc
        right = end
        while right < len(doc):
            tok = doc[right]
            if tok.lower_ == "to" and right + 1 < len(doc) and doc[right + 1].lower_ == "adopt":
                k = right + 2
                if k < len(doc) and doc[k].lower_ in ("a", "the"):
                    k += 1
                j = k
                while j < len(doc) and doc[j].text[:1].isupper():
                    j += 1
                if j == k:
                    break
                right = tail_end(doc, j, connectors, frozenset({"the", "a"}), frozenset(), allow_comma=True)
                continue
            new = tail_end(
                doc,
                right,
                connectors - {"to"},
                frozenset({"the", "a", "its"}),
                frozenset({"session", "meeting"}),
                allow_comma=True,
                stop_at_post=True,
            )
            if new == right:
                break
            right = new
        # a tail ending in a month or weekday is a date, not a name
        while right > end and (doc[right - 1].text in CALENDAR_WORDS):
            right -= 1
            while right > end and doc[right - 1].lower_ in ("of", "on", "for", "in", "and", "the"):
                right -= 1
        return right

    def _add_event(self, left: int, right: int, t: int, trig: str) -> None:
        doc = self.doc
        span = doc[left:right]
        label = self.label_text(left, right)
        words = [w for w in span if not w.is_punct]
        caps = [
            w
            for w in words
            if (w.text[0].isupper() and w.ent_type_ not in (ORG,) and w.i != left)
            or (w.i == left and w.text[0].isupper() and w.i not in self.starts)
        ]
        generic = len(words) <= len(trig.split()) or (right - left) == len(trig.split())
        sent = self.sent_of[t]
        # nested in another event's name: only a proper name of its own counts
        for l2, r2, t2, _ in self.event_spans:
            if t2 != t and l2 <= left and right <= r2 and (l2, r2) != (left, right):
                own_caps = [w for w in span if w.text[0].isupper() and w.ent_type_ == "" and not w._.kg_name]
                if len(own_caps) < 2:
                    return
        key_words = [w.lower_ for w in words]
        if trig in self.event_cap_only and self.texts[t][0].islower():
            target = self._last_event(trig, t)
            if target is not None:
                target.mentions.append(self.ment(Kind.EVENT, left, right, target.key, "event-coref"))
            return
        place_after = self._place_after(right)
        det = doc[left - 1].lower_ if left > 0 else ""
        fresh = det in ("last", "previous", "such", "another", "an", "a", "first", "next") or (
            left > 1 and doc[left - 2].lower_ in ("last", "previous")
        )
        if (
            (generic or self.is_headline(sent))
            and place_after is not None
            and (fresh or not det or det == "such" or self._last_event(trig, t) is None)
        ) and (not caps or generic):
            label = f"{self.label_text(left, right)} in {place_after.label}"
            target = self.new_cluster(Kind.EVENT, norm_key(label), label)
            target.trigger = trig
            target.mentions.append(self.ment(Kind.EVENT, left, right, target.key, "event"))
            return
        if self.is_headline(sent):
            same = [c for c in self.clusters_of(Kind.EVENT) if c.trigger == trig]
            if same:
                same[0].mentions.append(self.ment(Kind.EVENT, left, right, same[0].key, "event-coref"))
                return
            if all(w.lower_ in self.event_modifiers or w.lower_ == trig for w in words):
                return
        if generic or (not caps and not any(_ordinal(w.text) for w in words) and len(key_words) <= 2):
            # "the meeting", "this Conference": the last event with the same trigger
            target = self._last_event(trig, t)
            if target is not None:
                target.mentions.append(self.ment(Kind.EVENT, left, right, target.key, "event-coref"))
                if len(label.split()) > len(target.label.split()) and not self.is_headline(sent):
                    target.alt_labels.add(target.label)
                    target.label = re.sub(r"^(its|the|a|an)\s+", "", label, flags=re.I)
                return
            if self.in_quote(t) or caps or trig in self.event_cap_only:
                return
            if not (len(words) > 1 and trig in ("conference", "summit")) and not self._date_near(
                left, right, sent
            ):
                return
            if generic:
                body = self.subject_org(sent, before=left)
                if body is not None:
                    label = f"{body.label} {trig}"
        if self.is_headline(sent) and not caps:
            return
        label = re.sub(r"^(its|the|a|an)\s+", "", label, flags=re.I)
        # "its sixtieth session" -> "... of the General Assembly"
        if left > 0 and doc[left - 1].lower_ == "its":
            body = self.subject_org(sent, before=left)
            if body is not None and " of " not in label:
                label = f"{label} of the {body.label}"
        key = norm_key(label)
        target = None
        for c in self.clusters_of(Kind.EVENT):
            if c.key == key or (c.trigger == trig and _shares_name(c.key, key)):
                target = c
                break
            # "an intergovernmental conference on ..." describes the named "Intergovernmental Conference ..."
            if (
                not caps
                and c.trigger == trig
                and c.label[:1].isupper()
                and c.key.split()[0] == key.split()[0]
            ):
                c.mentions.append(self.ment(Kind.EVENT, left, right, c.key, "event-coref"))
                return
        if target is None:
            target = self.new_cluster(Kind.EVENT, key, label)
            target.trigger = trig
        elif len(label) > len(target.label) and not self.is_headline(sent):
            target.alt_labels.add(target.label)
            target.label, target.key = label, key
        else:
            target.alt_labels.add(label)
        target.mentions.append(self.ment(Kind.EVENT, left, right, key, "event"))

    def in_quote(self, token: int) -> bool:
        """Whether a token lies inside a quotation ("...") that opened on its line."""
        return self.quoted[token]

    def _last_event(self, trig: str, before: int) -> Cluster | None:
        return self._last_event_in({trig}, before) or self._last_event_in(
            _TRIGGER_FAMILY.get(trig, {trig}), before
        )

    def _last_event_in(self, family: set[str], before: int) -> Cluster | None:
        best: tuple[int, Cluster] | None = None
        for c in self.clusters_of(Kind.EVENT):
            if c.trigger in family:
                for m in c.mentions:
                    if m.start < before and (best is None or m.start > best[0]):
                        best = (m.start, c)
        if best is None:
            later = [c for c in self.clusters_of(Kind.EVENT) if c.trigger in family]
            return later[0] if later else None
        return best[1]

    def _body_labels(self, kind: Kind) -> None:
        """A name first seen in a title-case headline takes its form from the body when the body names it."""
        for c in self.clusters_of(kind):
            head = [m for m in c.mentions if self.is_headline(m.sent)]
            body = [m for m in c.mentions if not self.is_headline(m.sent) and m.rule in ("event", "document")]
            if (
                head
                and body
                and norm_key(c.label) in {norm_key(self.label_text(m.start, m.end)) for m in head}
            ):
                best = max(body, key=lambda m: m.end - m.start)
                label = re.sub(r"^(its|the|a|an)\s+", "", self.label_text(best.start, best.end), flags=re.I)
                if len(label.split()) >= 2:
                    c.alt_labels.add(c.label)
                    c.label, c.key = label, norm_key(label)

    def _merge_into(self, keep: Cluster, drop: Cluster) -> None:
        keep.mentions.extend(drop.mentions)
        keep.alt_labels |= {drop.label} | drop.alt_labels
        if drop in self.clusters:
            self.clusters.remove(drop)

    def _merge_parts(self) -> None:
        """ "the closing session of the X Summit on ...": a part of a named event is that event."""
        for c in list(self.clusters_of(Kind.EVENT)):
            if c.trigger not in ("session", "segment", "phase") or " of " not in c.key:
                continue
            for m in c.mentions:
                inner = [
                    (m2, c2)
                    for c2 in self.clusters_of(Kind.EVENT)
                    if c2 is not c
                    for m2 in c2.mentions
                    if m.start < m2.start and m2.end <= m.end
                ]
                if inner and any(t.text[0].isupper() for t in self.doc[inner[0][0].start : inner[0][0].end]):
                    self._merge_into(inner[0][1], c)
                    break

    def _merge_header_meeting(self) -> None:
        """UN header lines "Sixtieth Session," / "12th Meeting (PM)": one meeting of that session."""
        events = self.clusters_of(Kind.EVENT)
        for a in events:
            for b in events:
                if (
                    a is b
                    or a.trigger != "session"
                    or b.trigger != "meeting"
                    or not a.mentions
                    or not b.mentions
                ):
                    continue
                ma, mb = a.mentions[0], b.mentions[0]
                between = self.doc[ma.end : mb.start]
                if (
                    0 < mb.start - ma.end <= 3
                    and all(t.is_punct or t.is_space for t in between)
                    and "\n" in between.text
                ):
                    b.label = f"{b.label} of the {a.label}"
                    b.key = norm_key(b.label)
                    self.clusters.remove(a)
                    return

    def _org_first_labels(self) -> None:
        """ "60th UNGA session" -> "60th session of the General Assembly"."""
        for c in self.clusters_of(Kind.EVENT):
            m = c.mentions[0] if c.mentions else None
            if m is None:
                continue
            toks = list(self.doc[m.start : m.end])
            trig_i = next((i for i, t in enumerate(toks) if t.lower_ == c.trigger.split()[0]), None)
            if trig_i is None or trig_i == 0:
                continue
            org_toks = [i for i in range(trig_i) if toks[i].ent_type_ == ORG]
            if (
                org_toks
                and all(_ordinal(toks[i].text) or toks[i].ent_type_ == ORG for i in range(trig_i))
                and org_toks[-1] == trig_i - 1
            ):
                org = self.cluster_at(toks[org_toks[0]].i, [Kind.ORGANIZATION])
                if org is None:
                    continue
                pre = " ".join(t.text for t in toks[: org_toks[0]])
                rest = " ".join(t.text for t in toks[trig_i + 1 :])
                label = " ".join(x for x in (pre, toks[trig_i].text, "of the", org[1].label, rest) if x)
                c.alt_labels.add(c.label)
                c.label, c.key = label, norm_key(label)

    def _merge_aliases(self) -> None:
        """ "X, also called Y" / "X, known as Y": one event (and one document)."""
        for m in re.finditer(r",?\s+(?:also called|also known as|known as|or)\s+(?:the\s+)?", self.norm):
            before = self.cluster_at(self._token_at(max(m.start() - 1, 0)), [Kind.EVENT, Kind.DOCUMENT])
            after = self.cluster_at(self._token_at(m.end()), [Kind.EVENT, Kind.DOCUMENT])
            if before and after and before[1] is not after[1] and before[1].kind == after[1].kind:
                keep, drop = before[1], after[1]
                keep.mentions.extend(drop.mentions)
                keep.alt_labels |= {drop.label} | drop.alt_labels
                self.clusters.remove(drop)

    # ---------------------------------------------------------------- documents

    def read_documents(self) -> None:
        rules = resources.load("documents")
        doc = self.doc
        caps_triggers = sorted((t.split() for t in rules["triggers"]), key=len, reverse=True)
        lower = sorted((t.split() for t in rules["lowercase_triggers"]), key=len, reverse=True)
        need_name = frozenset(rules["lowercase_need_name"])
        caps_first: dict[str, list[list[str]]] = {}
        for w in caps_triggers:
            caps_first.setdefault(w[0], []).append(w)
        lower_first: dict[str, list[list[str]]] = {}
        for w in lower:
            lower_first.setdefault(w[0], []).append(w)
        lower_tail = frozenset(rules["lowercase_tail_triggers"])
        connectors = frozenset({"of", "on", "for", "and", "to"})
        i = 0
        while i < len(doc):
            tok = doc[i]
            words = None
            capital = tok.text[0].isupper()
            seq = self.texts if capital else self.lowers
            for w in (caps_first if capital else lower_first).get(seq[i], ()):
                if seq[i : i + len(w)] == w:
                    words = w
                    break
            if words is None or tok.ent_type_ == ORG or tok._.kg_post_start:
                i += 1
                continue
            n = len(words)
            trig = " ".join(words).lower()
            left = i
            while left > 0:
                p = doc[left - 1]
                if p.text in ("'s", "’s") and left - 2 >= 0 and doc[left - 2].text[0].isupper():
                    left -= 1
                    continue
                if p.is_punct or p.is_space or p.lower_ in _DETERMINERS:
                    break
                if (
                    (
                        p.text[0].isupper()
                        and p.is_alpha
                        and not ((p.i in self.starts) and p.text in ("The", "This", "A"))
                    )
                    or p.ent_type_ in (ORG, PLACE, STATE, STATE_ADJ)
                    or re.match(r"^(post|pre)-\d{4}$|^\d{4}$", p.lower_)
                    or p.lower_ in ("draft", "final", "global", "elements", "political", "outcome")
                    or p._.kg_post_end
                    or (p.text[0].isupper() and p._.kg_post_start)
                ):
                    left -= 1
                    continue
                break
            right = tail_end(
                doc, i + n, connectors - {"to"}, frozenset({"the", "a"}), frozenset(), allow_comma=True
            )
            if right == i + n and not capital and trig in lower_tail:
                right = self._lower_tail(i + n)
            has_name = left < i or right > i + n
            if not capital and trig in need_name and not has_name:
                i += n
                continue
            if not capital and not has_name:
                i += n
                continue
            self._add_document(left, right, trig, i)
            i = max(right, i + n)
        self._read_symbols(rules)
        self._body_labels(Kind.DOCUMENT)

    def _lower_tail(self, end: int) -> int:
        doc = self.doc
        if end >= len(doc) or doc[end].lower_ not in ("on", "for", "of"):
            return end
        k = end + 1
        if k < len(doc) and doc[k].lower_ in ("the", "a"):
            k += 1
        stop = {
            "at",
            "in",
            "to",
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
            "under",
            "from",
            "as",
        }
        last = end
        count = 0
        while k < len(doc) and count < 8:
            t = doc[k]
            if t.is_alpha and t.lower_ not in stop and not (t.lower_.endswith("ed") and len(t) > 4):
                if t.lower_ != "and":
                    last = k + 1
                k += 1
                count += 1
                continue
            if t.text == "," and any(doc[j].lower_ == "and" for j in range(k + 1, min(k + 4, len(doc)))):
                k += 1
                continue
            break
        return last

    def _add_document(self, left: int, right: int, trig: str, t: int) -> None:
        label = self.label_text(left, right)
        m = re.match(r"^(?:the )?(Court|Council|Assembly|Conference|Committee)['’]s (\w+)$", label)
        if m:
            body = self.resolve_body(m.group(1), left)
            if body is not None:
                label = f"{m.group(2).capitalize()} of the {body.label}"
        label = re.sub(r"^(the|a|an)\s+", "", label, flags=re.I)
        key = norm_key(label)
        sent = self.sent_of[t]
        words = key.split()
        target = None
        for c in self.clusters_of(Kind.DOCUMENT):
            ck = c.key.split()
            if c.key == key or (
                c.trigger == trig and (_is_subsequence(words, ck) or _is_subsequence(ck, words))
            ):
                target = c
                break
        if target is None:
            target = self.new_cluster(Kind.DOCUMENT, key, label)
            target.trigger = trig
        elif len(words) > len(target.key.split()) and not self.is_headline(sent):
            target.alt_labels.add(target.label)
            target.label, target.key = label, key
        else:
            target.alt_labels.add(label)
        target.mentions.append(self.ment(Kind.DOCUMENT, left, right, key, "document"))

    def _read_symbols(self, rules: dict[str, object]) -> None:
        patterns = [re.compile(p) for p in rules["symbol_patterns"]]  # type: ignore[attr-defined]
        header_lines = int(rules["header_symbol_lines"])  # type: ignore[call-overload]
        header_end = 0
        for _ in range(header_lines):
            nxt = self.norm.find("\n", header_end + 1)
            if nxt < 0:
                break
            header_end = nxt
        for pattern in patterns:
            for m in pattern.finditer(self.norm):
                line_start = self.norm.rfind("\n", 0, m.start()) + 1
                line_end = self.norm.find("\n", m.end())
                line = self.norm[line_start : line_end if line_end >= 0 else len(self.norm)].strip()
                if m.start() < header_end and line == m.group(0).strip():
                    continue  # the release's own symbol
                start, end = m.start(), m.end()
                pre = re.search(
                    r"(Press Release|document|Document)\s+$", self.norm[max(0, start - 20) : start]
                )
                if pre and pre.group(1).startswith("Press"):
                    start -= len(pre.group(0))
                span = self.doc.char_span(start, end, alignment_mode="expand")
                if span is None:
                    continue
                symbol = m.group(0).strip()
                label = self.norm[start:end]
                key = symbol
                existing = next((c for c in self.clusters_of(Kind.DOCUMENT) if c.key == key), None)
                if existing is None:
                    overlap = self.cluster_at(span.start, [Kind.DOCUMENT])
                    if overlap is not None:
                        existing = overlap[1]
                        existing.attrs["symbol"] = symbol
                        continue
                    existing = self.new_cluster(Kind.DOCUMENT, key, label)
                    existing.attrs["symbol"] = symbol
                    existing.trigger = "symbol"
                existing.mentions.append(self.ment(Kind.DOCUMENT, span.start, span.end, key, "symbol"))


@lru_cache(maxsize=8192)
def _token_words(text: str) -> tuple[str, ...]:
    """The token texts of ``text`` as the pipeline's tokenizer cuts it."""
    return tuple(t.text for t in get_nlp().make_doc(text))


@cache
def _plural_heads() -> list[tuple[re.Pattern[str], str]]:
    """rules/posts.json's plural heads as whole-word patterns (any case) with their singulars."""
    heads = {k.lower(): str(v) for k, v in resources.load("posts")["plural_heads"].items()}
    return [(re.compile(rf"\b{re.escape(p)}\b", re.I), singular) for p, singular in heads.items()]


@cache
def _gazetteer_by_key() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    states = {s["iso3"]: s for s in resources.load("states")["states"]}
    orgs = {norm_key(o["name"]): o for o in resources.load("organizations")["organizations"]}
    places = {norm_key(p["name"]): p for p in resources.load("places")["places"]}
    return states, orgs, places


_TRIGGER_FAMILY = {
    "meeting": {"meeting", "session", "meetings"},
    "session": {"session", "meeting"},
    "conference": {"conference", "summit", "meeting"},
    "summit": {"summit", "conference", "meeting"},
    "negotiations": {"negotiations", "negotiation", "consultations", "talks"},
    "consultations": {"consultations", "negotiations"},
}
_ORD = re.compile(
    r"^(\d+(st|nd|rd|th)|([a-z]+-)?(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth)"
    r"|\w+teenth|\w+tieth)$",
    re.I,
)


def _ordinal(text: str) -> bool:
    return bool(_ORD.match(text))


def _is_subsequence(short: list[str], long: list[str]) -> bool:
    if len(short) >= len(long) or not short:
        return False
    it = iter(long)
    return all(any(w == x for x in it) for w in short)


def _east_asian(tokens: list[str]) -> bool:
    """ "Park Ji-hoon", "Lee Min-seo": the family name comes first."""
    return bool(re.match(r"^[A-Z][a-z]+-[a-z]+$", tokens[-1]))


def _shares_name(a: str, b: str) -> bool:
    wa, wb = a.split(), b.split()
    short, long = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    content = [
        w for w in short if w not in ("the", "of", "on", "for", "a", "to", "and", "un", "united", "nations")
    ]
    return len(content) >= 2 and all(w in long for w in content)


def char_span(m: Ment) -> CharSpan:
    return CharSpan(m.char_start, m.char_end)
