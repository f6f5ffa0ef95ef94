"""Component ``documents``: resolutions, decisions, reports, declarations and UN document symbols.

Assigns Document entities; ``symbol`` on those with a UN document symbol. Rule data:
``rules/documents.json``.

* Symbols, written any way: "A/RES/65/1", "S/PV.6500", "E/2016/L.3", press-release symbols
  ("GA/10401", "SG/SM/6101"), "decision E/2011/L.2", "resolution 1234 (2010)" and
  "Resolution 1234 (2010)" (one document, symbol "resolution 1234 (2010)"), "resolution S-16/1".
  A symbol is only ever recorded in the form the shapes accept (``symbol_shape``); anything else
  stays the document's label.
* Named documents: capitalised words ending in a trigger with their tail ("Lisbon Declaration on
  Ocean Health", "Programme of Action", "Monterrey Consensus").
* Lower-case documents with a tail: "a resolution on the right to development", "the report of the
  fact-finding mission", "the draft decision entitled ..."; "a decision (document E/2016/L.3)" is
  the document with that symbol.
* Statements: "a statement by X", "X said in a statement" -> "statement by X" ("WHO statement").
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from kg.extract import resources
from kg.extract.annotation import Annotation, Ent
from kg.extract.context import resolve_body
from kg.extract.gazetteer import org_tail
from kg.extract.nlp import ORG, PLACE, STATE, STATE_ADJ, norm_key
from kg.model import Kind

#: What the shapes accept as kg:symbol (shapes/kg-shapes.ttl, DocumentShape).
SYMBOL_SHAPE = re.compile(r"^[A-Z]+(/[A-Za-z0-9.()\-]+)+$|^resolution [0-9]+( \([0-9]{4}\))?$")
_DETERMINERS = frozenset({"the", "a", "an", "its", "this", "that", "their", "his", "her", "these", "those"})


def symbol_shape(value: str) -> str | None:
    """``value`` as a symbol the shapes accept, or None."""
    value = value.strip().rstrip(".-")
    m = re.match(r"(?i)^resolutions? (\d+)(?: \((\d{4})\))?$", value)
    if m:
        value = f"resolution {m.group(1)}" + (f" ({m.group(2)})" if m.group(2) else "")
    return value if SYMBOL_SHAPE.match(value) else None


@cache
def _rules() -> dict[str, Any]:
    r = resources.load("documents")
    out: dict[str, Any] = dict(r)
    out["symbols"] = [re.compile(p) for p in r["symbol_patterns"]]
    out["caps"] = sorted((t.split() for t in r["triggers"]), key=len, reverse=True)
    out["lower"] = sorted((t.split() for t in r["lowercase_triggers"]), key=len, reverse=True)
    out["need_name"] = frozenset(r["lowercase_need_name"])
    out["lower_tail"] = frozenset(r["lowercase_tail_triggers"])
    out["left_words"] = frozenset(r["left_lowercase_words"])
    out["tail_stop"] = frozenset(r["tail_stop_words"])
    return out


def run(ann: Annotation) -> None:
    r = _rules()
    _symbols(ann, r)
    _named(ann, r)
    _statements(ann, r)
    _references(ann, r)


def _references(ann: Annotation, r: dict[str, Any]) -> None:
    """ "the framework agreement", "the Declaration", "the resolution": the document of that kind
    named last before (a bare trigger after a determiner)."""
    words = {w for w in r["reference_words"]}
    for i, low in enumerate(ann.lowers):
        if low not in words or ann.covered(i, i + 1, Kind.DOCUMENT) or i == 0:
            continue
        k = i - 1
        if ann.lowers[k] in words:  # "the framework agreement"
            k -= 1
        if ann.lowers[k] not in ("the", "this", "that", "its"):
            continue
        kinds = {low, ann.lowers[i - 1]}
        best: tuple[int, Ent] | None = None
        for d in ann.of_kind(Kind.DOCUMENT):
            if d.trigger in kinds or any(w in d.key.split() for w in kinds):
                for m in d.mentions:
                    if m.end <= i and (best is None or m.start > best[0]):
                        best = (m.start, d)
        if best is not None:
            ann.mention(best[1], k + 1, i + 1, "document-ref")


# -- symbols ----------------------------------------------------------------------------------


def _symbols(ann: Annotation, r: dict[str, Any]) -> None:
    text = ann.text
    for pattern in r["symbols"]:
        for m in pattern.finditer(text):
            raw = m.group(0).rstrip(".-,;:")
            start, end = m.start(), m.start() + len(raw)
            symbol = symbol_shape(raw)
            if re.match(r"(?i)^resolutions?\s", raw):
                label = "resolution " + raw.split(None, 1)[1]
                key = norm_key(label)
            else:
                label = raw
                key = norm_key(raw)
            pre = re.search(r"\bpress release\s+$", text[max(0, start - 16) : start], re.I)
            if pre:  # "Press Release GA/12029" names the release
                start = max(0, start - 16) + pre.start()
                label = text[start:end]
            a, b = ann.token_at(start), ann.token_at(end - 1) + 1
            if ann.covered(a, b, Kind.DOCUMENT):
                continue
            # "Resolution 2231" and "resolution 2231 (2015)" in one text are one resolution
            base = re.sub(r" \(\d{4}\)$", "", key)
            doc = ann.find(Kind.DOCUMENT, key) or _with_year(ann, base)
            if doc is None:
                doc = ann.entity(Kind.DOCUMENT, key, label, trigger="symbol")
            elif key != base and doc.key == base:
                doc = ann.rekey(doc, key, label)
            if (symbol is not None and "symbol" not in doc.attrs) or (
                symbol is not None and doc.attrs.get("symbol") != symbol and "(" in symbol
            ):
                doc.attrs["symbol"] = symbol
            ann.mention(doc, a, b, "symbol")


def _with_year(ann: Annotation, base: str) -> Ent | None:
    for d in ann.of_kind(Kind.DOCUMENT):
        if d.key == base or re.sub(r" \(\d{4}\)$", "", d.key) == base:
            return d
    return None


# -- named and described documents ------------------------------------------------------------


def _named(ann: Annotation, r: dict[str, Any]) -> None:
    texts, lowers, n = ann.texts, ann.lowers, ann.n
    caps_first: dict[str, list[list[str]]] = {}
    for w in r["caps"]:
        caps_first.setdefault(w[0], []).append(w)
    lower_first: dict[str, list[list[str]]] = {}
    for w in r["lower"]:
        lower_first.setdefault(w[0], []).append(w)
    i = 0
    while i < n:
        t = texts[i]
        capital = t[:1].isupper()
        seq = texts if capital else lowers
        words = next(
            (w for w in (caps_first if capital else lower_first).get(seq[i], ()) if seq[i : i + len(w)] == w),
            None,
        )
        if words is None or ann.gaz[i] == ORG or ann.covered(i, i + 1, Kind.POST, Kind.DOCUMENT):
            i += 1
            continue
        k = len(words)
        trig = " ".join(words).lower()
        left = _left(ann, i, r)
        right = _tail(ann, i + k, capital, trig, r)
        has_name = left < i or right > i + k
        described = right < n and (
            lowers[right] == "entitled"
            or (texts[right] == "(" and right + 1 < n and lowers[right + 1] == "document")
        )
        if not described and (not has_name or (not capital and trig in r["need_name"] and right == i + k)):
            i += k
            continue
        # "the Paris agreement" is named; "the peace agreement" is not
        unnamed = not any(texts[x][:1].isupper() for x in range(left, i))
        if (
            not described
            and not capital
            and left < i
            and right == i + k
            and trig in r["need_name"]
            and unnamed
        ):
            i += k
            continue
        _add(ann, left, right, trig, r)
        i = max(right, i + k)


def _left(ann: Annotation, i: int, r: dict[str, Any]) -> int:
    texts, lowers = ann.texts, ann.lowers
    headline = ann.sent_of[i] in ann.headlines
    left = i
    while left > 0:
        p = left - 1
        t = texts[p]
        if headline and not ann.gaz[p]:
            break  # a headline's title case says nothing about where a name starts
        if t in ("'s", "’s") and p >= 1 and texts[p - 1][:1].isupper():
            left = p
            continue
        if lowers[p] == "and" and p >= 2 and texts[p - 1][:1].isupper() and left < i:
            k = p - 1  # "Peace, Security and Cooperation Framework": a list of capitalised words
            while k >= 1 and texts[k][:1].isupper() and texts[k - 1] == ",":
                k -= 2
            if (texts[k][:1].isupper() and k < p - 1) or k == p - 1:
                left = k
                continue
        if ann.space[p] or not t[:1].isalnum() or lowers[p] in _DETERMINERS:
            break
        if p in ann.sent_starts and t in ("The", "This", "A", "An", "In", "On", "By", "Under"):
            break
        if p in ann.sent_starts and not ann.gaz[p] and not texts[p + 1][:1].isupper():
            break  # "Adopts resolution ...": a capitalised verb opening a sentence
        if (
            (t[:1].isupper() and (t.isalpha() or "-" in t) and not ann.covered(p, p + 1, Kind.PERSON))
            or ann.gaz[p] in (ORG, PLACE, STATE, STATE_ADJ)
            or re.match(r"^(post|pre)-\d{4}$|^\d{4}$", lowers[p])
            or lowers[p] in r["left_words"]
        ):
            left = p
            continue
        break
    return left


def _tail(ann: Annotation, end: int, capital: bool, trig: str, r: dict[str, Any]) -> int:
    right = org_tail(ann, end) if capital else end
    if right == end and trig in r["lower_tail"]:
        right = _lower_tail(ann, end, r)
    return right


def _lower_tail(ann: Annotation, end: int, r: dict[str, Any]) -> int:
    """ "resolution| on the right to development": a lower-case tail of up to eight words."""
    lowers, n = ann.lowers, ann.n
    if end >= n or lowers[end] not in ("on", "for", "of", "concerning", "regarding"):
        return end
    k = end + 1
    if k < n and lowers[k] in ("the", "a", "an"):
        k += 1
    last = end
    count = 0
    while k < n and count < 9:
        t = ann.texts[k]
        if t.isalpha() or "-" in t:
            low = lowers[k]
            if low in r["tail_stop"] or (low.endswith("ed") and len(low) > 4 and not t[:1].isupper()):
                break
            if low not in ("and", "of", "the", "a", "an", "to", "on", "for", "in"):
                last = k + 1
            k += 1
            count += 1
            continue
        if t == "," and any(lowers[j] == "and" for j in range(k + 1, min(k + 4, n))):
            if any(ann.texts[j][:1].isupper() for j in range(k + 1, min(k + 4, n))):
                break  # ", and the General Assembly to consider ...": another clause
            k += 1
            continue
        break
    return last


def _add(ann: Annotation, left: int, right: int, trig: str, r: dict[str, Any]) -> None:
    label = re.sub(r"^(the|a|an)\s+", "", ann.label(left, right), flags=re.I)
    m = re.match(r"^(Court|Council|Assembly|Conference|Committee|Commission)['’]s (\w+)$", label)
    if m:  # "the Court's statute" -> "Statute of the International Court of Justice"
        body = resolve_body(ann, m.group(1), left)
        label = f"{m.group(2).capitalize()} of the {body.label if body is not None else m.group(1)}"
    key = norm_key(label)
    words = key.split()
    target = ann.find(Kind.DOCUMENT, key)
    if target is None:
        for d in ann.of_kind(Kind.DOCUMENT):
            dk = d.key.split()
            if d.trigger == trig and (
                _subsequence(words, dk) or _subsequence(dk, words) or _described(label, d.label, trig)
            ):
                target = d
                break
    if target is None:
        target = ann.entity(Kind.DOCUMENT, key, label, trigger=trig)
    elif len(words) > len(target.key.split()) and ann.sent_of[left] not in ann.headlines:
        target = ann.rekey(target, key, label)
    else:
        target.alt.add(label)
    ann.mention(target, left, right, "document")
    _merge_brackets(ann, target, right)


def _merge_brackets(ann: Annotation, doc: Ent, right: int) -> None:
    """ "a decision (document E/2016/L.3)": the described document is the one with that symbol;
    "the draft decision entitled "Title" (document E/2016/L.2)": the title names it too."""
    k = right
    title = None
    if k + 1 < ann.n and ann.lowers[k] == "entitled" and ann.texts[k + 1] == '"':
        close = next((j for j in range(k + 2, min(ann.n, k + 80)) if ann.texts[j] == '"'), None)
        if close is not None:
            title = ann.label(k + 2, close)
            k = close + 1
    if k + 1 < ann.n and ann.texts[k] == "(":
        j = k + 1
        if ann.lowers[j] in ("document", "documents"):
            j += 1
        found = ann.starting_at(j, Kind.DOCUMENT)
        if found is not None and found[1] is not doc and found[1].trigger == "symbol":
            sym = found[1]
            sym.alt.add(doc.label)
            for m in doc.mentions:
                if not any(m.start == x.start for x in sym.mentions):
                    sym.mentions.append(m)
            sym.alt |= doc.alt
            if title:
                sym.alt.add(title)
                sym.attrs.setdefault("title", title)
            ann.merge(sym, doc)
            return
    if title:
        doc.alt.add(title)
        doc.attrs.setdefault("title", title)


def _described(new: str, old: str, trig: str) -> bool:
    """ "Global Compact for international migration" describes "Global Compact for Safe, Orderly and
    Regular Migration": the same name up to the trigger, and one of the tails is in lower case."""
    a, b = new.lower().split(), old.lower().split()
    if trig not in a or trig not in b:
        return False
    i, j = a.index(trig), b.index(trig)
    if a[: i + 1] != b[: j + 1] or i == 0:
        return False
    return _lower_tail_words(new.split()[i + 1 :]) or _lower_tail_words(old.split()[j + 1 :])


