"""The endpoint as a library: protocol operations -> answers, with no web framework in sight.

``Endpoint`` ties the pure protocol (``protocol``), the query executor (``pool``) and the store's
write methods together. Routes (``routes``) only turn HTTP into ``protocol.Request`` and answers
back into responses.

Writes and the merged default graph
-----------------------------------
kg keeps the default graph as the deduplicated merge of the named graphs (see ``kg.store``).
Writes therefore address named graphs only:

* Graph Store Protocol PUT/POST/DELETE on ``?graph=`` go through ``Store.replace_graph``, which
  replaces a graph and its share of the merge in one transaction; on ``?default`` they answer 405.
* A SPARQL Update is parsed and read operation by operation (``classify.plan_update``, in a query
  worker): one that would write the default graph (bare triples in a template without WITH, LOAD
  without INTO, CLEAR/DROP DEFAULT, ... TO DEFAULT) is refused with 400 and says how to address a
  named graph instead; one that names the metadata graph is refused with 403. Otherwise the
  update runs in one transaction together with operations that bring the merge up to date for
  the graphs it touched (or for all graphs, after ``GRAPH ?g`` / ``DROP ALL``, which also put the
  metadata graph back as it was). The caller's ``BASE``/``PREFIX`` declarations stay in front.

Updates and Graph Store writes run on one thread with no network unless ``allow_service``
(``sandbox``); an update is never run, nor half run, to check it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.endpoint import classify, sandbox
from kg.endpoint.execute import Job, Remote
from kg.endpoint.negotiation import RDF_FORMATS, RESULT_FORMATS, pick
from kg.endpoint.pool import Answer, make_executor
from kg.endpoint.protocol import (
    Operation,
    Policy,
    ProtocolError,
    Request,
    check_write,
    media_type,
    parse_operation,
)
from kg.endpoint.tasks import RDF_INPUT, Call, Prepared
from kg.errors import UsageError
from kg.namespaces import BASE_PREFIX, PREFIXES
from kg.settings import Settings
from kg.store import GraphStore, Store, meta_graph_iri, unmerged_graphs

_PREVIOUS = "urn:kg:endpoint:previous:"
log = logging.getLogger("uvicorn.error")
#: The GIL switch interval while a handed-over build runs (seconds; Python's default is 0.005).
#: Measured with kg build of 11 releases beside wrk on one query: query p99 107 ms at the
#: default, 38 ms at this value.
BUILD_SWITCH_INTERVAL = 0.0005


def policy_of(settings: Settings) -> Policy:
    try:
        allow = tuple(
            classify.Origin.parse(p.strip()) for p in settings.service_allowlist.split(",") if p.strip()
        )
    except ValueError as exc:
        raise UsageError(f"service_allowlist: {exc}") from None
    return Policy(
        settings.max_body,
        settings.allow_update,
        settings.token,
        settings.allow_service,
        allow,
        settings.max_depth,
    )


@dataclass(frozen=True)
class GraphTarget:
    iri: str | None  # None: the default graph


class Endpoint:
    """Everything the HTTP layer calls; one per app."""

    def __init__(self, settings: Settings, store: GraphStore) -> None:
        self.settings = settings
        self.store = store
        self.policy = policy_of(settings)
        self.executor = make_executor(
            store,
            settings.workers,
            network=settings.allow_service,
            memory=settings.worker_memory,
            max_queue=settings.max_queue,
            max_per_client=settings.max_per_client,
        )
        self.remote = Remote(settings.allow_service, self.policy.service_allowlist)
        #: the thread that runs updates and Graph Store writes (confined: see ``sandbox``)
        self.writer: ThreadPoolExecutor | None = None
        self.prefixes = {**PREFIXES, BASE_PREFIX: settings.base}
        self.meta = meta_graph_iri(settings.base)
        #: the graphs kg keeps itself (which file produced which graph, counts, quarantine)
        self.protected = (self.meta, *unmerged_graphs(settings.base))
        self.generation = 0
        #: the secret of ``POST /_kg/build`` (see ``kg.handoff``); None: builds are not handed here
        self.build_secret: str | None = None
        self.build_lock = threading.Lock()

    # -- queries -----------------------------------------------------------------------------

    def job(self, op: Operation, req: Request, max_rows: int | None = None) -> Job:
        key = req.first("format")
        rf = pick(req.accept, RESULT_FORMATS, key)
        gf = pick(req.accept, RDF_FORMATS, key)
        if rf is None and gf is None:
            offered = ", ".join(f.media_type for f in (*RESULT_FORMATS, *RDF_FORMATS))
            raise ProtocolError(406, f"no acceptable media type in Accept (offered: {offered})")
        return Job(
            op.text,
            rf.key if rf else None,
            gf.key if gf else None,
            tuple(op.default_graphs),
            tuple(op.named_graphs),
            self.settings.max_rows if max_rows is None else max_rows,
            self.prefixes,
            req.url,
            self.settings.max_depth,
            self.remote,
        )

    async def query(self, req: Request) -> Answer | None:
        """Answer a /sparql request; None when it carries no query (service description)."""
        op = parse_operation(req, self.policy, update=False)
        if op is None:
            return None
        return await self.run(self.job(op, req), req.client)

    async def run(self, job: Job, client: str | None = None) -> Answer:
        return await self.executor.run(job, self.settings.query_timeout, client)

    async def select(self, sparql: str) -> list[dict[str, Any]]:
        """Run a SELECT for the pages; rows as {var: term JSON}."""
        import json

        answer = await self.run(Job(sparql, "json", None, max_rows=self.settings.max_rows or 0))
        body = answer.body
        if answer.stream is not None:
            body = b"".join([chunk async for chunk in answer.stream])
        rows: list[dict[str, Any]] = json.loads(body)["results"]["bindings"]
        return rows

    # -- updates -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the query workers and the writer thread (SandboxError: they cannot be confined).
        The writer keeps the network when the store is a remote server (it is the way there)."""
        await self.executor.start()
        if self.writer is None:
            network = self.settings.allow_service or not isinstance(self.store, Store)
            self.writer = sandbox.confined_threads(network, "kg-write")

    def _merge_ops(self, touched: set[str]) -> tuple[list[str], list[str]]:
        """Operations before and after an update that keep the default graph the merge of the
        named graphs, for the graphs it ``touched``. (Run under the write lock: they restate the
        store's own graphs as they are now when any graph may change.)"""
        unmerged = "".join(f" && ?h != <{g}>" for g in unmerged_graphs(self.settings.base))
        keep = f'FILTER(!STRSTARTS(STR(?h), "{_PREVIOUS}"){unmerged})'
        if classify.ALL in touched:
            # a graph given by a variable could be one of kg's own: put them back from here,
            # where the update cannot reach (a scratch copy in the store could be reached)
            restore: list[str] = []
            for graph in self.protected:
                saved = list(self.store.graph_triples(graph))
                records = (ox.serialize(saved, format=ox.RdfFormat.N_TRIPLES) or b"").decode()
                restore.append(f"DROP SILENT GRAPH <{graph}>")
                if records:
                    restore.append(f"INSERT DATA {{ GRAPH <{graph}> {{ {records} }} }}")
            return [], [
                *restore,
                "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o FILTER NOT EXISTS { GRAPH ?h { ?s ?p ?o } "
                + keep
                + " } }",
                "INSERT { ?s ?p ?o } WHERE { GRAPH ?h { ?s ?p ?o } " + keep + " }",
            ]
        pre: list[str] = []
        post: list[str] = []
        drops: list[str] = []
        for i, g in enumerate(sorted(touched)):
            tmp = f"<{_PREVIOUS}{i}>"
            pre.append(f"ADD SILENT <{g}> TO {tmp}")
            post.append(f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")
            post.append(
                f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH {tmp} {{ ?s ?p ?o }} "
                f"FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?p ?o }} {keep} }} }}"
            )
            drops.append(f"DROP SILENT GRAPH {tmp}")
        return pre, post + drops

    async def update(self, req: Request) -> None:
        if req.method != "POST":
            raise ProtocolError(
                405, f"method {req.method} is not allowed here: send updates by POST", {"Allow": "POST"}
            )
        check_write(req, self.policy)
        op = parse_operation(req, self.policy, update=True)
        assert op is not None
        base = req.url
        call = Call(
            "prepare_update",
            (op.text, base, {}, self.protected, self.settings.max_depth, op.default_graphs, op.named_graphs),
        )
        prepared: Prepared = await self.executor.call(call, self.settings.query_timeout, req.client)
        reading = prepared.reading
        classify.check_remote(reading, self.settings.allow_service, self.policy.service_allowlist)
        if reading.meta_written:
            raise ProtocolError(403, reading.refusal or "")
        if reading.refusal:
            raise ProtocolError(400, reading.refusal)
        if any(g.startswith(_PREVIOUS) for g in reading.touched):
            raise ProtocolError(403, f"graphs under {_PREVIOUS} are the endpoint's own scratch space")
        text, end = prepared.text, prepared.prologue_end

        def run() -> None:  # on the writer thread, under the write lock
            pre, post = self._merge_ops(reading.touched)
            declared = f"BASE <{base}>\n" if base else ""  # (relative IRIs: the request's URL)
            head = declared + text[:end] + ("\n" + " ;\n".join(pre) + " ;\n" if pre else "")
            inserted = len(head) - len(declared) - end
            body = text[end:].rstrip().rstrip(";")
            composed = head + body + ("\n;\n" + " ;\n".join(post) if post else "")
            try:
                self.store.update(composed)
            except SyntaxError as exc:
                message = _caller_position(
                    str(exc), composed, [(0, len(declared)), (len(declared) + end, inserted)]
                )
                raise ProtocolError(400, f"SPARQL Update syntax error: {message}") from None

        await self._in_writer(run)

    async def _in_writer(self, action: Any) -> None:
        """Run a write on the writer thread, then give new queries a snapshot with it."""
        if self.writer is None:
            await self.start()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self.writer, self._write, action)

    def _write(self, action: Any) -> None:
        with self.store.write_lock:
            try:
                action()
            except OSError as exc:
                raise ProtocolError(500, f"the store could not be written: {exc}") from None
            self._publish()

    def _publish(self) -> None:
        """Give new queries a snapshot with the latest writes."""
        with self.store.write_lock:
            self.executor.publish()
            self.generation += 1

    # -- builds handed over by kg build (kg.handoff) ------------------------------------------

    async def build(
        self, files: list[Path], cwd: Path, force: bool, link: bool, strict: bool = False
    ) -> AsyncIterator[bytes]:
        """Run ``kg build`` on ``files`` here, one JSON line per document, then a summary line.
        Relative paths are read from ``cwd`` (the caller's) and recorded as given, as kg build does.

        The pipeline runs in a thread; each document is its own transaction, and readers get a
        new snapshot after each one. One build at a time; queries go on meanwhile. A build whose
        client goes away runs to its end (every document it loads is whole)."""
        from kg.pipeline import DocResult, warm
        from kg.pipeline import build as run_build

        loop = asyncio.get_running_loop()
        lines: asyncio.Queue[bytes | None] = asyncio.Queue()

        def emit(item: dict[str, Any]) -> None:
            loop.call_soon_threadsafe(lines.put_nowait, json.dumps(item).encode() + b"\n")

        def step(result: DocResult) -> None:
            if result.outcome in ("added", "replaced", "source-added", "quarantined"):
                self._publish()
            emit({"document": result.to_json()})

        def work() -> None:
            try:
                with self.build_lock:  # held by the thread: a client that leaves does not free it
                    # The pipeline is Python-bound; at the default 5 ms switch interval the event
                    # loop waits that long for the GIL at every turn, and queries queue behind it
                    switch = sys.getswitchinterval()
                    sys.setswitchinterval(BUILD_SWITCH_INTERVAL)
                    try:
                        warm()  # (cheap after the first build) no GC pauses over the pipeline
                        run_build(
                            files,
                            self.store,
                            force=force,
                            on_result=step,
                            files=files,
                            link=link,
                            cwd=cwd,
                            strict=strict,
                        )
                    finally:
                        sys.setswitchinterval(switch)
                    self._publish()
                    stats = self.store.stats()
                emit({"done": {"default_triples": stats.default_triples, "quads": stats.quads}})
            except Exception as exc:  # reported to kg build; the server goes on
                log.exception("a build handed over by kg build failed")
                emit({"failed": f"{type(exc).__name__}: {exc}"})
            finally:
                loop.call_soon_threadsafe(lines.put_nowait, None)

        task = loop.run_in_executor(None, work)
        while (line := await lines.get()) is not None:
            yield line
        await task

    # -- graph store protocol ----------------------------------------------------------------

    def target(self, req: Request, direct_iri: str | None = None) -> GraphTarget:
        graphs = req.param("graph")
        default = bool(req.param("default"))
        if direct_iri is not None:
            if graphs or default:
                raise ProtocolError(400, "a graph named by the path takes no ?graph= or ?default")
            return GraphTarget(graph_iri(direct_iri))
        if len(graphs) > 1 or (graphs and default):
            raise ProtocolError(400, "name exactly one graph: ?graph=IRI or ?default")
        if graphs:
            return GraphTarget(graph_iri(graphs[0]))
        if default:
            return GraphTarget(None)
        raise ProtocolError(400, "name a graph: ?graph=IRI (URL-encoded) or ?default")

    async def graph_get(self, req: Request, target: GraphTarget) -> Answer:
        if target.iri is None:
            sparql = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
        else:
            if not self.store.has_graph(target.iri):
                raise ProtocolError(404, f"no graph <{target.iri}> in this store")
            sparql = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{target.iri}> {{ ?s ?p ?o }} }}"
        key = req.first("format")
        fmt = pick(req.accept, RDF_FORMATS, key)
        if fmt is None:
            offered = ", ".join(f.media_type for f in RDF_FORMATS)
            raise ProtocolError(406, f"no acceptable RDF media type in Accept (offered: {offered})")
        return await self.run(Job(sparql, None, fmt.key, max_rows=0, prefixes=self.prefixes))

    async def parse_rdf(self, body: bytes, content_type: str | None, base: str | None) -> list[ox.Triple]:
        """A Graph Store body's triples, parsed in a query worker (``tasks.parse_rdf``)."""
        mt = media_type(content_type)
        fmt = RDF_INPUT.get(mt)
        if fmt is None:
            raise ProtocolError(
                415,
                f"media type {mt or '(none)'!r} is not an RDF format kg reads "
                f"(use one of: {', '.join(RDF_INPUT)})",
            )
        call = Call("parse_rdf", (body, mt, base, self.settings.max_depth))
        triples: list[ox.Triple] = await self.executor.call(call, self.settings.query_timeout)
        return triples

    async def graph_write(
        self, req: Request, target: GraphTarget, parts: list[tuple[str | None, bytes]] | None = None
    ) -> int:
        """PUT, POST or DELETE a named graph; the HTTP status to answer (201 or 204)."""
        check_write(req, self.policy)
        if target.iri is None:
            raise ProtocolError(
                405,
                "the default graph is the merge of the named graphs and cannot be written directly; "
                "write a named graph (?graph=IRI)",
                {"Allow": "GET, HEAD"},
            )
        iri = target.iri
        existed = self.store.has_graph(iri)
        if req.method == "DELETE":
            if not existed:
                raise ProtocolError(404, f"no graph <{iri}> in this store")
            await self._in_writer(lambda: self.store.replace_graph(iri, []))
            return 204
        incoming: list[ox.Triple] = []
        for ctype, body in parts if parts is not None else [(req.content_type, req.body)]:
            incoming += await self.parse_rdf(body, ctype, iri)
        merge = req.method == "POST"

        def write() -> None:
            new = [*self.store.graph_triples(iri), *incoming] if merge else incoming
            self.store.replace_graph(iri, list(dict.fromkeys(new)))

        await self._in_writer(write)
        return 204 if existed else 201

    async def graph_create(self, req: Request) -> str:
        """POST on the store itself: a new graph with a fresh IRI (answered as Location)."""
        import uuid

        iri = f"{self.settings.base}graph/posted-{uuid.uuid4().hex}"
        await self.graph_write(replace(req, method="PUT"), GraphTarget(iri))
        return iri

    async def close(self) -> None:
        await self.executor.close()
        if self.writer is not None:
            self.writer.shutdown(wait=True)


