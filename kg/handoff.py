"""``kg build`` beside a running ``kg serve``: the build is handed to the server.

RocksDB lets one process open a store read-write, and ``kg serve`` keeps its store open. So that
documents can be added while the server answers queries (as one loads data into a running
Fuseki), the server records where it listens in a file beside the store::

    <store parent>/.<store name>.serve.json    {"url": ..., "pid": ..., "secret": ...}

readable by its owner only (mode 0600). The secret (256 random bits, new at every start) is what
``POST /_kg/build`` asks for: whoever can read the file could open the store anyway, so it grants
nothing the file system did not. When ``kg build`` finds the store in use, it reads the file and
sends the server the list of files; the server runs the same pipeline in a thread, loads each
document in its own transaction, publishes a new snapshot for readers after each one, and streams
back one JSON line per document (``{"document": ...}``), then ``{"done": {store size}}`` or
``{"failed": message}``; ``kg build`` prints them as if it had done the work itself.

The file is removed when the server stops; a stale one (a killed server) is harmless: the store
is then not locked, so ``kg build`` opens it directly and never reads the file.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import StoreError, StoreInUse

if TYPE_CHECKING:  # the pipeline (spaCy, pyshacl) loads only when a build is handed over
    from kg.pipeline import BuildReport, DocResult

BUILD_PATH = "/_kg/build"


@dataclass(frozen=True)
class Handoff:
    url: str
    pid: int
    secret: str


def path_for(store: Path) -> Path:
    store = store.resolve()
    return store.parent / f".{store.name}.serve.json"


def local_url(host: str, port: int) -> str:
    """Where a process on this machine reaches a server bound to ``host``."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def publish(store: Path, url: str) -> str:
    """Write the handoff file for a server at ``url``; its fresh secret."""
    secret = secrets.token_urlsafe(32)
    target = path_for(store)
    tmp = target.with_name(target.name + f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"url": url, "pid": os.getpid(), "secret": secret}, f)
    os.replace(tmp, target)
    return secret


def withdraw(store: Path, secret: str) -> None:
    """Remove the handoff file if it is still this server's."""
    found = read(store)
    if found is not None and found.secret == secret:
        with contextlib.suppress(OSError):
            path_for(store).unlink()


def read(store: Path) -> Handoff | None:
    try:
        data = json.loads(path_for(store).read_text())
        return Handoff(str(data["url"]), int(data["pid"]), str(data["secret"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def build_via_server(
    store: Path,
    busy: StoreInUse,
    files: list[Path],
    force: bool,
    link: bool,
    on_result: Callable[[DocResult], None],
) -> tuple[BuildReport, dict[str, int], str]:
    """Hand a build to the server holding ``store``: the report, the store's size, the server URL.

    Raises ``busy`` again (with a hint) when no server stands behind the lock, and StoreError
    when the server does not answer or fails."""
    import httpx

    from kg.pipeline import BuildReport, DocResult

    found = read(store)
    if found is None:
        raise StoreInUse(
            f"{busy.message}; no kg serve has recorded itself in {path_for(store)}: "
            "wait for the other kg build to finish, or stop the process that holds the store"
        )
    # paths as given (they are recorded as the documents' sources), read from our directory
    body = {"files": [str(f) for f in files], "cwd": str(Path.cwd()), "force": force, "link": link}
    report = BuildReport()
    stats: dict[str, int] = {}
    try:
        with (
            httpx.Client(timeout=httpx.Timeout(30.0, read=None)) as client,
            client.stream(
                "POST",
                found.url + BUILD_PATH,
                json=body,
                headers={"Authorization": f"Bearer {found.secret}"},
            ) as response,
        ):
            if response.status_code != 200:
                response.read()
                raise StoreError(
                    f"{store}: the kg serve holding the store (pid {found.pid}, {found.url}) refused the "
                    f"build: HTTP {response.status_code}: {_message(response.text)}"
                )
            for line in response.iter_lines():
                if not line.strip():
                    continue
                item = json.loads(line)
                if "failed" in item:
                    raise StoreError(f"{store}: the build failed in kg serve ({found.url}): {item['failed']}")
                if "done" in item:
                    stats = {k: int(v) for k, v in item["done"].items()}
                elif "document" in item:
                    result = DocResult.from_json(item["document"])
                    report.results.append(result)
                    on_result(result)
    except httpx.HTTPError as exc:
        raise StoreError(
            f"{store}: the store is held by kg serve (pid {found.pid}) at {found.url}, which did not "
            f"answer ({type(exc).__name__}: {exc}); is it still running?"
        ) from None
    if not stats:
        raise StoreError(f"{store}: kg serve ({found.url}) ended the build without its summary; see its log")
    return report, stats, found.url


def _message(text: str) -> str:
    try:
        return str(json.loads(text)["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return text.strip()[:200]
