"""SPARQL syntax errors as one line a person can act on.

The parser (pyoxigraph) reports ``error at 3:17: expected one of ABS, AVG, ...`` followed by the
character classes of its grammar, over several lines. ``message`` turns that into

    SPARQL syntax error at line 3, column 17 (near "= ) }"): expected one of ABS, AVG, DAY, ... (18 in all)

and an undeclared prefix into ``unknown prefix 'foo:' at line 1, column 21: declare it
(PREFIX foo: <...>); predeclared: kg, rdf, rdfs, ...``. ``kg query`` and the endpoint use it.
"""

from __future__ import annotations

import re

_POSITION = re.compile(r"^error at (\d+):(\d+):\s*(.*)$", re.S)
_PNAME = re.compile(r"(?<![\w?$:<])([A-Za-z][\w.-]*)?:(?=[\w%\\]|\s)")
_DECLARED = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:", re.I)
_STRINGS = re.compile(r"""<[^>\s]*>|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|#[^\n]*""")
MOST_EXPECTED = 8


def _expected(rest: str) -> str:
    """``expected one of A, B, ['x' ..= 'y'], ...`` -> the words only, at most MOST_EXPECTED."""
    rest = " ".join(rest.split())
    m = re.match(r"expected (?:one of )?(.*)$", rest)
    if m is None:
        return rest
    items = re.split(r",\s*(?![^\[]*\])", m.group(1))  # commas outside [character classes]
    words = [w.strip() for w in items if w.strip() and not w.strip().startswith("[")]
    words = [w for w in words if w != "Prefix not found"]
    if not words:
        return "unexpected input here"
    if len(words) == 1:
        return f"expected {words[0]}"
    more = f", ... ({len(words)} in all)" if len(words) > MOST_EXPECTED else ""
    return f"expected one of {', '.join(words[:MOST_EXPECTED])}{more}"


def _unknown_prefix(query: str, predeclared: dict[str, str]) -> tuple[str, int] | None:
    """The first prefixed name whose prefix nobody declared, and its offset."""
    declared = {m.group(1) or "" for m in _DECLARED.finditer(query)} | set(predeclared)
    blanked = _STRINGS.sub(lambda m: " " * len(m.group()), query)  # no pnames inside IRIs/strings
    for m in _PNAME.finditer(blanked):
        prefix = m.group(1) or ""
        if prefix not in declared and not blanked[m.start() :].upper().startswith(("PREFIX", "BASE")):
            return prefix, m.start()
    return None


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def message(query: str, error: str, predeclared: dict[str, str] | None = None) -> str:
    """One line for the parser's ``error`` about ``query``."""
    predeclared = predeclared or {}
    if "prefix not found" in error.lower():
        found = _unknown_prefix(query, predeclared)
        if found is not None:
            prefix, offset = found
            line, col = _line_col(query, offset)
            known = ", ".join(sorted(predeclared)) or "none"
            return (
                f"SPARQL syntax error: unknown prefix '{prefix}:' at line {line}, column {col}: "
                f"declare it (PREFIX {prefix}: <...>); predeclared: {known}"
            )
    m = _POSITION.match(error.strip())
    if m is None:
        return "SPARQL syntax error: " + " ".join(error.split())
    line, col, rest = int(m.group(1)), int(m.group(2)), m.group(3)
    lines = query.split("\n")
    near = ""
    if 1 <= line <= len(lines):
        snippet = lines[line - 1][max(col - 1, 0) : max(col - 1, 0) + 20].strip()
        near = f' (near "{snippet}")' if snippet else ""
    return f"SPARQL syntax error at line {line}, column {col}{near}: {_expected(rest)}"


__all__ = ["message"]
