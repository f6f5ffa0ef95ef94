"""Run one query against a pyoxigraph store and emit the HTTP answer as framed messages.

This runs inside a query worker process (see ``pool``), or in a thread for in-memory stores.
Frames, one ``send`` each:

    b"F" + head JSON + b"\\n" + body   the whole answer (small results: one round trip)
    b"H" + head JSON                   the head of a streamed answer, followed by
    b"D" + bytes                       ... body chunks, and
    b"Z"                               the end of the body
    b"E" + {"status", "message"}       an error before anything was sent

Without a row cap, rows stream as they are computed, serialized in Rust. With one, the head must
say whether the cap cut the result. Most answers are short: they are serialized in Rust into
memory, and a body of at most ``MIN_ROW_BYTES * max_rows`` bytes cannot hold more than max_rows
rows, so it goes out whole as uncut. A longer answer is evaluated again and its rows counted as
they are written (spooled in memory, then on disk, until the cap or the end is reached), unless
the query's own LIMIT is within the cap (then it streams).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, cast

import pyoxigraph as ox

from kg.endpoint import classify, results
from kg.endpoint.classify import Origin
from kg.endpoint.negotiation import BY_KEY
from kg.endpoint.protocol import ProtocolError
from kg.endpoint.scan import Scan, scan

CHUNK = 64 * 1024
SMALL = 256 * 1024

_RESULTS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}

_RDF = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "trig": ox.RdfFormat.TRIG,
    "nq": ox.RdfFormat.N_QUADS,
}


@dataclass(frozen=True)
class Job:
    query: str
    result_format: str | None = "json"
    rdf_format: str | None = "ttl"
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    max_rows: int = 0
    prefixes: dict[str, str] = field(default_factory=dict)
    base_iri: str | None = None
    #: deepest bracket nesting accepted (0: no limit); see ``scan``
    max_depth: int = 0
    #: what SERVICE may reach, for a caller's query (None: kg's own query, not checked)
    remote: Remote | None = None


@dataclass(frozen=True)
class Remote:
    """The SERVICE policy a caller's query is checked against (see ``classify``)."""

    allow: bool = False
    allowlist: tuple[Origin, ...] = ()


def check(job: Job) -> Scan:
    """Bounds and policy of a caller's query, before Oxigraph parses it: the scan, else
    ProtocolError. The parse runs only when the text may hold a SERVICE (``classify``)."""
    found = scan(job.query, job.max_depth)
    if job.remote is not None and classify.mentions(job.query, classify.remote_words(False)):
        reading = classify.classify_query(job.query, job.base_iri, {})
        classify.check_remote(reading, job.remote.allow, job.remote.allowlist)
    return found


class _Sink:
    """A binary file-like object that forwards writes in ``CHUNK``-sized frames."""

    def __init__(self, emit: Callable[[bytes], None]) -> None:
        self.emit = emit
        self.buf = bytearray()

    def write(self, data: bytes) -> int:
        self.buf += data
        if len(self.buf) >= CHUNK:
            self.emit(bytes(self.buf))
            self.buf.clear()
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        if self.buf:
            self.emit(bytes(self.buf))
            self.buf.clear()


def _head(status: int, media: str, headers: dict[str, str]) -> bytes:
    return json.dumps({"status": status, "media_type": media, "headers": headers}).encode()


def error_frame(status: int, message: str) -> bytes:
    return b"E" + json.dumps({"status": status, "message": message}).encode()


def _evaluate(store: ox.Store, job: Job) -> Any:
    kwargs: dict[str, Any] = {"base_iri": job.base_iri}
    if job.default_graphs:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    if job.named_graphs:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    if job.named_graphs and not job.default_graphs:
        kwargs["default_graph"] = []
    if job.default_graphs and not job.named_graphs:
        kwargs["named_graphs"] = []
    return store.query(job.query, **kwargs)


def execute(store: ox.Store, job: Job, send: Callable[[bytes], None]) -> None:
    """Evaluate ``job`` and ``send`` its framed answer (never raises for a bad query)."""
    try:
        found = check(job)
    except ProtocolError as exc:
        send(error_frame(exc.status, exc.message))
        return
    try:
        result = _evaluate(store, job)
    except SyntaxError as exc:
        send(error_frame(400, f"SPARQL syntax error: {exc}"))
        return
    except ValueError as exc:
        send(error_frame(400, f"invalid query: {exc}"))
        return
    except OSError as exc:
        send(error_frame(500, f"error reading the store: {exc}"))
        return
    if isinstance(result, ox.QueryBoolean):
        if job.result_format is None:
            send(error_frame(406, _not_acceptable("ASK")))
            return
        fmt = BY_KEY[job.result_format]
        send(b"F" + _head(200, fmt.media_type, {}) + b"\n" + results.boolean(fmt.key, bool(result)))
        return
    key = job.result_format if isinstance(result, ox.QuerySolutions) else job.rdf_format
    if key is None:
        form = "SELECT" if isinstance(result, ox.QuerySolutions) else "CONSTRUCT/DESCRIBE"
        send(error_frame(406, _not_acceptable(form)))
        return
    media = BY_KEY[key].media_type
    try:
        if job.max_rows == 0:  # no cap: stream it, serialized in Rust
            _streamed(result, job, key, media, send, {"KG-Row-Limit": "0"})
            return
        headers = {"KG-Row-Limit": str(job.max_rows), "KG-Truncated": "false"}
        body = _small(result, job, key)
        if body is not None:  # too short to hold more than max_rows rows
            send(b"F" + _head(200, media, headers) + b"\n" + body)
            return
        result = _evaluate(store, job)  # a long answer: again, counting rows this time
        limit = found.limit
        if limit is not None and limit <= job.max_rows:  # the cap cannot cut it: stream it
            _streamed(result, job, key, media, send, headers)
        else:
            _spooled(result, job, key, media, send)
    except OSError as exc:
        send(error_frame(500, f"error reading the store: {exc}"))


