"""Component ``posts``: offices (kind Post) with labels completed from their context.

Assigns Post entities and, on each post mention, ``status`` (a status word before it: former,
outgoing, acting, new, ...), ``plural`` ("Vice-Presidents") and ``head``. Rule data:
``rules/posts.json``.

* A post is a head noun ("Special Envoy", "Vice-President", "judge") with the modifiers before it
  that belong to its name ("Deputy", "Permanent") and its capitalised tail ("... of Mexico to the
  United Nations"); a name at the end of the tail is not part of it ("High Commissioner for Human
  Rights Ruth Okonjo").
* Labels are completed from context, so the same post has one label however the text names it:
  "its President" / "President of the body" -> "President of the <body>"; "Council President" ->
  "President of the <Council>"; "Chile's Permanent Representative" / "Chilean Foreign Minister" ->
  "... of Chile"; a bare bureau post ("the Vice-President", "Vice-Presidents") in a text about a body
  -> "... of the <body>"; "judges of the Court" -> "judge of the <Court>".
* An honorific head before a name ("Ambassador Rita Mensah", "President Ann Lee") is a title of the
  person (component ``people``), not a post, unless its body or State is named ("Assembly
  President Per Lindqvist", "Irish President ...").
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from spacy.matcher import PhraseMatcher

from kg.extract import resources
from kg.extract.annotation import Annotation, Ent, key_of
from kg.extract.context import BODY_WORDS, GENERIC_BODY, focus_body, org_before, resolve_body, subject_org
from kg.extract.nlp import CALENDAR_WORDS, ORG, STATE, STATE_ADJ, get_nlp, institution_words
from kg.model import Kind

_ORDINAL = re.compile(
    r"^(\d+(st|nd|rd|th)|([a-z]+-)?(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth"
    r"|eleventh|twelfth)|\w+teenth|\w+tieth)$",
    re.I,
)


def is_ordinal(text: str) -> bool:
    return bool(_ORDINAL.match(text))


@cache
def _rules() -> dict[str, Any]:
    r = resources.load("posts")
    people = resources.load("people")
    out: dict[str, Any] = dict(r)
    out["plural"] = {k.lower(): v for k, v in r["plural_heads"].items()}
    out["need_context"] = frozenset(r["lowercase_heads_need_context"])
    out["honorific_heads"] = frozenset(r["honorific_heads"])
    out["connectors"] = frozenset(r["tail_connectors"])
    out["determiners"] = frozenset(r["tail_determiners"])
    out["lower_nouns"] = frozenset(r["tail_lowercase_nouns"])
    out["modifiers_by_last"] = {}
    for m in sorted((m.split() for m in r["modifiers"]), key=len, reverse=True):
        out["modifiers_by_last"].setdefault(m[-1], []).append(m)
    out["status"] = {k.lower(): v for k, v in r["status_words"].items()}
    out["stop"] = frozenset(people["stopwords"])
    out["bureau"] = frozenset(h.lower() for h in r["bureau_heads"])
    out["national"] = frozenset(h.lower() for h in r["national_heads"])
    out["national_last"] = frozenset(h.lower().split()[-1] for h in r["national_heads"])
    out["un_heads"] = tuple(r["un_heads"])
    out["heads_need_of"] = frozenset(r["heads_need_of"])
    out["topic_heads"] = frozenset(r["topic_heads"])
    return out


@cache
def _matcher() -> PhraseMatcher:
    nlp = get_nlp()
    r = resources.load("posts")
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    heads = list(r["heads"]) + list(r["plural_heads"])
    matcher.add("POST", [nlp.make_doc(h) for h in heads])
    return matcher


def run(ann: Annotation) -> None:
    r = _rules()
    matches = sorted(_matcher()(ann.doc), key=lambda m: (m[1], -(m[2] - m[1])))
    taken: set[int] = set()
    for _, start, end in matches:
        if any(i in taken for i in range(start, end)):
            continue
        if ann.gaz[start] == ORG and not _post_in_org_name(ann, start):
            continue
        span = _read(ann, start, end, r)
        if span is None:
            continue
        left, right, label, head, status, plural = span
        taken.update(range(left, right))
        label = _complete(ann, label, head, left, right, start, end, r)
        state = _state_after_name(ann, right)
        if (
            state is not None
            and " of " not in f" {label} "
            and head.lower().split()[-1] in r["national_last"]
        ):
            label = f"{label} of {state.label}"  # "Prime Minister Ida Berg of Norway"
            ann.entity(Kind.POST, key_of(label), label).attrs.setdefault("of", state)
        if (
            left > 0
            and left == start
            and ann.texts[left - 1] in BODY_WORDS
            and label != ann.label(left, right)
        ):
            left -= 1  # "Council president": the body's word names the post too
        post = ann.entity(Kind.POST, key_of(label), label, trigger=ann.lowers[start])
        m = ann.mention(post, left, right, "post")
        m.attrs.update(status=status, plural=plural, head=ann.label(start, end).lower())
        _post_of(ann, post, left, right, r)


def _post_in_org_name(ann: Annotation, start: int) -> bool:
    """ "United Nations High Commissioner for Refugees" names the post when the table knows it as
    another name of the office ("Office of the United Nations High Commissioner for Refugees"): the
    post wins, and the office's mention goes."""
    found = ann.at(start, Kind.ORGANIZATION)
    if not found:
        return False
    m, org = found[0]
    surface = ann.label(m.start, m.end)
    if surface == org.label or not org.label.lower().startswith(("office", "department")) or start == m.start:
        return False
    ann.drop_mention(org, m)
    return True


