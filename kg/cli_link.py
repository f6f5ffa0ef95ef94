"""``kg link``: link the store's entities (offline tables; opt-in online services; confirmed links).

Thin: parse, call kg.link, print. KGError subclasses (StoreError, InputError, NetworkError) go up to
the one boundary in kg/cli.py, which prints the message and exits with the error's code.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import click
import pyoxigraph as ox

from kg import settings as kg_settings
from kg.cli_options import quiet_option, store_option
from kg.link.cache import CACHE_NAME, AnswerCache
from kg.link.confirm import confirmed_decisions, confirmed_graph_iri, write_confirmed
from kg.link.offline import offline_link_triples
from kg.link.online import (
    DEFAULT_RECONCILE_URL,
    DEFAULT_SPARQL_ENDPOINT,
    OnlineConfig,
    link_online,
    write_online_graph,
)
from kg.link.records import P_EXACT, LinkDecision
from kg.namespaces import WD
from kg.progress import Progress
from kg.store import is_url, links_graph_iri, open_store


def _describe(d: LinkDecision) -> str:
    cands = ", ".join(f"{c.target.rsplit('/', 1)[-1]} {c.label!r} {c.score:.2f}" for c in d.candidates[:5])
    return f"  {d.decision}: <{d.subject}> ({d.matched_on}) candidates: {cands or 'none'}"


@click.command("link")
@store_option
@click.option(
    "--online", is_flag=True, help="Also link people, documents, events, other organisations online."
)
@click.option(
    "--confirm",
    "confirm_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="A reviewed TSV/CSV of subject IRI, target IRI[, date, reviewer]: written as owl:sameAs.",
)
@click.option(
    "--reconcile-url",
    envvar="KG_RECONCILE_URL",
    default=DEFAULT_RECONCILE_URL,
    show_default=True,
    help="W3C Reconciliation Service API endpoint ($KG_RECONCILE_URL).",
)
@click.option(
    "--endpoint",
    envvar="KG_SPARQL_ENDPOINT",
    default=DEFAULT_SPARQL_ENDPOINT,
    show_default=True,
    help="Wikidata SPARQL endpoint used for context checks ($KG_SPARQL_ENDPOINT).",
)
@click.option(
    "--threshold", type=click.FloatRange(0, 1), default=0.8, show_default=True, help="Lowest online score."
)
@click.option(
    "--timeout", type=click.FloatRange(min=0.1), default=20.0, show_default=True, help="Seconds per request."
)
@click.option(
    "--cache",
    "cache_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help=f"Answer cache (default: STORE/{CACHE_NAME}; ./{CACHE_NAME} for a remote store).",
)
@quiet_option
def link(
    store: str | None,
    online: bool,
    confirm_file: Path | None,
    reconcile_url: str,
    endpoint: str,
    threshold: float,
    timeout: float,
    cache_path: Path | None,
    quiet: bool,
) -> None:
    """Link the store's entities to Wikidata, GeoNames and DBpedia, recording every decision."""
    settings = kg_settings.load({"store": store})
    db = open_store(settings)
    with contextlib.closing(db):  # released even when linking fails
        # Decide everything first (reading the db, the file, the services); write only at the end, so
        # a bad confirmation file or a network failure leaves the store as it was.
        offline: tuple[list[ox.Triple], str] | None = None
        linked_offline: frozenset[str] = frozenset()
        if settings.link_offline:
            offline = offline_link_triples(db)
            linked_offline = frozenset(
                t.subject.value
                for t in offline[0]
                if isinstance(t.subject, ox.NamedNode)
                and t.predicate == P_EXACT
                and isinstance(t.object, ox.NamedNode)
                and t.object.value.startswith(str(WD))
            )
        confirmed = confirmed_decisions(db, confirm_file) if confirm_file is not None else None
        report = None
        if online:
            config = OnlineConfig(
                reconcile_url=reconcile_url, sparql_endpoint=endpoint, threshold=threshold, timeout=timeout
            )
            cache = AnswerCache(cache_path or _default_cache(settings.store))
            try:
                with Progress("link", None, "entities", quiet=quiet) as progress:
                    report = link_online(
                        db, config, cache, write=False, exclude=linked_offline, on_progress=progress.update
                    )
            finally:
                cache.close()

        if offline is not None:
            triples, digest = offline
            changed = db.ensure_graph(links_graph_iri(db.base), triples, digest)
            n_links = sum(1 for t in triples if t.predicate.value == P_EXACT.value)
            state = "written" if changed else "unchanged"
            click.echo(f"offline: {n_links} links -> <{links_graph_iri(db.base)}> ({state})")
        if confirmed is not None:
            write_confirmed(db, confirmed)
            click.echo(f"confirmed: {len(confirmed)} links -> <{confirmed_graph_iri(db.base)}>")
        if report is not None:
            report.written = write_online_graph(db, report.decisions)
            click.echo(
                f"online: {report.count('linked')} linked, {report.count('ambiguous')} ambiguous, "
                f"{report.count('below-threshold')} below threshold, {report.count('no-candidate')} without "
                f"candidates; {report.requests} requests, {report.cached} answers from the cache "
                f"-> <{report.graph}> ({'written' if report.written else 'unchanged'})"
            )
            for d in report.decisions:
                if d.decision != "linked":
                    click.echo(_describe(d))


def _default_cache(store: str) -> Path:
    return Path(CACHE_NAME) if is_url(store) else Path(store) / CACHE_NAME


__all__ = ["link", "links_graph_iri"]
