"""A conservative SPARQL tokenizer, for the few policy checks pyoxigraph does not expose.

pyoxigraph parses queries and updates but does not hand their algebra to Python, so the endpoint
reads the token stream itself: strings, comments and IRIs are single tokens, which is what keeps
the word ``SERVICE`` inside a literal, a comment or an IRI from being mistaken for the keyword.
Nothing here decides whether a request is valid SPARQL; pyoxigraph does that afterwards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
               |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<var>[?$][\w]+)
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<pname>(?:[A-Za-z][\w.-]*)?:(?:[\w:%-]|\.(?=[\w:%-]))*)
  | (?P<word>[A-Za-z_][\w-]*)
  | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int = 0

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def tokens(text: str) -> list[Token]:
    """The significant tokens of ``text`` (whitespace and comments dropped)."""
    out: list[Token] = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "punct"
        if kind not in ("ws", "comment"):
            out.append(Token(kind, m.group(), m.start()))
    return out


def prefixes(toks: list[Token]) -> dict[str, str]:
    """``PREFIX p: <iri>`` declarations, prefix (with colon) -> namespace IRI."""
    out: dict[str, str] = {}
    for i, t in enumerate(toks[:-2]):
        if t.upper == "PREFIX" and toks[i + 1].kind == "pname" and toks[i + 2].kind == "iri":
            out[toks[i + 1].text] = toks[i + 2].text[1:-1]
    return out


def resolve(tok: Token, prefix_map: dict[str, str]) -> str | None:
    """The IRI a token names (an IRI or a declared prefixed name), else None."""
    if tok.kind == "iri":
        return tok.text[1:-1]
    if tok.kind == "pname":
        pre, _, local = tok.text.partition(":")
        ns = prefix_map.get(pre + ":")
        return None if ns is None else ns + local
    return None


def remote_targets(text: str, keyword: str) -> list[str | None]:
    """What each ``SERVICE`` (or ``LOAD``) reaches: an IRI, or None when it is a variable/unknown."""
    if keyword not in text.upper():  # no such token without the letters (the common case: fast)
        return []
    toks = tokens(text)
    pmap = prefixes(toks)
    out: list[str | None] = []
    for i, t in enumerate(toks):
        if t.upper != keyword:
            continue
        j = i + 1
        if j < len(toks) and toks[j].upper == "SILENT":
            j += 1
        out.append(resolve(toks[j], pmap) if j < len(toks) else None)
    return out


def query_form(text: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first such keyword, None when there is none."""
    for t in tokens(text):
        if t.upper in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return t.upper
    return None


def declared_limit(text: str) -> int | None:
    """The query's own top-level ``LIMIT n`` (outside any braces), None when it has none."""
    depth = 0
    limit: int | None = None
    toks = tokens(text)
    for i, t in enumerate(toks):
        depth += t.text == "{"
        depth -= t.text == "}"
        if depth == 0 and t.upper == "LIMIT" and i + 1 < len(toks) and toks[i + 1].text.isdigit():
            limit = int(toks[i + 1].text)
    return limit


ALL = "*"  # "every named graph may have changed"


@dataclass
class UpdatePlan:
    """Which named graphs an update writes, and why it is refused if it writes the default graph."""

    touched: set[str] = field(default_factory=set)
    refusal: str | None = None


def _block_end(toks: list[Token], start: int) -> int:
    """Index just past the brace block opening at ``start``."""
    depth = 0
    for k in range(start, len(toks)):
        if toks[k].text == "{":
            depth += 1
        elif toks[k].text == "}":
            depth -= 1
            if depth == 0:
                return k + 1
    return len(toks)


def _template_graphs(toks: list[Token], start: int, pmap: dict[str, str]) -> tuple[set[str], bool]:
    """Graphs named by ``GRAPH g { }`` blocks in the template at ``start``; True if it has bare triples."""
    end = _block_end(toks, start)
    graphs: set[str] = set()
    bare = False
    k = start + 1
    while k < end - 1:
        t = toks[k]
        if t.upper == "GRAPH" and k + 2 < end and toks[k + 2].text == "{":
            iri = resolve(toks[k + 1], pmap)
            graphs.add(iri if iri is not None else ALL)
            k = _block_end(toks, k + 2)
            continue
        if t.text != ".":
            bare = True
        k += 1
    return graphs, bare


_DEFAULT_REFUSAL = (
    "this update writes the default graph, which kg keeps as the merge of all named graphs; "
    "write a named graph instead (GRAPH <g> { ... }, WITH <g>, INTO GRAPH <g>)"
)


def plan_update(text: str) -> UpdatePlan:
    """Read an update operation by operation: the named graphs it writes, or why it is refused."""
    toks = tokens(text)
    pmap = prefixes(toks)
    plan = UpdatePlan()
    ops: list[list[Token]] = [[]]
    depth = 0
    for t in toks:
        depth += t.text == "{"
        depth -= t.text == "}"
        if t.text == ";" and depth == 0:
            ops.append([])
        else:
            ops[-1].append(t)
    for op in ops:
        _plan_operation(op, pmap, plan)
        if plan.refusal:
            break
    return plan