def _read(
    ann: Annotation, start: int, end: int, r: dict[str, Any]
) -> tuple[int, int, str, str, str | None, bool] | None:
    """The extent, label, status word and plurality of the post whose head is ``[start, end)``."""
    texts, lowers = ann.texts, ann.lowers
    head = ann.span_text(start, end)
    nxt = end if end < ann.n else None
    prev = start - 1
    body_before = prev >= 0 and (texts[prev] in BODY_WORDS or ann.gaz[prev] in (ORG, STATE_ADJ))
    possessive_before = prev >= 1 and texts[prev] in ("'s", "’s")
    before_name = nxt is not None and ann.name_like[nxt] and texts[nxt] not in r["stop"]
    named = body_before or possessive_before or (prev >= 0 and lowers[prev] == "vice")
    if head in r["honorific_heads"] and before_name and not named and _state_after_name(ann, end) is None:
        return None  # "Ambassador Rita Mensah": an honorific ("President Ann Lee of Chile": a post)
    if head[0].islower() and head.lower() in r["need_context"]:
        ok = nxt is not None and lowers[nxt] in ("of", "for", "to", "at")
        ok = ok or (prev >= 0 and (texts[prev] in r["modifiers_by_last"] or lowers[prev] in r["status"]))
        ok = ok or (prev >= 0 and (ann.gaz[prev] == ORG or texts[prev] in ("UN", "U.N.", *BODY_WORDS)))
        ok = ok or possessive_before
        if not ok:
            return None
    if head.lower() in r["heads_need_of"] and not (
        nxt is not None
        and lowers[nxt] == "of"
        and end + 2 < ann.n
        and (ann.is_cap(end + 1) or ann.is_cap(end + 2))
    ):
        return None  # "members of the Advisory Committee" is a post; "Member States" is not
    if (
        head.lower() == "head"
        and nxt is not None
        and lowers[nxt] == "of"
        and end + 1 < ann.n
        and lowers[end + 1] in ("state", "government", "states", "delegation")
    ):
        return None
    left = start
    changed = True
    while changed and left > 0:
        changed = False
        for words in r["modifiers_by_last"].get(texts[left - 1], ()):
            n = len(words)
            if left - n >= 0 and texts[left - n : left] == words:
                left -= n
                changed = True
                break
    status = None
    k = left - 1
    while k >= 0 and (ann.space[k] or ann.gaz[k] in (STATE, STATE_ADJ) or texts[k] in ("'s", "’s")):
        k -= 1  # "former Irish President", "Norway's former ..." / "former Norway's ..."
    if k >= 0 and lowers[k] in r["status"]:
        status = r["status"][lowers[k]]
    elif k >= 1 and lowers[k] in ("appointed", "elected") and lowers[k - 1] in ("newly",):
        status = "appointed"
    right = tail_end(ann, end, r)
    if right == end and head.lower().rstrip("s") in r["topic_heads"]:
        right = _topic_tail(ann, end)  # "co-facilitators of the modalities for the adoption of ..."
    singular = r["plural"].get(head.lower())
    if singular is None:
        return left, right, ann.label(left, right), ann.label(left, end), status, False
    head_label = " ".join(p for p in (ann.label(left, start), singular) if p)
    return (
        left,
        right,
        " ".join(p for p in (head_label, ann.label(end, right)) if p),
        head_label,
        status,
        True,
    )


