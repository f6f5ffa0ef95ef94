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

The folder of the store may be shared, so neither side trusts what it finds there: the server
writes the file through a fresh ``mkstemp`` file (``O_EXCL``, mode 0600, an unpredictable name)
renamed into place, and ``kg build`` uses it only if it is a regular file (not a link) owned by
its own user and readable by no one else, naming a server on this machine's loopback.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import secrets
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

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
    fd, tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump({"url": url, "pid": os.getpid(), "secret": secret}, f)
        os.replace(tmp, target)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return secret


def withdraw(store: Path, secret: str) -> None:
    """Remove the handoff file if it is still this server's."""
    try:
        found = read(store)
    except StoreError:
        return
    if found is not None and found.secret == secret:
        with contextlib.suppress(OSError):
            path_for(store).unlink()


def read(store: Path) -> Handoff | None:
    """The handoff file beside ``store``, None when there is none. StoreError when there is one
    kg build must not trust (another user's, readable by others, a link, a remote URL)."""
    path = path_for(store)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(
            f"{path}: the server's handoff file cannot be opened ({exc.strerror}); remove it"
        ) from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
            raise StoreError(
                f"{path}: this handoff file is not one kg serve wrote for you (it must be your own regular "
                "file, readable by you only); it is not used: remove it"
            )
        raw = f.read(64 * 1024)
    try:
        data = json.loads(raw)
        found = Handoff(str(data["url"]), int(data["pid"]), str(data["secret"]))
    except (ValueError, KeyError, TypeError):
        return None
    if not _on_loopback(found.url):
        raise StoreError(
            f"{path}: the handoff file names {found.url!r}, not a server on this machine; not used"
        )
    return found


def _on_loopback(url: str) -> bool:
    """Whether ``url`` is plain http to a loopback address of this machine."""
    parts = urlsplit(url)
    try:
        return (
            parts.scheme == "http"
            and not parts.username
            and parts.hostname is not None
            and ipaddress.ip_address(parts.hostname).is_loopback
        )
    except ValueError:
        return parts.scheme == "http" and parts.hostname == "localhost" and not parts.username


def build_via_server(
    store: Path,
    busy: StoreInUse,
    files: list[Path],
    force: bool,
    link: bool,
    on_result: Callable[[DocResult], None],
    strict: bool = False,
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
    body = {
        "files": [str(f) for f in files],
        "cwd": str(Path.cwd()),
        "force": force,
        "link": link,
        "strict": strict,
    }
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