def _graph_ref(op: list[Token], k: int, pmap: dict[str, str]) -> tuple[str | None, int]:
    """A ``GRAPH? iri`` or ``DEFAULT`` reference at ``k``: (IRI or "DEFAULT"/ALL, next index)."""
    if k < len(op) and op[k].upper == "GRAPH":
        k += 1
    if k >= len(op):
        return None, k
    if op[k].upper in ("DEFAULT", "NAMED", "ALL"):
        return op[k].upper, k + 1
    return resolve(op[k], pmap) or ALL, k + 1


def with_dataset(text: str, default_graphs: list[str], named_graphs: list[str]) -> str:
    """``text`` with ``USING <g>`` / ``USING NAMED <g>`` before the WHERE of each INSERT/DELETE
    operation: what the protocol's using-graph-uri / using-named-graph-uri parameters mean."""
    clause = "".join(f" USING <{g}>" for g in default_graphs)
    clause += "".join(f" USING NAMED <{g}>" for g in named_graphs)
    inserts: list[int] = []
    depth = 0
    verb: str | None = None
    for i, t in enumerate(toks := tokens(text)):
        depth += t.text == "{"
        depth -= t.text == "}"
        if depth != 0:
            continue
        if t.text == ";":
            verb = None
        elif verb is None and t.upper in (
            "INSERT",
            "DELETE",
            "WITH",
            "LOAD",
            "CLEAR",
            "DROP",
            "CREATE",
            "ADD",
            "MOVE",
            "COPY",
        ):
            nxt = toks[i + 1].upper if i + 1 < len(toks) else ""
            verb = "DATA" if nxt in ("DATA", "WHERE") else t.upper
        elif t.upper == "WHERE" and verb in ("INSERT", "DELETE", "WITH"):
            inserts.append(t.start)
    for pos in reversed(inserts):
        text = text[:pos] + clause.strip() + " " + text[pos:]
    return text


def _plan_operation(op: list[Token], pmap: dict[str, str], plan: UpdatePlan) -> None:
    first = next((i for i, t in enumerate(op) if t.upper and t.upper not in ("PREFIX", "BASE")), None)
    if first is None:
        return
    # skip prologue declarations (PREFIX p: <iri> / BASE <iri>) before the operation keyword
    k = first
    verb = op[k].upper
    k += 1
    if k < len(op) and op[k].upper == "SILENT":
        k += 1
    if verb == "LOAD":
        into = next((i for i in range(k, len(op)) if op[i].upper == "INTO"), None)
        if into is None:
            plan.refusal = "LOAD without INTO GRAPH <g> writes the default graph; " + _DEFAULT_REFUSAL
            return
        g, _ = _graph_ref(op, into + 1, pmap)
        plan.touched.add(g or ALL)
    elif verb in ("CLEAR", "DROP"):
        g, _ = _graph_ref(op, k, pmap)
        if g == "DEFAULT":
            plan.refusal = f"{verb} DEFAULT: " + _DEFAULT_REFUSAL
        else:
            plan.touched.add(ALL if g in (None, "NAMED", "ALL") else g)
    elif verb in ("ADD", "COPY", "MOVE"):
        src, k = _graph_ref(op, k, pmap)
        k += 1 if k < len(op) and op[k].upper == "TO" else 0
        dst, _ = _graph_ref(op, k, pmap)
        if dst == "DEFAULT":
            plan.refusal = f"{verb} ... TO DEFAULT: " + _DEFAULT_REFUSAL
            return
        plan.touched.add(dst or ALL)
        if verb == "MOVE" and src not in (None, "DEFAULT"):
            plan.touched.add(src)
    elif verb == "CREATE":
        return
    elif verb in ("INSERT", "DELETE", "WITH"):
        _plan_modify(op, first, pmap, plan)
    else:
        plan.touched.add(ALL)


def _plan_modify(op: list[Token], k: int, pmap: dict[str, str], plan: UpdatePlan) -> None:
    with_graph: str | None = None
    if op[k].upper == "WITH":
        with_graph = resolve(op[k + 1], pmap) if k + 1 < len(op) else None
        with_graph = with_graph or ALL
        k += 2
    while k < len(op) and op[k].upper in ("INSERT", "DELETE"):
        verb = op[k].upper
        k += 1
        if k < len(op) and op[k].upper in ("DATA", "WHERE"):
            k += 1
        if k >= len(op) or op[k].text != "{":
            return
        graphs, bare = _template_graphs(op, k, pmap)
        plan.touched |= graphs
        if bare:
            if with_graph is None:
                plan.refusal = f"{verb} with triples outside GRAPH: " + _DEFAULT_REFUSAL
                return
            plan.touched.add(with_graph)
        k = _block_end(op, k)
