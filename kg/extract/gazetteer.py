"""Component ``gazetteer``: States, organisations and places, from the shipped tables and from shape.

Assigns entities of kind State, Organization and Place with their mentions:

* names the tables of ``rules/states.json``, ``organizations.json`` and ``places.json`` know (the
  spaCy EntityRuler of ``kg.extract.nlp``); a State named inside an organisation's name
  ("Acme Ghana Limited") is not a mention of the State;
* organisations the tables do not know, from their shape (``rules/organizations.json`` "generic"):
  capitalised words ending in a head word ("Lindgren Foundation", "Programme Coordinating Board of
  the ..."), a head word before a name ("Embassy of ...", "Permanent Mission of ..."), regional
  groups ("Asian States");
* acronyms the text defines ("Network for Bamboo and Rattan (INBAR)") and then uses alone.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from kg.extract import resources
from kg.extract.annotation import Annotation, Ent
from kg.extract.nlp import ORG, STATE, STATE_ADJ, norm_key
from kg.model import Kind

_ACRONYM = re.compile(r"^[A-Z][A-Z0-9+&]{1,9}$")


@cache
def _tables() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    states = {s["iso3"]: s for s in resources.load("states")["states"]}
    orgs = {norm_key(o["name"]): o for o in resources.load("organizations")["organizations"]}
    places = {norm_key(p["name"]): p for p in resources.load("places")["places"]}
    return states, orgs, places


@cache
def _document_phrases() -> tuple[str, ...]:
    """The documents' several-word triggers ("Programme of Action"), which no organisation's name has."""
    return tuple(f" {t} " for t in resources.load("documents")["triggers"] if " " in t)


@cache
def _title_case_verbs() -> frozenset[str]:
    """Verbs a headline writes in title case ("... Invites Organization as Observer")."""
    return frozenset(resources.load("furniture")["title_case_verbs"])


@cache
def _generic() -> dict[str, frozenset[str]]:
    rules = resources.load("organizations")["generic"]
    return {k: frozenset(v) for k, v in rules.items() if isinstance(v, list)}


def run(ann: Annotation) -> None:
    _tabled(ann)
    _united_nations(ann)
    _generic_orgs(ann)
    _regional_groups(ann)
    _acronyms(ann)
    _labels(ann)


def _tabled(ann: Annotation) -> None:
    states, orgs, places = _tables()
    for ent in ann.doc.ents:
        label = ent.label_
        if label in (STATE, STATE_ADJ) and _inside_org_name(ann, ent.start, ent.end):
            continue
        key = ent.ent_id_
        if label in (STATE, STATE_ADJ):
            e = ann.entity(Kind.STATE, key, states[key]["name"])
            e.attrs["iso3"] = key
            rule = "gazetteer" if label == STATE else "demonym"
        elif label == ORG:
            e = ann.entity(Kind.ORGANIZATION, key, orgs[key]["name"])
            e.attrs["type"] = orgs[key]["type"]
            e.attrs["acronyms"] = orgs[key]["acronyms"]
            rule = "gazetteer"
        else:
            e = ann.entity(Kind.PLACE, key, places[key]["name"])
            e.attrs["iso3_hint"] = places[key]["iso3"]
            rule = "gazetteer"
        ann.mention(e, ent.start, ent.end, rule)
        if label != STATE_ADJ:
            e.alt.add(ann.label(ent.start, ent.end))


def _united_nations(ann: Annotation) -> None:
    """ "UN" inside another name ("UN Headquarters", "UN Security Council", "UN Secretary-General")
    says "United Nations" too: a mention of the United Nations of its own."""
    for i, t in enumerate(ann.texts):
        if t not in ("UN", "U.N."):
            continue
        named = ann.ent_at(i, Kind.ORGANIZATION)
        if named is not None and named.key == "united nations":
            continue
        un = ann.entity(Kind.ORGANIZATION, "united nations", "United Nations")
        un.attrs.setdefault("type", "organ")
        un.attrs.setdefault("acronyms", ["UN", "U.N."])
        ann.mention(un, i, i + 1, "acronym")


_ORG_SUFFIXES = frozenset(
    [
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
    ]
)
_NOT_BEFORE = frozenset({"The", "In", "Of", "And", "For", "From", "To", "By", "With", "At", "On", "As"})


def _inside_org_name(ann: Annotation, start: int, end: int) -> bool:
    """A State name between capitalised words of a name ("Acme Ghana Limited") names no State."""
    if ann.sent_of[start] in ann.headlines:
        return False
    before = start - 1
    cap_before = (
        before >= 0
        and ann.texts[before][:1].isupper()
        and ann.texts[before].isalpha()
        and before not in ann.sent_starts
        and not ann.gaz[before]
        and ann.texts[before] not in _NOT_BEFORE
        and not ann.covered(before, start, Kind.POST)
    )
    after = ann.texts[end] if end < ann.n else ""
    return after in _ORG_SUFFIXES or (cap_before and after[:1].isupper() and after.isalpha())


def _generic_orgs(ann: Annotation) -> None:
    g = _generic()
    after, not_alone = g["heads_after_name"], g["not_alone"]
    before = sorted((h.split() for h in g["heads_before_name"]), key=len, reverse=True)
    first_words = frozenset(w[0] for w in before)
    texts, n = ann.texts, ann.n
    found: list[tuple[int, int]] = []
    i = 0
    while i < n:
        t = texts[i]
        if ann.quoted[i] or ann.gaz[i] or (t not in after and t not in first_words):
            i += 1
            continue
        words = next((w for w in before if texts[i : i + len(w)] == w), None)
        if words is not None:
            end = org_tail(ann, i + len(words))
            if end > i + len(words):
                found.append((i, end))
                i = end
                continue
        if t in after:
            left = i
            while left > 0:
                p = left - 1
                pt = texts[p]
                if ann.sent_of[p] in ann.headlines and (
                    p in ann.sent_starts or ann.lowers[p] in _title_case_verbs()
                ):
                    break
                if (pt[:1].isupper() and (pt.isalpha() or _ACRONYM.match(pt) or "-" in pt)) and (
                    pt not in _NOT_BEFORE and pt not in ("A", "An", "This", "That", "These", "Its")
                ):
                    if ann.gaz[p] == ORG or ann.covered(p, p + 1, Kind.POST):
                        break
                    left = p
                    continue
                break
            end = org_tail(ann, i + 1)
            if left < i and not (i - left == 1 and t in not_alone and left in ann.sent_starts):
                found.append((left, end))
                i = end
                continue
            if left == i and end > i + 1 and t in not_alone:  # "Committee on Rivers", "Court of Justice"
                found.append((i, end))
                i = end
                continue
        i += 1
    doc_names = _document_phrases()
    for start, end in found:
        if all(ann.gaz[k] == ORG for k in range(start, end) if not ann.space[k]):
            continue
        if any(phrase in f" {ann.label(start, end)} " for phrase in doc_names):
            continue  # "Programme of Action on Water" is a document
        # the text's own expansion of a known acronym ("IOM [International Office of Migration]")
        k = start - 1
        while k > 0 and texts[k][:1].isupper() and texts[k].isalpha():
            k -= 1
        if k >= 1 and texts[k] in ("[", "(") and ann.gaz[k - 1] == ORG:
            continue
        label = ann.label(start, end)
        org = ann.add(Kind.ORGANIZATION, norm_key(label), label, start, end, "generic-org")
        org.attrs.setdefault("type", "other")
        # States and places named inside the organisation's name are not mentions of their own
        for e in ann.of_kind(Kind.STATE, Kind.PLACE):
            for m in list(e.mentions):
                if start <= m.start and m.end <= end:
                    ann.drop_mention(e, m)


def org_tail(ann: Annotation, end: int) -> int:
    """The end of an organisation's or a document's "of the ..." / "for ..." / "on ..." tail of
    capitalised words (a known organisation or State included: "Executive Board of the World Food
    Programme"), a list of them included ("Global Compact for Safe, Orderly and Regular Migration")."""
    right = end
    i = end
    n = ann.n
    while i + 1 < n:
        if ann.texts[i] == "," and right == i and _comma_list(ann, i):
            k = i + 1
            while k < n and (ann.texts[k][:1].isupper() or ann.texts[k] in (",", "and")):
                k += 1
            while k > i and ann.texts[k - 1] in (",", "and"):
                k -= 1
            right = i = k
            continue
        if not (ann.lowers[i] in ("of", "for", "on", "and") and not ann.texts[i][:1].isupper()):
            break
        j = i + 1
        if ann.lowers[j] == "the":
            if ann.lowers[i] == "and":
                break
            j += 1
        k = j
        while k < n and (ann.texts[k][:1].isupper() or (k > j and ann.texts[k] in ("/", "and"))):
            if ann.texts[k] == "and" and not ann.is_cap(k + 1):
                break
            k += 1
        while k > j and ann.texts[k - 1] in ("/", "and"):
            k -= 1
        if k == j:
            break
        right = i = k
    return right


def _comma_list(ann: Annotation, i: int) -> bool:
    """ ", Orderly and Regular Migration": capitalised words, then "and" and capitalised words."""
    k = i + 1
    seen_and = False
    while k < ann.n and k - i < 10:
        t = ann.texts[k]
        if t == "and":
            seen_and = True
        elif t == ",":
            pass
        elif t[:1].isupper():
            if seen_and:
                return True
        else:
            return False
        k += 1
    return False


def _regional_groups(ann: Annotation) -> None:
    """ "Asian States", "Latin American and Caribbean States": regional groups named by adjectives."""
    adjectives = frozenset(resources.load("organizations")["regional_adjectives"])
    for i, t in enumerate(ann.texts):
        if t != "States" or i == 0 or ann.covered(i, i + 1, Kind.ORGANIZATION):
            continue
        left = i
        while left > 0 and (
            ann.texts[left - 1] in adjectives
            or (
                ann.lowers[left - 1] in ("and", "other")
                and left - 2 >= 0
                and ann.texts[left - 2] in adjectives
            )
            or (ann.lowers[left - 1] == "other" and ann.lowers[left - 2] == "and")
        ):
            left -= 1
        while left < i and ann.lowers[left] in ("and", "other"):
            left += 1
        if left < i:
            label = ann.label(left, i + 1)
            org = ann.add(Kind.ORGANIZATION, norm_key(label), label, left, i + 1, "regional-group")
            org.attrs.setdefault("type", "group")
            for e in ann.of_kind(Kind.STATE):
                for m in list(e.mentions):
                    if left <= m.start and m.end <= i + 1:
                        ann.drop_mention(e, m)


def _acronyms(ann: Annotation) -> None:
    """ "Full Name (ACR)": the acronym names the organisation; where it stands alone later, too."""
    texts = ann.texts
    defined: dict[str, Ent] = {}
    for i in range(2, ann.n - 1):
        if texts[i - 1] != "(" or texts[i + 1] != ")" or not _ACRONYM.match(texts[i]):
            continue
        found = ann.ending_at(i - 2, Kind.ORGANIZATION)
        if found is None:
            continue
        org = found[1]
        if texts[i] not in org.alt and texts[i] != org.label:
            org.alt.add(texts[i])
        defined[texts[i]] = org
        ann.mention(org, i, i + 1, "acronym")
    if not defined:
        return
    for i, t in enumerate(texts):
        named = defined.get(t)
        if named is not None and not ann.covered(i, i + 1):
            ann.mention(named, i, i + 1, "acronym")
    # a dateline's agency credit: "UNITED NATIONS, May 24 (APP):" names the news agency
    dl = ann.dateline
    if dl is not None:
        m = re.search(r"\(([A-Z]{2,8})\)\s*[:\-]", ann.text[dl.place_start : dl.end + 2])
        if m:
            start = ann.token_at(dl.place_start + m.start(1))
            org = ann.add(Kind.ORGANIZATION, norm_key(m.group(1)), m.group(1), start, start + 1, "agency")
            org.attrs.setdefault("type", "media")


def _labels(ann: Annotation) -> None:
    """An organisation the text names only by an acronym keeps the acronym as its label."""
    for org in ann.of_kind(Kind.ORGANIZATION):
        surfaces = {ann.label(m.start, m.end) for m in org.mentions}
        if org.label not in surfaces and surfaces:
            longest = max(surfaces, key=len)
            acronyms = org.attrs.get("acronyms", [])
            if isinstance(acronyms, list) and (longest in acronyms or len(longest) > 6):
                org.alt.add(org.label)
                org.label = longest
