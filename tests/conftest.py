"""Shared fixtures: the CLI as a user runs it, and the ../shared folder when it is there."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from kg.store import Endpoints, RemoteStore

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EXAMPLES = ROOT / "examples"
SEED = SHARED / "corpus" / "000_470baf12e1d9d4f3.txt"


@dataclass
class Run:
    code: int
    out: str
    err: str


def kg(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
    """Run ``python -m kg ARGS`` in a subprocess, as a user would, and capture everything."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    full_env["PYTHONPATH"] = str(ROOT)
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "kg", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        timeout=300,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built from the bundled examples by ``kg build``, once per test module."""
    store = tmp_path_factory.mktemp("built") / "store"
    run = kg("build", EXAMPLES, "--store", store)
    assert run.code == 0, run.err
    return store


def wait_http(url: str, proc: subprocess.Popen[bytes], what: str, timeout: float = 60) -> None:
    """Until ``url`` answers 200, or fail when ``proc`` ends or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.05)


@pytest.fixture
def seed() -> Path:
    if not SEED.is_file():
        pytest.skip(f"the seed document is not there ({SEED}): ../shared is absent")
    return SEED


@dataclass
class OxigraphServer:
    """An Oxigraph server (the ``oxigraph`` package's binary) on a free loopback port."""

    url: str
    location: Path
    proc: subprocess.Popen[bytes]

    def clear(self) -> None:
        r = httpx.post(self.url + "/update", data={"update": "DROP ALL"}, timeout=30)
        assert r.status_code in (200, 204), r.text

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(30)


def oxigraph_binary() -> str | None:
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.is_file() else shutil.which("oxigraph")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_oxigraph(location: Path, port: int | None = None) -> OxigraphServer:
    """Start ``oxigraph serve`` on ``location`` and wait until it answers (or fail with its log)."""
    binary = oxigraph_binary()
    if binary is None:
        pytest.skip(
            "the Oxigraph server binary is not installed (pip install oxigraph==0.5.13, in the test extra)"
        )
    port = port or free_port()
    log = location.with_name(location.name + ".log")
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/query?query=ASK%7B%7D", proc, "oxigraph serve")
    except RuntimeError as exc:
        raise RuntimeError(f"{exc}: {log.read_text(errors='replace')[-2000:]}") from None
    return OxigraphServer(url, location, proc)


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """One Oxigraph server for the session; tests clear it before use."""
    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph") / "data")
    yield server
    server.stop()


VIRTUOSO_INI = """[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql}
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
DirsAllowed = ., {dir}

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {dir}
MaxClientConnections = 4
ServerThreads = 4

[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryExecutionTime = 120
"""


@dataclass
class VirtuosoServer:
    """Virtuoso Open Source 7 (Debian's virtuoso-opensource-7-bin) on free loopback ports."""

    url: str
    proc: subprocess.Popen[bytes]

    def store(self, base: str) -> RemoteStore:
        """A kg store there: the merge in a named graph (Virtuoso's default graph is every graph)."""
        endpoints = Endpoints.of(self.url, "/sparql", "/sparql", "/sparql-graph-crud")
        return RemoteStore(self.url, base, endpoints=endpoints, merged_graph=f"{base}graph/merged")

    def clear(self, base: str) -> None:
        """Drop kg's graphs (not Virtuoso's own, which it needs)."""
        store = self.store(base)
        graphs = [*store.named_graphs(), f"{base}graph/stats", f"{base}graph/merged"]
        store.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs))
        store.close()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    binary, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if binary is None or isql is None:
        pytest.skip(
            "Virtuoso is not installed (apt-get install virtuoso-opensource-7-bin; .ci/store-deps.sh)"
        )
    folder = tmp_path_factory.mktemp("virtuoso")
    sql, http = free_port(), free_port()
    (folder / "virtuoso.ini").write_text(VIRTUOSO_INI.format(dir=folder, sql=sql, http=http))
    log = (folder / "out.log").open("wb")
    proc = subprocess.Popen(
        [binary, "+configfile", str(folder / "virtuoso.ini"), "+foreground"],
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{http}"
    wait_http(url + "/sparql?query=ASK%7B%7D", proc, "virtuoso-t", timeout=120)
    grant = 'GRANT SPARQL_UPDATE TO "SPARQL";'
    subprocess.run([isql, f"127.0.0.1:{sql}", "dba", "dba", f"exec={grant}"], check=True, capture_output=True)
    yield VirtuosoServer(url, proc)
    proc.terminate()
    proc.wait(60)
    log.close()
