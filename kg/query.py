"""Running SPARQL queries for the CLI: results as a table, JSON, CSV or TSV."""

from __future__ import annotations

import io

import pyoxigraph as ox

from kg.namespaces import KG, PREFIXES
from kg.store import GraphStore

_RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}


def _cell(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode | ox.Literal | ox.BlankNode):
        return term.value
    return str(term)


def _one_line(value: str) -> str:
    """A cell on one line: line breaks and tabs written as ``\\n``, ``\\r``, ``\\t``."""
    return value.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def format_table(variables: list[str], rows: list[list[str]]) -> str:
    """A plain text table with every value whole (a cell is never cut: use --format csv/json for
    long values in other tools); line breaks inside a value are shown as ``\\n``."""
    cells = [[_one_line(c) for c in row] for row in rows]
    widths = [max([len(v), *(len(r[i]) for r in cells)]) for i, v in enumerate(variables)]
    line = "+".join("-" * (w + 2) for w in widths)
    out = [" | ".join(v.ljust(w) for v, w in zip(variables, widths, strict=True)), line]
    out += [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"


def run_query(store: GraphStore, sparql: str, fmt: str) -> bytes:
    """Run ``sparql`` and serialise: SELECT/ASK in ``fmt``, CONSTRUCT/DESCRIBE as Turtle.

    The prefixes of ``namespaces.PREFIXES`` are predeclared, so ``kg:Person`` works as typed.
    """
    result = store.query(sparql, prefixes=PREFIXES)
    if isinstance(result, ox.QueryTriples):
        buf = io.BytesIO()
        ox.serialize(result, buf, format=ox.RdfFormat.TURTLE)
        return buf.getvalue()
    if isinstance(result, ox.QueryBoolean):
        if fmt == "table":
            return b"true\n" if bool(result) else b"false\n"
        data = result.serialize(format=_RESULT_FORMATS[fmt])
        return data if isinstance(data, bytes) else b""
    assert isinstance(result, ox.QuerySolutions)
    if fmt == "table":
        variables = [v.value for v in result.variables]
        rows = [[_cell(sol[v]) for v in variables] for sol in result]
        return format_table(variables, rows).encode("utf-8")
    data = result.serialize(format=_RESULT_FORMATS[fmt])
    return data if isinstance(data, bytes) else b""


def entity_counts(store: GraphStore) -> dict[str, int]:
    """Entities per kg class in the merged graph."""
    rows = store.query(
        f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a ?c FILTER(STRSTARTS(STR(?c), '{KG}')) }} "
        "GROUP BY ?c ORDER BY ?c"
    )
    assert isinstance(rows, ox.QuerySolutions)
    return {_cell(r["c"]).removeprefix(str(KG)): int(_cell(r["n"])) for r in rows}
