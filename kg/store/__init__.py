"""The store: one protocol (``GraphStore``), two implementations.

    kg.store.layout     graph IRIs and the SPARQL Update operations every write runs
    kg.store.protocol   GraphStore: the document logic, on a few primitives
    kg.store.embedded   Store: pyoxigraph on disk (the default) or in memory
    kg.store.remote     RemoteStore: a SPARQL 1.1 server, selected by an http(s) URL

``open_store(settings)`` opens the one the settings name.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kg.store.embedded import FLUSH_EVERY, Store, require_store
from kg.store.layout import (
    DEFAULT,
    Outcome,
    StoreStats,
    doc_graph_iri,
    links_graph_iri,
    meta_graph_iri,
    quarantine_graph_iri,
    stats_graph_iri,
    to_ox_triples,
    unmerged_graphs,
)
from kg.store.protocol import GraphStore, Progress
from kg.store.remote import Endpoints, RemoteStore, is_url

if TYPE_CHECKING:
    from kg.settings import Settings


def open_store(settings: Settings, read_only: bool = False, must_exist: bool = True) -> GraphStore:
    """The store ``settings.store`` names: a SPARQL server for an http(s) URL, else a folder."""
    location = str(settings.store)
    if is_url(location):
        endpoints = Endpoints.of(location, settings.store_query, settings.store_update, settings.store_data)
        remote = RemoteStore(
            location,
            settings.base,
            read_only=read_only,
            endpoints=endpoints,
            merged_graph=settings.store_merged_graph or None,
            timeout=settings.store_timeout,
            retries=settings.store_retries,
        )
        if not read_only:
            remote.ensure_counts()
        return remote
    path = Path(location)
    if must_exist:
        require_store(path)
    return Store(path, settings.base, read_only=read_only)


__all__ = [
    "DEFAULT",
    "FLUSH_EVERY",
    "Endpoints",
    "GraphStore",
    "Outcome",
    "Progress",
    "RemoteStore",
    "Store",
    "StoreStats",
    "doc_graph_iri",
    "is_url",
    "links_graph_iri",
    "meta_graph_iri",
    "open_store",
    "quarantine_graph_iri",
    "require_store",
    "stats_graph_iri",
    "to_ox_triples",
    "unmerged_graphs",
]