_POSITION = re.compile(r"(\d+):(\d+)")


def _caller_position(message: str, composed: str, insertions: list[tuple[int, int]]) -> str:
    """Oxigraph's ``error at LINE:COLUMN`` in ``composed`` as a position in the caller's text:
    ``composed`` is that text with kg's own text put in, ``(offset, length)`` in ``insertions``
    (offsets in ``composed``, in order)."""
    m = _POSITION.search(message)
    if m is None:
        return message
    line, column = int(m.group(1)), int(m.group(2))
    starts = [0] + [i + 1 for i, c in enumerate(composed) if c == "\n"]
    if line > len(starts):
        return message
    offset = starts[line - 1] + column - 1
    caller, mapped, last = "", None, 0
    for at, length in insertions:
        caller += composed[last:at]
        if mapped is None and offset < at + length:
            mapped = len(caller) - (at - offset) if offset < at else len(caller)
        last = at + length
    caller += composed[last:]
    if mapped is None:
        mapped = len(caller) - (len(composed) - offset)
    before = caller[: max(mapped, 0)]
    where = f"{before.count(chr(10)) + 1}:{len(before) - (before.rfind(chr(10)) + 1) + 1}"
    return message[: m.start()] + where + message[m.end() :]


def graph_iri(value: str) -> str:
    """``value`` if it is an absolute IRI, else ProtocolError 400 naming it."""
    try:
        ox.NamedNode(value)
    except ValueError as exc:
        raise ProtocolError(
            400, f"graph={value!r} is not an IRI ({exc}); URL-encode an absolute IRI"
        ) from None
    if ":" not in value:
        raise ProtocolError(400, f"graph={value!r} is not an absolute IRI (it has no scheme)")
    return value


def with_settings(settings: Settings, **changes: Any) -> Settings:
    return replace(settings, **changes)
