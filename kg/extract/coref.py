"""Component ``coref``: the mentions that refer back to an entity already read.

Merges and adds mentions; assigns nothing new. Within one document:

* a person named by one word (after an honorific: "Mr. Lindqvist", "Dr. Omari") is the person whose
  full name ends with that word, else begins with it ("Omari Kelo Mbeki-Tandu"); a bare
  surname elsewhere ("Lindqvist said") is a mention of that person too;
* one person for spellings that differ only in accents ("José Ramos" / "Jose Ramos") or in a
  middle name or initial ("Anna Lindqvist" / "Anna K. Lindqvist"), when nothing contradicts it
  (no other person shares the first and last names);
* "the Council", "the Assembly", "the Court" are mentions of the body so named last.
"""

from __future__ import annotations

import re

from kg.extract import resources
from kg.extract.annotation import Annotation, Ent
from kg.extract.context import BODY_WORDS, resolve_body
from kg.extract.nlp import fold
from kg.model import Kind


def run(ann: Annotation) -> None:
    _aliases(ann)
    _merge_variants(ann)
    _single_names(ann)
    _surnames(ann)
    _bodies(ann)


_ALIAS = re.compile(r",?\s+(?:also called|also known as|known as|hereafter|hereinafter)\s+(?:the\s+)?")


def _aliases(ann: Annotation) -> None:
    """ "X, also called Y" / "X, known as Y": one event (or document) with two names."""
    for m in _ALIAS.finditer(ann.text):
        before = ann.token_at(max(m.start() - 1, 0))
        after = ann.token_at(m.end())
        for kind in (Kind.EVENT, Kind.DOCUMENT):
            a = ann.ending_at(before, kind)
            b = ann.starting_at(after, kind)
            if a is not None and b is not None and a[1] is not b[1]:
                ann.merge(a[1], b[1])
                break


def _words(p: Ent) -> list[str]:
    return [fold(w) for w in p.label.split()]


def _merge_variants(ann: Annotation) -> None:
    people = sorted(ann.of_kind(Kind.PERSON), key=lambda p: -len(p.label.split()))
    for i, a in enumerate(people):
        if a not in ann.entities:
            continue
        wa = _words(a)
        for b in people[i + 1 :]:
            if b not in ann.entities or b is a:
                continue
            wb = _words(b)
            if len(wb) < 2:
                continue
            same = wa == wb or (wa[0] == wb[0] and wa[-1] == wb[-1] and _subsequence(wb, wa))
            if same and not _contradicted(ann, a, b):
                ann.merge(a, b)


def _contradicted(ann: Annotation, a: Ent, b: Ent) -> bool:
    """Another person with the same first and last names makes a short form ambiguous."""
    wa, wb = _words(a), _words(b)
    if wa == wb:
        return False
    for c in ann.of_kind(Kind.PERSON):
        if c is a or c is b:
            continue
        wc = _words(c)
        if len(wc) >= 2 and wc[0] == wb[0] and wc[-1] == wb[-1]:
            return True
    return False


def _subsequence(short: list[str], long: list[str]) -> bool:
    if len(short) >= len(long):
        return False
    it = iter(long)
    return all(any(w == x for x in it) for w in short)


def _single_names(ann: Annotation) -> None:
    full = [p for p in ann.of_kind(Kind.PERSON) if len(p.label.split()) >= 2]
    for p in ann.of_kind(Kind.PERSON):
        words = _words(p)
        if len(words) != 1:
            continue
        target = _by_last(full, words[0]) or _by_first(full, words[0])
        if target is not None:
            ann.merge(target, p)


def _by_last(full: list[Ent], word: str) -> Ent | None:
    found = [p for p in full if _words(p)[-1] == word or (len(_words(p)) > 2 and word in _words(p)[1:])]
    return found[0] if len(found) == 1 else None


def _by_first(full: list[Ent], word: str) -> Ent | None:
    found = [p for p in full if _words(p)[0] == word]
    if len(found) == 1 and not any(_words(p)[-1] == word for p in full):
        return found[0]
    return None


def _surnames(ann: Annotation) -> None:
    """A bare surname (or, for a name the text uses that way, a bare first name) elsewhere."""
    stop = resources.words("people", "stopwords")
    full = [p for p in ann.of_kind(Kind.PERSON) if len(p.label.split()) >= 2]
    if not full:
        return
    keys: dict[str, list[Ent]] = {}
    for p in full:
        words = _words(p)
        keys.setdefault(words[-1], []).append(p)
        # a first name the text already uses alone ("Dr. Omari") stands for the person elsewhere
        if any(
            fold(ann.span_text(m.start, m.end)).split()[-1:] == [words[0]] and m.end - m.start <= 2
            for m in p.mentions
        ):
            keys.setdefault(words[0], []).append(p)
    for t, text in enumerate(ann.texts):
        if len(text) <= 2 or not text[:1].isupper() or text in stop or ann.covered(t, t + 1):
            continue
        found = keys.get(fold(text))
        if found is None or len({p.id for p in found}) != 1:
            continue
        if t + 1 < ann.n and ann.name_like[t + 1] and not ann.space[t + 1] and ann.texts[t + 1][:1].isupper():
            continue  # part of another name
        if (
            t > 0
            and ann.name_like[t - 1]
            and ann.texts[t - 1][:1].isupper()
            and (t - 1) not in ann.sent_starts
            and ann.texts[t - 1] not in resources.load("people")["honorifics"]
        ):
            continue
        ann.mention(found[0], t, t + 1, "surname")


def _bodies(ann: Annotation) -> None:
    for t, text in enumerate(ann.texts):
        if text not in BODY_WORDS or t == 0 or ann.lowers[t - 1] not in ("the", "this"):
            continue
        if ann.covered(t, t + 1):
            continue
        body = resolve_body(ann, text, t)
        if body is not None:
            ann.mention(body, t, t + 1, "body-ref")