def _lower_tail_words(words: list[str]) -> bool:
    return any(w[:1].islower() and w not in ("of", "for", "on", "the", "and", "to", "a") for w in words)


def _subsequence(short: list[str], long: list[str]) -> bool:
    if len(short) >= len(long) or not short:
        return False
    it = iter(long)
    return all(any(w == x for x in it) for w in short)


# -- statements -------------------------------------------------------------------------------


def _statements(ann: Annotation, r: dict[str, Any]) -> None:
    """ "a statement (issued) by X" / "X said in a statement": the statement is a document."""
    lowers, n = ann.lowers, ann.n
    for i in range(n):
        if lowers[i] != "statement" or ann.covered(i, i + 1, Kind.DOCUMENT):
            continue
        author: Ent | None = None
        k = i + 1
        if k < n and lowers[k] in ("issued", "released", "made"):
            k += 1
        if k + 1 < n and lowers[k] == "by":
            author = next(
                (
                    e
                    for _, e in ann.in_range(
                        k + 1, min(n, k + 5), Kind.PERSON, Kind.ORGANIZATION, Kind.POST, Kind.STATE
                    )
                ),
                None,
            )
        if author is None and i >= 3 and lowers[i - 1] in ("a", "the") and lowers[i - 2] == "in":
            k = i - 3
            if lowers[k] in r["statement_verbs"] and k >= 1:
                author = ann.ent_at(k - 1, Kind.PERSON, Kind.ORGANIZATION)
        opening = i >= 2 and lowers[i - 2] == "in" and lowers[i - 1] == "a" and i + 2 < n
        if author is None and opening and ann.texts[i + 1] == ",":  # "In a statement, Robinson ..."
            author = ann.ent_at(i + 2, Kind.PERSON, Kind.ORGANIZATION) or _by_surname(ann, i + 2)
        if author is None:
            continue
        if author.kind == Kind.ORGANIZATION:
            label = f"{_short(author)} statement"
        elif k + 1 < n and lowers[k] == "by" and ann.texts[i][:1].islower():
            found = ann.in_range(k + 1, min(n, k + 5), Kind.PERSON, Kind.ORGANIZATION, Kind.POST, Kind.STATE)
            end = found[0][0].end
            while end + 1 < n and ann.texts[end] in ("'s", "’s") and ann.starting_at(end + 1, Kind.POST):
                end = ann.starting_at(end + 1, Kind.POST)[0].end  # type: ignore[index]
            label = ann.label(i, end)  # "statement issued by Ban's spokesperson"
        else:
            label = f"statement by {author.label}"
        doc = ann.entity(Kind.DOCUMENT, norm_key(label), label, trigger="statement")
        ann.mention(doc, i, i + 1, "statement")
        doc.attrs.setdefault("author", author)


def _by_surname(ann: Annotation, t: int) -> Ent | None:
    """The one person already read whose name ends with the word at ``t`` ("Robinson")."""
    found = [p for p in ann.of_kind(Kind.PERSON) if p.label.split()[-1:] == [ann.texts[t]]]
    full = [p for p in found if len(p.label.split()) > 1]  # ("Robinson" alone is the same person)
    return (full or found)[0] if len(full or found) == 1 else None


def _short(org: Ent) -> str:
    acr = org.attrs.get("acronyms")
    if isinstance(acr, list) and acr:
        return str(acr[0])
    return org.label
