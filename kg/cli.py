"""The ``kg`` command: parse, call one library function, print.

kg's own errors (kg.errors) are turned into a one-line message and their exit code in one
place, ``main``; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import json
import platform
import sys
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any, cast

import click

from kg import __version__, settings
from kg.cli_link import link
from kg.cli_options import base_option, quiet_option, store_option
from kg.errors import KGError, StoreInUse, UsageError
from kg.settings import Settings


def _settings(**overrides: Any) -> Settings:
    return settings.load(overrides)


def _open(cfg: Settings, read_only: bool = False, must_exist: bool = True) -> Any:
    from kg.store import open_store

    return open_store(cfg, read_only=read_only, must_exist=must_exist)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="kg")
def cli() -> None:
    """kg: press releases in, a validated, linked RDF knowledge graph out, served over SPARQL."""


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@store_option
@base_option
@click.option("--force", is_flag=True, help="Extract again even where the same content is already stored.")
@click.option(
    "--strict",
    is_flag=True,
    help="Load a document whose graph breaks the shapes not at all, instead of without what breaks them.",
)
@click.option(
    "--link/--no-link",
    "link",
    default=None,
    help="Link States, UN bodies and cities offline after loading (default: on; $KG_LINK_OFFLINE).",
)
@click.option(
    "--jobs",
    "-j",
    type=int,
    default=None,
    metavar="N",
    help="Extract, map and validate in N worker processes (0: one per CPU core; default: $KG_JOBS, else 1).",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    help="Prepare documents on a Dask cluster, e.g. tcp://host:8786 (pip install 'kg[dask]').",
)
@quiet_option
def build(
    paths: tuple[Path, ...],
    store: str | None,
    base: str | None,
    force: bool,
    strict: bool,
    link: bool | None,
    jobs: int | None,
    scheduler: str | None,
    quiet: bool,
) -> None:
    """Ingest files or folders (.txt, .md, .html), extract, map to RDF, validate and load.

    A document whose graph breaks the SHACL shapes loads without the statements that break them
    (and those that depend on them); each left-out statement is listed and kept in the quarantine
    graph (kg validate lists them again). --strict loads such a document not at all.

    With --jobs or --scheduler, documents are prepared in parallel and written in input order,
    each in one transaction: the same graph as a build in one process.

    Exit status: 0 all loaded whole, 1 a document did not conform to the shapes (statements of it
    quarantined, or with --strict the document not loaded), 2 an input could not be read (the
    others were loaded).
    """
    from kg import handoff
    from kg.ingest import discover
    from kg.parallel import executor_for
    from kg.pipeline import BuildReport, DocResult
    from kg.pipeline import build as run_build
    from kg.progress import Progress

    cfg = _settings(store=store, base=base, link_offline=link, jobs=jobs, scheduler=scheduler)
    executor = executor_for(cfg.jobs, cfg.scheduler)  # a bad value, or no Dask, stops here
    files = discover(list(paths), warn=lambda message: click.echo(f"kg: warning: {message}", err=True))
    db, held = None, None
    try:
        db = _open(cfg, must_exist=False)
    except StoreInUse as busy:  # a running kg serve holds it: hand the build over (kg.handoff)
        held = busy
        if executor is not None:
            click.echo(
                "kg: warning: kg serve runs the build in its own process; --jobs/--scheduler unused", err=True
            )

    def run(step: Callable[[DocResult], None]) -> tuple[BuildReport, int, int, str]:
        if held is not None:
            report, stats, url = handoff.build_via_server(
                Path(cfg.store), held, files, force, cfg.link_offline, step, strict=strict
            )
            return report, stats["default_triples"], stats["quads"], f"kg serve at {url}"
        assert db is not None
        report = run_build(
            list(paths),
            db,
            force=force,
            on_result=step,
            files=files,
            link=cfg.link_offline,
            strict=strict,
            executor=executor,
        )
        stats = db.stats()
        return report, stats.default_triples, stats.quads, str(cfg.store)

    with Progress("build", len(files), "documents", quiet=quiet) as progress:

        def step(result: DocResult) -> None:  # called as each document finishes
            if result.error:
                progress.echo(f"kg: error: {result.error}")
            if result.outcome == "invalid":
                for v in result.violations:
                    progress.echo(f"kg: invalid: {result.source}: {v.line()}")
            for q in result.quarantined:
                progress.echo(f"kg: quarantined: {result.source}: {q.line()}")
            if not quiet:
                for w in result.warnings:
                    progress.echo(f"kg: warning: {result.source}: {w}")
            progress.advance(failed=result.outcome in FAILED)

        report, triples, quads, where = run(step)
    outcomes: dict[str, int] = {}
    for r in report.results:
        outcomes[r.outcome] = outcomes.get(r.outcome, 0) + 1
    click.echo(
        f"documents: {len(report.results)} ("
        + ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items()))
        + ")"
    )
    if not quiet:
        ents = report.entities
        if ents:
            click.echo("entities: " + ", ".join(f"{k} {n}" for k, n in sorted(ents.items())))
        click.echo(f"triples: {triples} distinct, {quads} quads in {where}")
    click.echo(f"violations: {report.violations}")
    left_out = report.quarantined
    if left_out:
        documents = len({source for source, _ in left_out})
        click.echo(
            f"quarantined: {len(left_out)} statements of {documents} documents (kg validate lists them)"
        )
    sys.exit(report.exit_code)


#: Build outcomes that count as failures in the progress display.
FAILED = frozenset({"invalid", "unreadable"})


def _read_query(text: str) -> str:
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{path}: cannot read the query file: {exc}") from None
    return text


@cli.command()
@click.argument("sparql")
@store_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "tsv"]),
    default="table",
    show_default=True,
    help="Output format of SELECT/ASK results (CONSTRUCT/DESCRIBE print Turtle).",
)
def query(sparql: str, store: str | None, fmt: str) -> None:
    """Run a SPARQL query (text, or @file.rq) against the store and print the results."""
    from kg.query import run_query

    cfg = _settings(store=store)
    db = _open(cfg, read_only=True)
    sys.stdout.buffer.write(run_query(db, _read_query(sparql), fmt))
    sys.stdout.flush()


@cli.command()
@store_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["turtle", "nquads", "trig", "jsonld", "ntriples", "rdfxml"]),
    default="turtle",
    show_default=True,
    help="turtle/ntriples/jsonld/rdfxml: the merged graph; nquads/trig: every named graph.",
)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="File to write (default: stdout)."
)
@click.option(
    "--graph",
    "doc",
    metavar="DOC",
    default=None,
    help="Only this document's graph: its source path, document id or graph IRI.",
)
@quiet_option
def export(store: str | None, fmt: str, output: Path | None, doc: str | None, quiet: bool) -> None:
    """Dump the store deterministically (the same data gives byte-identical output).

    nquads and trig carry the whole dataset (kg restore reads them back): the merged default
    graph, then every named graph with its name, in IRI order, each sorted.
    """
    from kg.export import export as run_export
    from kg.progress import Progress

    cfg = _settings(store=store)
    db = _open(cfg, read_only=True)
    graph = _document_graph(db, doc) if doc is not None else None
    with Progress("export", None, "bytes", quiet=quiet) as progress:
        if output is None:
            run_export(db, fmt, cast(IO[bytes], _Counting(sys.stdout.buffer, progress.update)), graph)
            sys.stdout.flush()
            return
        tmp = output.with_name(output.name + ".partial")
        with tmp.open("wb") as fh:
            run_export(db, fmt, cast(IO[bytes], _Counting(fh, progress.update)), graph)
        tmp.replace(output)


class _Counting:
    """A binary output that reports the bytes written so far."""

    def __init__(self, out: Any, report: Callable[[int], None]) -> None:
        self.out, self.report, self.written = out, report, 0

    def write(self, data: bytes) -> int:
        n = self.out.write(data)
        self.written += len(data)
        self.report(self.written)
        return int(n if n is not None else len(data))

    def flush(self) -> None:
        self.out.flush()


def _document_graph(db: Any, doc: str) -> str:
    """The graph IRI of a document named by its source path, document id or graph IRI."""
    found = db.graph_of_source(doc) or db.graph_of_source(str(Path(doc)))
    for iri in (doc, f"{db.base}graph/{doc}"):
        if found is None and ":" in iri and "/" not in iri.split(":", 1)[0]:
            try:
                found = iri if db.has_graph(iri) else None
            except ValueError:  # not an IRI
                continue
    if found is None:
        raise UsageError(
            f"--graph: no document {doc!r} in {db.location} (give a source path, document id or graph IRI)"
        )
    return str(found)


@cli.command()
@click.argument("dump", type=click.Path(path_type=Path, dir_okay=False))
@store_option
@base_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["nquads", "trig"]),
    default=None,
    help="The dump's format (default: from its name, .nq or .trig).",
)
@quiet_option
def restore(dump: Path, store: str | None, base: str | None, fmt: str | None, quiet: bool) -> None:
    """Rebuild a store from an N-Quads or TriG dump (kg export --format nquads|trig).

    The dump is bulk-loaded into a new store beside the old one, which it then replaces in one
    step: a dump that does not load leaves the old store as it was.
    """
    from kg.restore import restore as run_restore
    from kg.store import is_url

    cfg = _settings(store=store, base=base)
    if is_url(cfg.store):
        raise UsageError(
            f"--store: {cfg.store} is a SPARQL server; restore a dump there with the server's own loader "
            "(oxigraph load, Fuseki's tdb2.tdbloader, Virtuoso's ld_dir)"
        )
    from kg.progress import Progress

    with Progress("restore", None, "bytes", quiet=quiet) as progress:
        stats = run_restore(dump, Path(cfg.store), cfg.base, fmt, progress=progress.update)
    click.echo(
        f"restored {cfg.store}: {stats.quads} quads, {stats.default_triples} distinct triples, "
        f"{stats.named_graphs} named graphs, {stats.document_graphs} documents"
    )


@cli.command()
@store_option
@quiet_option
def validate(store: str | None, quiet: bool) -> None:
    """Validate every graph in the store against the SHACL shapes, then the merged default graph
    for what no document shows alone (a node given two values of a property allowed once); list
    quarantined statements.

    The quarantined statements are those kg build left out of documents because they broke the
    shapes (the quarantine graph, which is not itself validated as data).

    Exit status: 0 conforms and nothing quarantined, 1 violations or quarantined statements, 2 bad
    input (no store).
    """
    from kg.pipeline import stored_quarantine, validate_store
    from kg.progress import Progress

    cfg = _settings(store=store)
    db = _open(cfg, read_only=True)
    with Progress("validate", None, "graphs", quiet=quiet) as progress:
        results = validate_store(db, on_graph=progress.update)
    total = 0
    for graph, report in results:
        for v in report.violations:
            total += 1
            click.echo(f"{graph}: {v.line()}")
    left_out = stored_quarantine(db)
    for graph, q in left_out:
        click.echo(f"{graph}: quarantined: {q.line()}")
    documents = len({graph for graph, _ in left_out})
    click.echo(
        f"graphs: {len(results) - 1} and their merge, violations: {total}, "
        f"quarantined: {len(left_out)} statements of {documents} documents"
    )
    sys.exit(1 if total or left_out else 0)


@cli.command()
@store_option
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (default 8000).")
@click.option(
    "--query-timeout", type=float, default=None, help="Seconds before a query is cancelled (default 30)."
)
@click.option(
    "--max-rows", type=int, default=None, help="Most rows a response carries; more is cut and says so."
)
@click.option("--max-body", type=int, default=None, help="Largest request body in bytes (default 1000000).")
@click.option(
    "--allow-update/--no-allow-update",
    default=None,
    help="Accept SPARQL Update and Graph Store writes (they also need the token).",
)
@click.option("--token", default=None, help="Bearer token for writes (prefer $KG_TOKEN: flags show in ps).")
@click.option(
    "--allow-service/--no-allow-service", default=None, help="Let queries use SERVICE and updates LOAD."
)
@click.option(
    "--service-allowlist", default=None, help="Comma-separated IRI prefixes SERVICE/LOAD may reach."
)
@click.option("--workers", type=int, default=None, help="Query worker processes (0: one per CPU core).")
@click.option("--metrics/--no-metrics", default=None, help="Serve Prometheus metrics at /metrics.")
def serve(store: str | None, **options: Any) -> None:
    """Serve the store: SPARQL 1.1 Protocol at /sparql, Update at /update, Graph Store at /store,
    a query page at / and a page for every entity IRI under the base."""
    from kg.endpoint import run
    from kg.store import is_url, require_store

    cfg = _settings(store=store, **options)
    if not is_url(cfg.store):
        require_store(Path(cfg.store))
    if cfg.allow_update and not cfg.token:
        raise UsageError("--allow-update needs a bearer token: set KG_TOKEN (or --token)")
    run(cfg)


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


@cli.command()
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def info(store: str | None, as_json: bool) -> None:
    """Versions and store statistics."""
    from kg.pipeline import quarantine_counts
    from kg.query import entity_counts

    cfg = _settings(store=store)
    db = _open(cfg, read_only=True)
    stats = db.stats()
    quarantined, quarantined_from = quarantine_counts(db)
    data: dict[str, Any] = {
        "kg": __version__,
        "python": platform.python_version(),
        "versions": {d: _version(d) for d in ("pyoxigraph", "rdflib", "pyshacl", "spacy", "fastapi")},
        "store": str(cfg.store),
        "base": cfg.base,
        "quads": stats.quads,
        "distinct_triples": stats.default_triples,
        "named_graphs": stats.named_graphs,
        "documents": stats.document_graphs,
        "entities": entity_counts(db),
        "quarantined": {"statements": quarantined, "documents": quarantined_from},
    }
    if as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=True))
        return
    for key, value in data.items():
        if isinstance(value, dict):
            click.echo(f"{key}:")
            for k, v in value.items():
                click.echo(f"  {k}: {v}")
        else:
            click.echo(f"{key}: {value}")


@cli.command()
@click.argument("target")
@store_option
def remove(target: str, store: str | None) -> None:
    """Remove a document (by its source path or its document id) from the store.

    Facts that another document also states stay in the merged graph; the statements quarantined
    from the document go with it. Documents whose values were left out because this one said
    otherwise are named, to be rebuilt.
    """
    from kg.merged import held_back_by
    from kg.store import doc_graph_iri

    cfg = _settings(store=store)
    db = _open(cfg)
    graph = db.graph_of_source(target) or db.graph_of_source(str(Path(target)))
    doc_id = graph.rsplit("/", 1)[-1] if graph else target
    held = held_back_by(db, doc_graph_iri(db.base, doc_id))
    if not db.remove_document(doc_id):
        raise UsageError(f"{target}: no such document in {cfg.store} (give a source path or a document id)")
    click.echo(f"removed {doc_id}")
    for source, n in held.items():
        click.echo(
            f"kg remove: {source}: {n} statement(s) were left out because {doc_id} stated otherwise; "
            f"kg build --force {source} loads them, unless another document disagrees too",
            err=True,
        )


@cli.command()
@click.argument("gold_dir", type=click.Path(path_type=Path))
@click.argument("text_dir", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("kg-evaluation.json"),
    show_default=True,
    help="Where to write the scores and per-document errors as JSON.",
)
def evaluate(gold_dir: Path, text_dir: Path, output: Path) -> None:
    """Score extraction against gold annotations: precision, recall, F1 per type and for relations.

    GOLD_DIR holds <id>.json files (the schema of the gold README), TEXT_DIR the matching <id>.txt.
    """
    from kg.evaluate import evaluate as run_evaluate
    from kg.evaluate import format_table

    report = run_evaluate(gold_dir, text_dir)
    for line in report.warnings:
        click.echo(f"kg: warning: {line}", err=True)
    for line in report.errors:
        click.echo(f"kg: error: {line}", err=True)
    click.echo(format_table(report), nl=False)
    output.write_text(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    click.echo(f"written: {output}")
    sys.exit(2 if report.errors else 0)


cli.add_command(link)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and convert kg's errors into a message and an exit code."""
    try:
        cli.main(args=argv, prog_name="kg", standalone_mode=False)
    except KGError as exc:
        click.echo(f"kg: error: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("kg: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
