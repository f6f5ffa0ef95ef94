"""Component ``furniture``: which sentences are page furniture and which are headlines.

Assigns ``Annotation.furniture`` (menu, sharing and credit lines, dates or times alone, meeting
headers: ``kg.text.is_furniture`` over ``rules/furniture.json``; no person, post or relation is read
in them) and ``Annotation.headlines`` (title-case lines without a final full stop: the release's
headline and sub-headlines, whose capitalised words are names only with a strong cue).
"""

from __future__ import annotations

from kg.extract.annotation import Annotation
from kg.text import is_furniture


def run(ann: Annotation) -> None:
    for sent, (a, b) in enumerate(ann.sents):
        text = ann.span_text(a, b).strip()
        if "\n" in text or not _whole_line(ann, a, b):
            continue
        if is_furniture(text):
            ann.furniture.add(sent)
        elif _headline(ann, a, b, text):
            ann.headlines.add(sent)


def _whole_line(ann: Annotation, a: int, b: int) -> bool:
    """Whether a sentence is a line of its own (what headlines, menus and credits are)."""
    first = next((i for i in range(a, b) if not ann.space[i]), a)
    last = next((i for i in range(b - 1, a - 1, -1) if not ann.space[i]), b - 1)
    start, end = ann.idx[first], ann.ends[last]
    before = ann.text[ann.text.rfind("\n", 0, start) + 1 : start]
    after_nl = ann.text.find("\n", end)
    after = ann.text[end : after_nl if after_nl >= 0 else len(ann.text)]
    return not before.strip() and not after.strip()


def _headline(ann: Annotation, a: int, b: int, text: str) -> bool:
    """A title-case line: most of its longer words capitalised, no final full stop."""
    words = [w for w in ann.texts[a:b] if w.isalpha() and len(w) > 3]
    if len(words) < 3 or len(words) > 25 or text.rstrip().endswith((".", '."', ".'")):
        return False
    return sum(1 for w in words if w[0].isupper()) / len(words) > 0.7
