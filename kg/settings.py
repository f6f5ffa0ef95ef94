"""Settings: command-line flag > ``KG_*`` environment variable > config file > default.

The config file is TOML, ``./kg.toml`` or the file named by ``KG_CONFIG``, with one table
``[kg]`` whose keys are the field names below (``store = "data/kg-store"``).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.errors import UsageError
from kg.namespaces import DEFAULT_BASE


@dataclass(frozen=True)
class Settings:
    """Every setting kg reads. Each field is documented in the README (a test checks it)."""

    #: Folder of the embedded store, or the http(s) URL of a SPARQL 1.1 server to keep the graph in.
    store: str = "kg-store"
    #: Query endpoint of a remote store: a path under its URL, or a full URL.
    store_query: str = "/query"
    #: Update endpoint of a remote store (a path under its URL, or a full URL).
    store_update: str = "/update"
    #: Graph Store Protocol endpoint of a remote store (a path under its URL, or a full URL).
    store_data: str = "/store"
    #: Named graph holding the merge on a server whose default graph is the union of all graphs ("": none).
    store_merged_graph: str = ""
    #: Seconds a remote store may take to answer one request.
    store_timeout: float = 60.0
    #: Times a request to a remote store is sent again after a 5xx answer, a timeout or a dropped connection.
    store_retries: int = 4
    #: Base IRI under which entity, source and graph IRIs are minted.
    base: str = DEFAULT_BASE
    #: Interface ``kg serve`` listens on.
    host: str = "127.0.0.1"
    #: Port ``kg serve`` listens on.
    port: int = 8000
    #: Seconds after which a query is cancelled (0: no limit).
    query_timeout: float = 30.0
    #: Most result rows an endpoint response carries (0: no cap).
    max_rows: int = 100_000
    #: Largest request body the endpoint accepts, in bytes.
    max_body: int = 1_000_000
    #: Largest request line and headers the endpoint accepts, in bytes.
    max_header: int = 65_536
    #: Deepest nesting of brackets a query, update or JSON-LD body may have (0: no limit).
    max_depth: int = 100
    #: Memory a query worker may use, in megabytes (0: no limit); past it the query is stopped.
    worker_memory: int = 2048
    #: Let ``/update`` and the Graph Store Protocol write (also needs ``token``).
    allow_update: bool = False
    #: Bearer token required for writes.
    token: str | None = None
    #: Let queries use federated ``SERVICE`` and updates use ``LOAD`` (the server then fetches URLs).
    allow_service: bool = False
    #: Comma-separated URLs whose origin (and path under it) ``SERVICE``/``LOAD`` may reach when
    #: ``allow_service`` is on ("": any).
    service_allowlist: str = ""
    #: Query worker processes of ``kg serve`` (0: one per CPU core), besides one kept for short
    #: queries and one spare.
    workers: int = 0
    #: Requests that may wait for a query worker; past it the endpoint answers 503 (0: no bound).
    max_queue: int = 64
    #: Requests one client address may have in progress at once; past it 503 (0: no bound).
    max_per_client: int = 0
    #: Serve Prometheus metrics at ``/metrics``.
    metrics: bool = False
    #: Whether ``kg build`` links States and UN bodies from the tables that ship with kg.
    link_offline: bool = True
    #: Installed spaCy pipeline whose NER proposes names for the rules to check ("": off).
    model: str = ""
    #: Seconds of extraction one document may take; past that it is reported unreadable (0: no limit).
    extract_budget: float = 60.0
    #: Worker processes ``kg build`` extracts, maps and validates in (0: one per CPU core; 1: none, all
    #: in the building process); the building process writes the store, in input order.
    jobs: int = 1
    #: Address of a Dask scheduler (``tcp://host:8786``) whose workers ``kg build`` prepares documents
    #: on instead of local processes ("": none; needs ``pip install 'kg[dask]'``).
    scheduler: str = ""


ENV_PREFIX = "KG_"


def _coerce(name: str, raw: Any, origin: str) -> Any:
    f = {f.name: f for f in dataclasses.fields(Settings)}[name]
    default = f.default
    try:
        if isinstance(default, bool):
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
        if isinstance(default, Path):
            return Path(str(raw))
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        return None if raw in (None, "") else str(raw)
    except ValueError:
        raise UsageError(
            f"{origin}: {raw!r} is not a valid value for setting {name!r} (expected {type(default).__name__})"
        ) from None


def _config_file(env: Mapping[str, str]) -> dict[str, Any]:
    path = Path(env.get("KG_CONFIG", "kg.toml"))
    if not path.is_file():
        if "KG_CONFIG" in env:
            raise UsageError(f"KG_CONFIG: no such file {path} (unset KG_CONFIG or point it at a TOML file)")
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None
    table = data.get("kg", {})
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [kg] must be a table")
    return table


def load(overrides: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from flags (``overrides``, ``None`` values ignored), env and config file."""
    env = os.environ if env is None else env
    names = [f.name for f in dataclasses.fields(Settings)]
    values: dict[str, Any] = {}
    for name, raw in _config_file(env).items():
        if name not in names:
            raise UsageError(f"config file: unknown setting {name!r} (known: {', '.join(names)})")
        values[name] = _coerce(name, raw, f"config file setting {name}")
    for name in names:
        var = ENV_PREFIX + name.upper()
        if var in env:
            values[name] = _coerce(name, env[var], var)
    for name, raw in (overrides or {}).items():
        if raw is not None:
            values[name] = _coerce(name, raw, f"--{name.replace('_', '-')}")
    base = values.get("base", DEFAULT_BASE)
    if not (base.startswith(("http://", "https://")) and base.endswith(("/", "#"))):
        raise UsageError(f"base: {base!r} must be an http(s) IRI ending in '/' or '#'")
    return Settings(**values)