def tail_end(ann: Annotation, end: int, r: dict[str, Any] | None = None) -> int:
    """Where a post's right-hand tail ends: connector (+ determiner) + capitalised words, repeated;
    a person's name at the end of the capitalised words is not part of it."""
    r = r or _rules()
    texts, lowers = ann.texts, ann.lowers
    right = i = end
    n = ann.n
    while i < n:
        t = lowers[i]
        if t in r["connectors"] and texts[i][:1].islower():
            j = i + 1
            if j < n and lowers[j] in r["determiners"]:
                if t == "and":
                    break
                j += 1
            k = j
            while k < n and _tail_word(ann, k, k > j, r):
                if k > j and ann.gaz[k - 1] == STATE and ann.gaz_iob[k] != "I" and ann.gaz[k] != ORG:
                    break  # a name ends with the State it ends on ("... of Colombia| Ange")
                k += 1
            k = _before_name(ann, j, k, r)
            if k == j or (t == "and" and not texts[i - 1][:1].isupper()):
                break
            if t == "and" and k < n and texts[k] in ("'s", "’s"):
                break
            if t == "and" and _starts_post(ann, j):
                break  # "Under-Secretary-General for Humanitarian Affairs| and Special Envoy for Darfur"
            right = i = k
            continue
        break
    return right


def _topic_tail(ann: Annotation, end: int) -> int:
    """ "of the negotiations on the New York Declaration": a lower-case topic after a facilitator."""
    n = ann.n
    if end + 2 >= n or ann.lowers[end] not in ("of", "for", "on") or ann.lowers[end + 1] != "the":
        return end
    stop = {"and", "announced", "said", "that", "which", "who", "was", "were", "is", "are", "will", "to"}
    k = end + 2
    last = end
    while k < n and k - end < 14:
        t = ann.texts[k]
        if not (t.isalpha() or "-" in t) or ann.lowers[k] in stop:
            break
        if ann.lowers[k] in GENERIC_BODY or ann.lowers[k].endswith("-based"):
            return end  # "of the Geneva-based body": the body, named elsewhere
        if ann.lowers[k] not in ("of", "the", "for", "on", "a", "an"):
            last = k + 1
        k += 1
    return last


def _state_after_name(ann: Annotation, end: int) -> Ent | None:
    """The State in "<post> Ann Lee of Chile": a name of up to four words, then "of" and a State."""
    k = end
    while k < ann.n and k - end < 4 and ann.name_like[k] and not ann.gaz[k]:
        k += 1
    if k == end or k + 1 >= ann.n or ann.lowers[k] != "of":
        return None
    j = k + 1 + (ann.lowers[k + 1] == "the")
    return ann.ent_at(j, Kind.STATE) if j < ann.n and ann.gaz[j] == STATE else None


