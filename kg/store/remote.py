"""A remote store: a SPARQL 1.1 server (Query, Update and Graph Store Protocol) over HTTP.

``--store http://host:port`` (or ``KG_STORE``) selects it. The three endpoints default to
Oxigraph server's (``/query``, ``/update``, ``/store``); the ``store_query``, ``store_update`` and
``store_data`` settings name others (Fuseki: ``/ds/sparql``, ``/ds/update``, ``/ds/data``).
Credentials come from the environment only, never from the command line:

    KG_STORE_TOKEN                  a bearer token, or
    KG_STORE_USER, KG_STORE_PASSWORD    with KG_STORE_AUTH=basic (default) or digest

The layout is the embedded store's (``kg.store.layout``): every write is one Update request that
the server runs as one transaction, with the same operations, so the merge is deduplicated the
same way. A server whose default graph cannot hold the merge (Virtuoso answers queries over the
union of all graphs) keeps it in the named graph ``store_merged_graph``, which is then sent as
``default-graph-uri`` with every query.

Faults: a 5xx answer, a timeout or a dropped connection is retried ``store_retries`` times with a
doubling pause. Before an update is sent again, kg asks whether the first attempt was applied
(every update also records a fresh write id in graph/stats), so no write is applied twice. When
the server stays away, the command fails with a message that says so; what was loaded is whole.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import httpx
import pyoxigraph as ox

from kg.errors import QueryError, StoreError, UsageError
from kg.namespaces import KG
from kg.store.protocol import GraphStore

T = TypeVar("T")
_P_WRITE = f"<{KG.lastWrite}>"
_SELECT_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8"
_GRAPH_FORMATS = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


@dataclass(frozen=True)
class Endpoints:
    query: str
    update: str
    data: str

    @classmethod
    def of(cls, url: str, query: str = "/query", update: str = "/update", data: str = "/store") -> Endpoints:
        root = url.rstrip("/")

        def join(path: str) -> str:
            return path if is_url(path) else root + "/" + path.lstrip("/")

        return cls(join(query), join(update), join(data))


def auth_from_env(env: Mapping[str, str] | None = None) -> tuple[httpx.Auth | None, dict[str, str]]:
    """Credentials for the store from ``KG_STORE_TOKEN`` or ``KG_STORE_USER``/``_PASSWORD``/``_AUTH``."""
    env = os.environ if env is None else env
    token = env.get("KG_STORE_TOKEN")
    if token:
        return None, {"Authorization": f"Bearer {token}"}
    user = env.get("KG_STORE_USER")
    if not user:
        return None, {}
    password = env.get("KG_STORE_PASSWORD", "")
    scheme = env.get("KG_STORE_AUTH", "basic").lower()
    if scheme == "basic":
        return httpx.BasicAuth(user, password), {}
    if scheme == "digest":
        return httpx.DigestAuth(user, password), {}
    raise UsageError(f"KG_STORE_AUTH: {scheme!r} is not an authentication scheme kg knows (basic or digest)")


class _Retry(Exception):
    """An attempt that may succeed when made again."""

    def __init__(self, reason: str, maybe_applied: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.maybe_applied = maybe_applied


def _canonical(ntriples: bytes) -> bytes:
    """N-Triples as pyoxigraph writes them (servers differ in spacing: Virtuoso writes tabs), so
    that dumps are the same bytes whatever store they come from."""
    return (
        ox.serialize(ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.N_TRIPLES) or b""
    )


class RemoteStore(GraphStore):
    """The kg store kept by the SPARQL server at ``url``."""

    def __init__(
        self,
        url: str,
        base: str,
        read_only: bool = False,
        endpoints: Endpoints | None = None,
        merged_graph: str | None = None,
        timeout: float = 60.0,
        retries: int = 4,
        backoff: float = 0.5,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(base, read_only, merged_graph or None)
        self.url = url.rstrip("/")
        self.location = self.url
        self.endpoints = endpoints or Endpoints.of(self.url)
        self.merged_graph = merged_graph or None
        self.retries = max(0, retries)
        self.backoff = backoff
        auth, headers = auth_from_env()
        self.client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            auth=auth,
            headers=headers,
            transport=transport,
        )

    # -- HTTP with bounded retries -----------------------------------------------------------

    def _attempts(self, what: str, attempt: Callable[[], T], applied: Callable[[], bool] | None = None) -> T:
        delay = self.backoff
        for n in range(self.retries + 1):
            try:
                return attempt()
            except _Retry as exc:
                reason = exc.reason
                if exc.maybe_applied and applied is not None:
                    try:
                        if applied():
                            return None  # type: ignore[return-value]
                    except _Retry:
                        pass
                if n == self.retries:
                    break
                time.sleep(delay)
                delay *= 2
        raise StoreError(
            f"{self.url}: the SPARQL server did not {what} after {self.retries + 1} attempts ({reason}); "
            "is it running? Run the command again when it is back: what was loaded is whole, the rest is not"
        )

    def _send(self, method: str, url: str, **kwargs: object) -> httpx.Response:
        try:
            response = self.client.request(method, url, **kwargs)  # type: ignore[arg-type]
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise _Retry(f"{type(exc).__name__}: {exc}", maybe_applied=False) from None
        except httpx.TransportError as exc:
            raise _Retry(f"{type(exc).__name__}: {exc}", maybe_applied=True) from None
        if response.status_code >= 500:
            raise _Retry(f"HTTP {response.status_code}: {response.text.strip()[:200]}", maybe_applied=False)
        if response.status_code in (401, 403):
            raise StoreError(
                f"{url}: HTTP {response.status_code}: the SPARQL server refused kg's credentials "
                "(set KG_STORE_TOKEN, or KG_STORE_USER and KG_STORE_PASSWORD)"
            )
        return response

    def _params(self) -> dict[str, str]:
        return {"default-graph-uri": self.merged_graph} if self.merged_graph else {}

    # -- primitives --------------------------------------------------------------------------

    def query(self, sparql: str, **kwargs: object) -> object:
        return self._query(sparql, _SELECT_ACCEPT, True, **kwargs)

    def _query(self, sparql: str, accept: str, merged_default: bool, **kwargs: object) -> object:
        """``merged_default``: the merged graph as the query's default graph (a caller's query);
        kg's own queries name their graphs (``Operations.in_merge``), and Virtuoso misreads
        ``GRAPH <g>`` in a query that also names a default graph."""
        prefixes = kwargs.pop("prefixes", None)
        if kwargs:
            raise TypeError(f"a remote store takes no query options but prefixes (got {', '.join(kwargs)})")
        if isinstance(prefixes, dict):
            sparql = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in prefixes.items()) + sparql

        def attempt() -> httpx.Response:
            return self._send(
                "POST",
                self.endpoints.query,
                data={"query": sparql, **(self._params() if merged_default else {})},
                headers={"Accept": accept},
            )

        response = self._attempts("answer a query", attempt)
        if response.status_code == 400:
            raise QueryError(f"the SPARQL server refused the query: {response.text.strip()[:500]}")
        if response.status_code != 200:
            raise StoreError(
                f"{self.endpoints.query}: HTTP {response.status_code}: {response.text.strip()[:300]}"
            )
        media = response.headers.get("content-type", "").split(";")[0].strip()
        if media in _GRAPH_FORMATS:
            holder = ox.Store()
            holder.load(response.content, format=_GRAPH_FORMATS[media])
            return holder.query("CONSTRUCT WHERE { ?s ?p ?o }")
        fmt = {
            "application/sparql-results+json": ox.QueryResultsFormat.JSON,
            "application/sparql-results+xml": ox.QueryResultsFormat.XML,
            "text/tab-separated-values": ox.QueryResultsFormat.TSV,
        }.get(media)
        if fmt is None:
            raise StoreError(f"{self.endpoints.query}: answered in {media!r}, which kg cannot read")
        return ox.parse_query_results(response.content, format=fmt)

    def _run(self, ops: Sequence[str]) -> None:
        if self.read_only:
            raise StoreError(f"{self.url}: the store is open read-only")
        if not ops:
            return
        s = f"<{self.stats_iri}>"
        marker = f'"{uuid.uuid4().hex}"'
        text = " ;\n".join(
            [
                *ops,
                f"DELETE WHERE {{ GRAPH {s} {{ {s} {_P_WRITE} ?w }} }}",
                f"INSERT DATA {{ GRAPH {s} {{ {s} {_P_WRITE} {marker} }} }}",
            ]
        )

        def attempt() -> None:
            response = self._send("POST", self.endpoints.update, data={"update": text})
            if response.status_code == 400:
                raise QueryError(f"the SPARQL server refused an update: {response.text.strip()[:500]}")
            if response.status_code not in (200, 204):
                raise StoreError(
                    f"{self.endpoints.update}: HTTP {response.status_code}: {response.text.strip()[:300]}"
                )

        def applied() -> bool:
            return self.ask(f"ASK {{ GRAPH {s} {{ {s} {_P_WRITE} {marker} }} }}")

        with self.write_lock:
            self._attempts("take an update", attempt, applied)

    def _graph_params(self, graph: str | None) -> dict[str, str]:
        if graph is None:
            return {"graph": self.merged_graph} if self.merged_graph else {"default": ""}
        return {"graph": graph}

    def graph_ntriples(self, graph: str | None) -> bytes:
        def attempt() -> httpx.Response:
            return self._send(
                "GET",
                self.endpoints.data,
                params=self._graph_params(graph),
                headers={"Accept": "application/n-triples"},
            )

        response = self._attempts("send a graph", attempt)
        if response.status_code == 404:
            return b""
        if response.status_code != 200:
            raise StoreError(
                f"{self.endpoints.data}: HTTP {response.status_code}: {response.text.strip()[:300]}"
            )
        return _canonical(response.content)

    def write_graph_ntriples(self, graph: str | None, path: str) -> None:
        def attempt() -> None:
            try:
                with (
                    self.client.stream(
                        "GET",
                        self.endpoints.data,
                        params=self._graph_params(graph),
                        headers={"Accept": "application/n-triples"},
                    ) as response,
                    open(path, "wb") as out,
                ):
                    if response.status_code >= 500:
                        raise _Retry(f"HTTP {response.status_code}", maybe_applied=False)
                    if response.status_code == 404:
                        return
                    if response.status_code != 200:
                        raise StoreError(f"{self.endpoints.data}: HTTP {response.status_code}")
                    for chunk in response.iter_bytes():
                        out.write(chunk)
            except httpx.TransportError as exc:
                raise _Retry(f"{type(exc).__name__}: {exc}", maybe_applied=False) from None

        self._attempts("send a graph", attempt)
        raw = path + ".raw"
        os.replace(path, raw)
        with open(path, "wb") as out:
            ox.serialize(ox.parse(path=raw, format=ox.RdfFormat.N_TRIPLES), out, ox.RdfFormat.N_TRIPLES)
        os.remove(raw)

    def named_graphs(self) -> list[str]:
        rows = self.select(f"SELECT DISTINCT ?g WHERE {{ {self.ops.graphs()} }}")
        return sorted(g.value for r in rows if isinstance(g := r["g"], ox.NamedNode))

    def select(self, sparql: str) -> list[dict[str, object]]:
        rows = self._query(sparql, "application/sparql-results+json", False)
        assert isinstance(rows, ox.QuerySolutions)
        names = [v.value for v in rows.variables]
        return [{n: r[n] for n in names} for r in rows]

    def ask(self, sparql: str) -> bool:
        answer = self._query(sparql, "application/sparql-results+json", False)
        if isinstance(answer, ox.QuerySolutions):  # Virtuoso answers ASK as a one-column SELECT
            return any(row[0] is not None and row[0].value not in ("0", "false") for row in answer)
        return bool(answer)

    def flush(self) -> None:
        pass  # the server decides when its writes reach the disk

    def close(self) -> None:
        self.client.close()


__all__ = ["Endpoints", "RemoteStore", "auth_from_env", "is_url"]
