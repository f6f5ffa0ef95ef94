"""Queries of ``kg serve --store http://...``: forwarded to the SPARQL server that holds the store.

The server evaluates them (and enforces its own limits); kg passes the query, the dataset and
the negotiated media type on, and streams the answer back. ``query_timeout`` bounds the wait
(answered 503 as for a local query); ``max_rows`` is not applied to forwarded answers. A caller's
query is checked as a local one is (``execute.check``: bounds, SERVICE) before it is forwarded,
and updates and Graph Store bodies are read (``tasks``), in confined threads, under the timeout.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from kg.endpoint.execute import Job, check
from kg.endpoint.negotiation import BY_KEY
from kg.endpoint.pool import Answer, ThreadExecutor, _timeout_error
from kg.endpoint.protocol import ProtocolError
from kg.endpoint.tasks import Call
from kg.store import RemoteStore
from kg.store.remote import auth_from_env


class RemoteExecutor:
    """Forwards each query to the remote store's query endpoint."""

    def __init__(self, store: RemoteStore, network: bool) -> None:
        self.store = store
        auth, headers = auth_from_env()
        self.client = httpx.AsyncClient(auth=auth, headers=headers)
        self.checks = ThreadExecutor(None, network)  # where callers' text is read

    async def start(self) -> None:
        await self.checks.start()

    async def call(self, call: Call, timeout: float, client: str | None = None) -> Any:
        return await self.checks.call(call, timeout, client)

    async def run(self, job: Job, timeout: float, client: str | None = None) -> Answer:
        if job.remote is not None:
            await self.checks.in_thread(timeout, check, job)
        accept = ", ".join(BY_KEY[k].media_type for k in (job.result_format, job.rdf_format) if k)
        prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in job.prefixes.items())
        if job.base_iri:
            prologue = f"BASE <{job.base_iri}>\n" + prologue
        form: list[tuple[str, str]] = [("query", prologue + job.query)]
        defaults = job.default_graphs or ((self.store.merged_graph,) if self.store.merged_graph else ())
        form += [("default-graph-uri", g) for g in defaults]
        form += [("named-graph-uri", g) for g in job.named_graphs]
        request = self.client.build_request(
            "POST",
            self.store.endpoints.query,
            data=dict(form) if len(form) == len(dict(form)) else form,  # type: ignore[arg-type]
            headers={"Accept": accept},
            timeout=httpx.Timeout(timeout or None, connect=10.0),
        )
        try:
            response = await self.client.send(request, stream=True)
        except httpx.TimeoutException:
            raise _timeout_error(timeout) from None
        except httpx.TransportError as exc:
            raise ProtocolError(502, f"the SPARQL server holding the store did not answer: {exc}") from None
        media = response.headers.get("content-type", "application/octet-stream")
        if response.status_code != 200:
            body = await response.aread()
            await response.aclose()
            status = response.status_code if response.status_code < 500 else 502
            raise ProtocolError(
                status, f"the SPARQL server answered {response.status_code}: {body.decode()[:500]}"
            )
        return Answer(200, media.split(";")[0], {}, stream=self._stream(response))

    async def _stream(self, response: httpx.Response) -> AsyncIterator[bytes]:
        try:
            async for chunk in response.aiter_bytes():
                yield chunk
        finally:
            await response.aclose()

    def publish(self) -> None:
        pass

    async def close(self) -> None:
        await self.client.aclose()
        await self.checks.close()