#: The fewest bytes one row (or triple) takes in each format, past the first: ``{},`` in JSON,
#: ``<result></result>`` in XML, an empty line in CSV/TSV, ``,1`` in Turtle; 2 for the others.
MIN_ROW_BYTES = {"json": 3, "xml": 17, "csv": 2, "tsv": 1}


class _TooLong(Exception):
    pass


class _Budget:
    """A binary sink that gives up (``_TooLong``) once it holds more than ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.buf = bytearray()

    def write(self, data: bytes) -> int:
        self.buf += data
        if len(self.buf) > self.limit:
            raise _TooLong
        return len(data)

    def flush(self) -> None:
        pass


def _small(result: Any, job: Job, key: str) -> bytes | None:
    """The whole answer serialized in Rust, if it is short enough that it cannot hold more than
    ``job.max_rows`` rows (so the cap did not cut it) and fits in ``SMALL``; None otherwise (the
    result is then consumed and must be evaluated again).

    Most answers are small, and counting rows in Python costs more than the query; a byte count
    proves the row count: n rows take at least n * MIN_ROW_BYTES bytes."""
    sink = _Budget(min(SMALL, MIN_ROW_BYTES.get(key, 2) * job.max_rows))
    try:
        _write_body(result, job, key, sink, 0)
    except _TooLong:
        return None
    return bytes(sink.buf)


def _not_acceptable(form: str) -> str:
    from kg.endpoint.negotiation import RDF_FORMATS, RESULT_FORMATS

    offered = RESULT_FORMATS if form in ("SELECT", "ASK") else RDF_FORMATS
    names = ", ".join(f.media_type for f in offered)
    return f"none of the Accept header's media types can carry a {form} result (offered: {names})"


def _write_body(result: Any, job: Job, key: str, out: IO[bytes] | _Sink | _Budget, cap: int) -> int | None:
    """Serialize up to ``cap`` rows (0: all) into ``out``; the row count if the cap cut it."""
    cut: list[int] = []
    note = f"result truncated at max_rows={cap} rows; add LIMIT/OFFSET to page through it"
    if cap == 0 and isinstance(result, ox.QuerySolutions):
        result.serialize(cast(IO[bytes], out), _RESULTS[key])
        return None
    if cap == 0:
        prefixes = job.prefixes if key in ("ttl", "trig") else None
        ox.serialize(result, cast(IO[bytes], out), _RDF[key], prefixes=prefixes)
        return None
    if isinstance(result, ox.QuerySolutions):
        w = results.RowWriter(key, out.write)
        names = [v.value for v in result.variables]
        w.start(names)
        width = range(len(names))
        for n, sol in enumerate(result):
            if cap and n >= cap:
                cut.append(n)
                break
            w.row([sol[i] for i in width])
        w.end(note if cut else None)
        return cut[0] if cut else None

    def triples() -> Iterator[ox.Triple]:
        for n, t in enumerate(result):
            if cap and n >= cap:
                cut.append(n)
                return
            yield t

    prefixes = job.prefixes if key in ("ttl", "trig") else None
    ox.serialize(triples(), cast(IO[bytes], out), _RDF[key], prefixes=prefixes)
    return cut[0] if cut else None


def _spooled(result: Any, job: Job, key: str, media: str, send: Callable[[bytes], None]) -> None:
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
        cut = _write_body(result, job, key, cast(IO[bytes], spool), job.max_rows)
        headers = {"KG-Row-Limit": str(job.max_rows), "KG-Truncated": "true" if cut else "false"}
        if cut:
            headers["Warning"] = f'199 kg "result truncated at max_rows={job.max_rows} rows"'
        size = spool.tell()
        spool.seek(0)
        if size <= SMALL:
            send(b"F" + _head(200, media, headers) + b"\n" + spool.read())
            return
        send(b"H" + _head(200, media, headers))
        while block := spool.read(CHUNK):
            send(b"D" + block)
        send(b"Z")


def _streamed(
    result: Any, job: Job, key: str, media: str, send: Callable[[bytes], None], headers: dict[str, str]
) -> None:
    started = False

    def emit(data: bytes) -> None:
        nonlocal started
        if not started:
            send(b"H" + _head(200, media, headers))
            started = True
        send(b"D" + data)

    sink = _Sink(emit)
    _write_body(result, job, key, sink, 0)
    if not started:
        send(b"F" + _head(200, media, headers) + b"\n" + bytes(sink.buf))
        return
    sink.close()
    send(b"Z")