def _starts_post(ann: Annotation, k: int) -> bool:
    """Whether a post's name (a head, maybe after its modifiers) starts at token ``k``."""
    return any(start == k for _, start, _ in _heads_at(ann)) or any(
        start == k + 1 and ann.texts[k] in _rules()["modifiers_by_last"] for _, start, _ in _heads_at(ann)
    )


def _heads_at(ann: Annotation) -> list[tuple[int, int, int]]:
    found: list[tuple[int, int, int]] | None = ann.__dict__.get("_post_heads")
    if found is None:
        found = ann.__dict__["_post_heads"] = [(0, s, e) for _, s, e in _matcher()(ann.doc)]
    return found


def _tail_word(ann: Annotation, k: int, not_first: bool, r: dict[str, Any]) -> bool:
    text = ann.texts[k]
    if ann.space[k] or text in CALENDAR_WORDS or text == "I":
        return False
    if text.endswith("-based"):
        return False  # "Rapporteur of the| Geneva-based body"
    if not text[:1].isalnum() and text not in ("'s", "’s", "/"):
        return False
    if text[0].isupper() or ann.gaz[k]:
        return True
    if is_ordinal(text):
        return True
    return (
        not_first
        and text.lower() in r["lower_nouns"]
        and (ann.texts[k - 1][:1].isupper() or is_ordinal(ann.texts[k - 1]))
    )


def _before_name(ann: Annotation, j: int, k: int, r: dict[str, Any]) -> int:
    """``k``, or where a trailing person name in the tail ``[j, k)`` starts ("High Commissioner for
    Human Rights| Ruth Okonjo"): two or more name-like words that name no institution."""
    words = institution_words()
    t = k
    while t > j and ann.name_like[t - 1] and ann.texts[t - 1] not in words and not ann.gaz[t - 1]:
        t -= 1
    if t > j and k - t >= 2:
        return t
    if t == j and k - j >= 3:
        return k - 2  # "High Commissioner for Rivers| Rosa Tamm": a name is its last two words
    return k


