"""The row cap is exact at its edge in every format, whichever way the answer is produced (short
answers serialized in Rust and proven uncut by their length, long ones counted row by row)."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from kg.endpoint.execute import Job, execute

CAP = 40


def run(job: Job, store: ox.Store) -> tuple[dict[str, str], bytes]:
    frames: list[bytes] = []
    execute(store, job, frames.append)
    tag = frames[0][:1]
    assert tag in (b"F", b"H"), frames[0]
    head, _, body = frames[0][1:].partition(b"\n")
    if tag == b"H":
        head, body = frames[0][1:], b"".join(f[1:] for f in frames[1:-1])
    return json.loads(head)["headers"], body


@pytest.fixture(scope="module")
def store() -> ox.Store:
    s = ox.Store()
    s.extend(
        ox.Quad(
            ox.NamedNode("urn:s"),
            ox.NamedNode("urn:p"),
            ox.Literal(str(i), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        )
        for i in range(3 * CAP)
    )
    return s


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
@pytest.mark.parametrize("rows", [CAP - 1, CAP, CAP + 1, 3 * CAP])
@pytest.mark.parametrize("empty", [True, False], ids=["empty-rows", "rows"])
def test_select_cap_edge(store, fmt, rows, empty):
    """Rows of unbound variables are the shortest a format can write."""
    values = " ".join("UNDEF" if empty else f'"{i}"' for i in range(rows))
    headers, body = run(
        Job(f"SELECT ?x WHERE {{ VALUES ?x {{ {values} }} }}", fmt, None, max_rows=CAP), store
    )
    assert headers["KG-Truncated"] == ("true" if rows > CAP else "false")
    written = {
        "json": lambda: len(json.loads(body)["results"]["bindings"]),
        "xml": lambda: body.count(b"<result>") + body.count(b"<result/>"),
        "csv": lambda: body.count(b"\r\n") - 1,
        "tsv": lambda: body.count(b"\n") - 1,
    }[fmt]()
    assert written == min(rows, CAP)


@pytest.mark.parametrize("fmt", ["ttl", "nt", "jsonld", "rdfxml"])
@pytest.mark.parametrize("triples", [CAP, CAP + 1, 3 * CAP])
def test_construct_cap_edge(store, fmt, triples):
    """Objects listed after one subject and predicate (``, 7`` in Turtle) are the shortest triples."""
    query = f"CONSTRUCT {{ <urn:s> <urn:p> ?o }} WHERE {{ <urn:s> <urn:p> ?o }} LIMIT {triples}"
    big = Job(query, None, fmt, max_rows=10 * CAP)
    headers, body = run(Job(query, None, fmt, max_rows=CAP), store)
    assert headers["KG-Truncated"] == ("true" if triples > CAP else "false")
    fmt_ox = {
        "ttl": ox.RdfFormat.TURTLE,
        "nt": ox.RdfFormat.N_TRIPLES,
        "jsonld": ox.RdfFormat.JSON_LD,
        "rdfxml": ox.RdfFormat.RDF_XML,
    }[fmt]
    assert len(list(ox.parse(body, format=fmt_ox))) == min(triples, CAP)
    _, whole = run(big, store)
    assert len(list(ox.parse(whole, format=fmt_ox))) == triples


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_rows_are_counted_however_the_bytes_arrive(store, fmt):
    """The row counter reads the serializer's bytes: rows whose values look like row boundaries
    in every format, cut in the same place whether the bytes come one by one or in blocks."""
    import io

    from kg.endpoint.execute import _RESULTS, RowCounter, _Cut

    tricky = '"a},{\\"b\\"\\r\\n<result>\\t,{"'
    values = " ".join(str(i) for i in range(3 * CAP))
    query = f"SELECT ?x ?y WHERE {{ VALUES ?x {{ {values} }} BIND({tricky} AS ?y) }}"
    whole = io.BytesIO()
    store.query(query).serialize(whole, _RESULTS[fmt])
    data = whole.getvalue()
    cuts = set()
    for size in (1, 7, 4096, len(data)):
        counter = RowCounter(fmt, CAP, io.BytesIO())
        with pytest.raises(_Cut):
            for i in range(0, len(data), size):
                counter.write(data[i : i + size])
            counter.finish()
        cuts.add(counter.cut)
    assert len(cuts) == 1
    headers, body = run(Job(query, fmt, None, max_rows=CAP), store)
    assert headers["KG-Truncated"] == "true"
    if fmt == "json":
        rows = json.loads(body)["results"]["bindings"]
        assert len(rows) == CAP and rows[-1]["y"]["value"] == 'a},{"b"\r\n<result>\t,{'
