"""Run one query against a pyoxigraph store and emit the HTTP answer as framed messages.

This runs inside a query worker process (see ``pool``), or in a thread for in-memory stores.
Frames, one ``send`` each:

    b"F" + head JSON + b"\\n" + body   the whole answer (small results: one round trip)
    b"H" + head JSON                   the head of a streamed answer, followed by
    b"D" + bytes                       ... body chunks, and
    b"Z"                               the end of the body
    b"E" + {"status", "message"}       an error before anything was sent

Without a row cap, rows stream as they are computed, serialized in Rust. With one, the head must
say whether the cap cut the result, so the answer is evaluated once and written (serialized in
Rust for SELECT) into a spool, in memory then on disk, while ``RowCounter`` counts the rows in
the bytes as they are written; at row ``max_rows + 1`` it stops the serializer, cuts the spool at
that row's start and closes the document with a note. A query whose own LIMIT is within the cap
streams as if there were none.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, cast

import pyoxigraph as ox

from kg import syntax
from kg.endpoint import classify, results
from kg.endpoint.classify import Origin
from kg.endpoint.negotiation import BY_KEY
from kg.endpoint.protocol import ProtocolError
from kg.endpoint.scan import Scan, scan
from kg.namespaces import turtle_prefixes

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
        reading = classify.classify_query(job.query, job.base_iri, job.prefixes)
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
    # the prefixes kg query knows are predeclared here too, so a query works the same everywhere
    kwargs: dict[str, Any] = {"base_iri": job.base_iri, "prefixes": job.prefixes}
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
        send(error_frame(400, syntax.message(job.query, str(exc), job.prefixes)))
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
        elif found.limit is not None and found.limit <= job.max_rows:  # the cap cannot cut it
            headers = {"KG-Row-Limit": str(job.max_rows), "KG-Truncated": "false"}
            _streamed(result, job, key, media, send, headers)
        else:
            _capped(result, job, key, media, send)
    except OSError as exc:
        send(error_frame(500, f"error reading the store: {exc}"))


class _Cut(Exception):
    """Raised into the serializer to stop it at the row cap."""


#: Per SELECT format, what ends a row or starts the next (outside strings; see ``RowCounter``),
#: and which group of the pattern is that event.
_EVENTS = {
    "json": re.compile(rb'"(?:[^"\\]|\\.)*(?:"|\\?\Z)|(,)\{', re.DOTALL),  # ",{" between rows
    "xml": re.compile(rb"(<)result[>/ ]"),  # each row's start (text content is escaped)
    "csv": re.compile(rb'"(?:[^"]|"")*(?:"|\Z)|\r(\n)'),  # row ends, quoted values skipped
    "tsv": re.compile(rb"(\n)"),  # row ends (values escape their line breaks)
}
#: Events before the first row is cut: JSON and XML count row starts (the first JSON row has no
#: separator), CSV and TSV row ends (the header line ends first).
_FIRST_CUT = {"json": 0, "xml": 1, "csv": 2, "tsv": 2}
#: What closes a document cut at the cap, before and after the note (CSV and TSV need nothing).
_TAILS = {"json": (b']},"kg:note":', b"}"), "xml": (b"</results><!-- ", b" --></sparql>\n")}


class RowCounter:
    """A sink for a serializer of SELECT results: passes bytes to ``out`` and counts rows in them
    (regular expressions, so at C speed); raises ``_Cut`` (into the serializer, or from
    ``finish``) once row ``cap + 1`` is seen, having noted in ``cut`` where the output must end."""

    TAIL = 8  #: bytes looked at again with the next write, so a split event is still seen

    def __init__(self, key: str, cap: int, out: IO[bytes]) -> None:
        self.pattern = _EVENTS[key]
        self.ends = key in ("csv", "tsv")  # events end rows (else they start them)
        self.cut_at = cap + _FIRST_CUT[key]  # the event at which the cap is passed
        self.out = out
        self.buf = b""
        self.base = 0  # offset of ``buf`` in the output
        self.events = 0
        self.last_end = 0  # where the last event ended, in the output
        self.cut: int | None = None

    def write(self, data: bytes) -> int:
        self.out.write(data)
        self._scan(self.buf + data, final=False)
        return len(data)

    def finish(self) -> None:
        """The serializer is done: count what was held back."""
        self._scan(self.buf, final=True)

    def _scan(self, buf: bytes, final: bool) -> None:
        keep = len(buf) if final else len(buf) - self.TAIL
        resume = max(keep, 0)
        for m in self.pattern.finditer(buf):
            if m.end() > keep:  # may run on in the next write: look again then
                resume = min(resume, m.start())
                break
            if m.start(1) < 0:
                continue  # a string
            self.events += 1
            if self.events == self.cut_at:
                self.cut = self.last_end if self.ends else self.base + m.start(1)
                raise _Cut
            self.last_end = self.base + m.end(1)
        self.base += resume
        self.buf = buf[resume:]

    def flush(self) -> None:
        pass


def _capped(result: Any, job: Job, key: str, media: str, send: Callable[[bytes], None]) -> None:
    """Evaluated once: spooled while counted, cut at the cap with a note, then sent."""
    cap = job.max_rows
    note = f"result truncated at max_rows={cap} rows; add LIMIT/OFFSET to page through it"
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
        truncated = False
        if isinstance(result, ox.QuerySolutions):
            counter = RowCounter(key, cap, cast(IO[bytes], spool))
            try:
                result.serialize(cast(IO[bytes], counter), _RESULTS[key])
                counter.finish()
            except _Cut:
                assert counter.cut is not None
                spool.seek(counter.cut)
                spool.truncate()
                if key in _TAILS:
                    before, after = _TAILS[key]
                    text = json.dumps(note) if key == "json" else note.replace("--", "- -")
                    spool.write(before + text.encode() + after)
                truncated = True
        else:
            truncated = _write_body(result, job, key, cast(IO[bytes], spool), cap) is not None
        headers = {"KG-Row-Limit": str(cap), "KG-Truncated": "true" if truncated else "false"}
        if truncated:
            headers["Warning"] = f'199 kg "result truncated at max_rows={cap} rows"'
        size = spool.tell()
        spool.seek(0)
        if size <= SMALL:
            send(b"F" + _head(200, media, headers) + b"\n" + spool.read())
            return
        send(b"H" + _head(200, media, headers))
        while block := spool.read(CHUNK):
            send(b"D" + block)
        send(b"Z")


def _not_acceptable(form: str) -> str:
    from kg.endpoint.negotiation import RDF_FORMATS, RESULT_FORMATS

    offered = RESULT_FORMATS if form in ("SELECT", "ASK") else RDF_FORMATS
    names = ", ".join(f.media_type for f in offered)
    return f"none of the Accept header's media types can carry a {form} result (offered: {names})"


def _write_body(result: Any, job: Job, key: str, out: IO[bytes] | _Sink, cap: int) -> int | None:
    """Serialize the result into ``out``, CONSTRUCT/DESCRIBE triples up to ``cap`` (0: all; a
    SELECT always whole: ``RowCounter`` cuts those); the triple count if the cap cut it."""
    if isinstance(result, ox.QuerySolutions):
        result.serialize(cast(IO[bytes], out), _RESULTS[key])
        return None
    prefixes = turtle_prefixes(job.prefixes) if key in ("ttl", "trig") else None
    if cap == 0:
        ox.serialize(result, cast(IO[bytes], out), _RDF[key], prefixes=prefixes)
        return None
    cut: list[int] = []

    def triples() -> Iterator[ox.Triple]:
        for n, t in enumerate(result):
            if n >= cap:
                cut.append(n)
                return
            yield t

    ox.serialize(triples(), cast(IO[bytes], out), _RDF[key], prefixes=prefixes)
    return cut[0] if cut else None


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
