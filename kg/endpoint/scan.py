"""One linear pass over SPARQL text, before any parser sees it: size and nesting bounds, and where
things are (the end of the prologue, the top-level ``WHERE`` keywords).

Nothing here decides what a request may do (``classify`` does, from a real parse). The scan only
makes parsing safe to attempt: Oxigraph's parser and evaluator recurse once per nesting level and
overflow their stack a few thousand levels deep, so text nested deeper than ``max_depth`` is
refused here, in time linear in its length (every character is looked at most twice).

The scan follows the grammar's lexical rules (SPARQL 1.1 Query §19.8): strings of the four kinds
with ``ECHAR`` escapes, ``IRIREF``, comments, ``PN_LOCAL_ESC`` (``ex:a\\#b`` is a name, not a
comment). ``<`` starts an IRI when an ``IRIREF`` follows, else it is the less-than operator; the
depth limit counts the brackets of such a span both ways and keeps the larger, so that reading
cannot hide nesting.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.endpoint.protocol import ProtocolError

OPEN = "{(["
CLOSE = "})]"
#: Characters an IRIREF cannot hold (besides the controls and space): SPARQL 1.1 Query, rule [139].
NOT_IRI = set('<>"{}|^`\\')
NAME = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:.-%")


@dataclass
class Scan:
    """What one pass found."""

    depth: int = 0  #: deepest nesting of ``{ ( [`` (an upper bound, see the module docstring)
    prologue_end: int = 0  #: offset just past the ``BASE``/``PREFIX`` declarations at the start
    #: (offset, upper-cased word) of each keyword-like word outside every bracket
    top_words: list[tuple[int, str]] = field(default_factory=list)
    #: the query's own top-level ``LIMIT n`` (outside every bracket), None when it has none
    limit: int | None = None


def _string_end(text: str, i: int) -> int:
    """Offset just past the string literal starting at ``i`` (``len(text)`` if unterminated)."""
    n = len(text)
    quote = text[i]
    if text.startswith(quote * 3, i):
        j = i + 3
        while j < n:
            c = text[j]
            if c == "\\":
                j += 2
            elif text.startswith(quote * 3, j):
                return j + 3
            else:
                j += 1
        return n
    j = i + 1
    while j < n:
        c = text[j]
        if c == "\\":
            j += 2
        elif c == quote:
            return j + 1
        elif c in "\n\r":  # not allowed in a short string: the parser stops here
            return j
        else:
            j += 1
    return n


def _iri_end(text: str, i: int) -> int:
    """Offset just past the IRIREF starting at ``i`` (a ``<``), or -1 when none does."""
    n = len(text)
    j = i + 1
    while j < n:
        c = text[j]
        if c == ">":
            return j + 1
        if c == "\\" and j + 1 < n and text[j + 1] in "uU":  # \uXXXX inside an IRI
            j += 2
            continue
        if c in NOT_IRI or c <= " ":
            return -1
        j += 1
    return -1


def scan(text: str, max_depth: int) -> Scan:
    """Scan ``text``; ProtocolError 400 when it nests deeper than ``max_depth`` (0: no limit)."""
    out = Scan()
    n = len(text)
    i = 0
    depth = 0  # nesting as read
    bound = 0  # an upper bound of the nesting however the ``<`` spans are read
    in_prologue = True
    expect_decl = 0  # tokens still expected by the BASE/PREFIX declaration being read

    def deeper(level: int) -> None:
        if level > out.depth:
            out.depth = level
            if max_depth and level > max_depth:
                raise ProtocolError(
                    400,
                    f"the request nests brackets more than {max_depth} deep (max_depth); "
                    "write the query with less nesting",
                )

    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
            continue
        if c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        start = i
        if c in "\"'":
            i = _string_end(text, i)
            kind = "string"
        elif c == "<":
            end = _iri_end(text, i)
            if end < 0:
                i += 1
                kind = "punct"
            else:
                # read as code, the span's brackets could nest deeper: count its peak too
                level, peak = bound, bound
                for ch in text[i + 1 : end - 1]:
                    if ch in OPEN:
                        level += 1
                        peak = max(peak, level)
                    elif ch in CLOSE:
                        level = max(0, level - 1)
                deeper(peak)
                bound = max(bound, level)
                i = end
                kind = "iri"
        elif c in OPEN:
            depth += 1
            bound += 1
            deeper(bound)
            i += 1
            kind = "punct"
        elif c in CLOSE:
            depth = max(0, depth - 1)
            bound = max(0, bound - 1)
            i += 1
            kind = "punct"
        elif c in NAME or c == "\\" or c.isalpha():
            while i < n and (text[i] in NAME or text[i].isalnum() or text[i] == "\\"):
                i += 2 if text[i] == "\\" else 1
            kind = "word"
        elif c in "?$":
            i += 1
            while i < n and (text[i].isalnum() or text[i] == "_"):
                i += 1
            kind = "var"
        else:
            i += 1
            kind = "punct"
        if in_prologue:
            word = text[start:i].upper() if kind == "word" else ""
            if expect_decl:
                expect_decl -= 1
                if not expect_decl:
                    out.prologue_end = i
            elif word in ("BASE", "PREFIX"):
                expect_decl = 1 if word == "BASE" else 2
            else:
                in_prologue = False
        if depth == 0 and (kind == "word" or text[start] == ";"):
            word = text[start:i].upper()
            if word.isdigit() and out.top_words and out.top_words[-1][1] == "LIMIT":
                out.limit = int(word)
            elif word[:1].isalpha() or word == ";":
                out.top_words.append((start, word))
    return out