def _complete(
    ann: Annotation, label: str, head: str, left: int, right: int, start: int, end: int, r: dict[str, Any]
) -> str:
    """The label with what context says about it (see the module docstring); ``head`` is the label
    up to the head noun, in the singular."""
    texts, lowers = ann.texts, ann.lowers
    prev = left - 1
    sent = ann.sent_of[start]
    has_of = bool(re.search(r"\b(of|for|to|in|at|on)\b", ann.span_text(end, right))) if right > end else False
    # "President of the body" / "of the Council": the body the sentence is about
    after = ann.text[ann.ends[right - 1] : ann.ends[right - 1] + 50]
    m = re.match(r"\s+of (?:the|this|that) (?:[\w-]+-based )?(\w+)\b", after)
    if m and not has_of and (m.group(1) in GENERIC_BODY or m.group(1) in BODY_WORDS):
        word = m.group(1)
        body = resolve_body(ann, word, start) if word in BODY_WORDS else None
        body = body or subject_org(ann, sent, before=start) or focus_body(ann, start)
        if body is not None:
            return f"{head} of the {body.label}"
    # "Chile's Permanent Representative" / "Chilean Foreign Minister"
    state = None
    if prev >= 1 and texts[prev] in ("'s", "’s"):
        state = ann.ent_at(prev - 1, Kind.STATE)
    elif prev >= 0 and ann.gaz[prev] == STATE_ADJ:
        state = ann.ent_at(prev, Kind.STATE)
    if state is not None and " of " not in f" {ann.span_text(end, right)} ":
        low = head.lower()
        rep = [h.lower() for h in r["representative_heads"]]
        if any(low.endswith(h) for h in rep) or any(low.endswith(h) for h in r["national"]):
            tail = ann.label(end, right) if right > end else ""
            return " ".join(x for x in (head, "of", state.label, tail) if x)
    # "the organization's Deputy Director", "the Council's President": the body it refers back to
    if prev >= 2 and texts[prev] in ("'s", "’s") and lowers[prev - 2] == "the" and not has_of:
        word = texts[prev - 1]
        if word in BODY_WORDS:
            body = resolve_body(ann, word, prev - 1)
        else:
            body = org_before(ann, sent, prev - 2) if word in GENERIC_BODY else None
        if body is not None:
            return f"{head} of the {body.label}"
    # "Council President", "Assembly President Per Lindqvist"
    if prev >= 0 and (texts[prev] in BODY_WORDS or ann.gaz[prev] == ORG) and not has_of:
        body = ann.ent_at(prev, Kind.ORGANIZATION) or resolve_body(ann, texts[prev], prev)
        if body is not None and head.lower().split()[-1] in r["bureau"] | {"president", "chair", "chairman"}:
            return f"{head[0].upper()}{head[1:]} of the {body.label}"
    # "its President", "as its Vice-President", "President of its seventy-second session"
    if prev >= 0 and lowers[prev] == "its" and not has_of:
        body = subject_org(ann, sent, before=start) or focus_body(ann, start)
        if body is not None:
            return f"{head} of the {body.label}"
    if re.search(r"\bits ", label):
        body = subject_org(ann, sent, before=start) or focus_body(ann, start)
        if body is not None:
            return re.sub(r"\bits (.+)$", rf"the \1 of the {body.label}", label)
    # "judges of/at the Court" -> "judge of the International Court of Justice"
    m2 = re.match(
        r"^(.*)\b(?:of|at|on|to) the (Court|Council|Assembly|Commission|Committee|Conference|Board)$", label
    )
    if m2:
        body = resolve_body(ann, m2.group(2), start)
        if body is not None:
            return f"{m2.group(1)}of the {body.label}"
    # a seat on a body: "judge to/at/on the International Court of Justice" -> "judge of ..."
    m3 = re.match(r"^(.*\b(?:judge|member|judges|members)) (?:to|at|on) (the .+)$", label, re.I)
    if m3:
        return f"{m3.group(1)} of {m3.group(2)}"
    # a bare bureau post in a text about a body: "the Vice-President", "Vice-Presidents"
    if not has_of and head.lower().split()[-1] in r["bureau"] and _refers_to_body(ann, prev, start):
        body = focus_body(ann, start)
        if body is not None:
            return f"{head[0].upper()}{head[1:]} of the {body.label}"
    return label


def _refers_to_body(ann: Annotation, prev: int, start: int) -> bool:
    """A bare bureau post refers to a body's bureau after "the"/"its"/"as", or before a name."""
    k = prev
    while k >= 0 and (ann.space[k] or ann.lowers[k] in ("new", "outgoing", "former", "acting", "first")):
        k -= 1
    return k >= 0 and ann.lowers[k] in ("the", "its", "as", "of")


def _post_of(ann: Annotation, post: Ent, left: int, right: int, r: dict[str, Any]) -> None:
    """``of``: the State or organisation a post belongs to (named in it, else the UN for UN posts)."""
    if "of" in post.attrs:
        return
    if left >= 2 and ann.texts[left - 1] in ("'s", "’s"):  # "Denmark's Permanent Representative"
        state = ann.ent_at(left - 2, Kind.STATE)
        if state is not None:
            post.attrs["of"] = state
            return
    for t in range(left, right):
        found = ann.ent_at(t, Kind.STATE)
        if found is not None:
            post.attrs["of"] = found
            return
    for t in range(left, right):
        found = ann.ent_at(t, Kind.ORGANIZATION)
        if found is not None:
            post.attrs["of"] = found
            return
    key = post.key
    if any(key == h or key.startswith(h + " ") or key.startswith("un " + h) for h in r["un_heads"]):
        un = ann.find(Kind.ORGANIZATION, "united nations")
        if un is not None:
            post.attrs["of"] = un
