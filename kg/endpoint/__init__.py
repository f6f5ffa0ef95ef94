"""kg's SPARQL 1.1 endpoint: Protocol, Update, Graph Store, service description, pages.

create_app(settings, store=None) -> FastAPI     the ASGI app (``uvicorn serve:app``)
run(settings)                                   serve it with uvicorn (``kg serve``)
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # (the query workers import this package: they need none of the web stack)
    from fastapi import FastAPI

    from kg.settings import Settings
    from kg.store import GraphStore


def create_app(settings: Settings, store: GraphStore | None = None) -> FastAPI:
    """The endpoint over ``store`` (default: open ``settings.store`` read-write, created if absent)."""
    from kg import handoff
    from kg.endpoint.cors import CORS
    from kg.endpoint.fastpath import App, QueryHandler
    from kg.endpoint.metrics import metrics_middleware
    from kg.endpoint.routes import install
    from kg.endpoint.service import Endpoint
    from kg.store import Store, open_store

    owned = store is None
    the_store = store if store is not None else open_store(settings, must_exist=False)
    endpoint = Endpoint(settings, the_store)

    owns_disk = isinstance(the_store, Store) and owned and not the_store.read_only
    handoff_to = the_store.path if isinstance(the_store, Store) and owns_disk else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await endpoint.start()  # fails closed: workers that cannot be confined stop the server here
        if handoff_to is not None:  # kg build beside this server hands its work here
            url = handoff.local_url(settings.host, settings.port)
            try:
                endpoint.build_secret = handoff.publish(handoff_to, url)
            except OSError as exc:
                logging.getLogger("uvicorn.error").warning(
                    "kg build cannot hand work to this server: %s: %s", handoff.path_for(handoff_to), exc
                )
        try:
            yield
        finally:
            if handoff_to is not None and endpoint.build_secret is not None:
                handoff.withdraw(handoff_to, endpoint.build_secret)
            await endpoint.close()
            if owned:
                the_store.close()

    app = App(
        title="kg SPARQL endpoint",
        description="SPARQL 1.1 Protocol, Update and Graph Store over the kg knowledge graph.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by routes from local files: FastAPI's pages load from a CDN
        redoc_url=None,
    )
    app.state.endpoint = endpoint
    registry = install(app, endpoint)
    app.add_middleware(CORS)
    fast = QueryHandler(endpoint, fallback=super(App, app).__call__)
    app.fast = fast if registry is None else metrics_middleware(fast, registry)
    return app


def run(settings: Settings) -> None:
    """Serve ``settings.store`` on ``settings.host:settings.port`` until interrupted."""
    import uvicorn

    from kg.endpoint import sandbox, server

    sandbox.confined_threads(settings.allow_service, "kg-check").shutdown()  # fail closed, now
    app = create_app(settings)
    cfg = server.config(
        app, settings.host, settings.port, settings.max_header, log_level="info", access_log=False
    )
    uvicorn.Server(cfg).run()


__all__ = ["create_app", "run"]
