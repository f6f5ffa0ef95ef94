"""``kg build`` beside a running ``kg serve`` (kg.handoff): both as a user runs them, processes
and all. The build is handed to the server, readers keep being answered and see each document
whole, and the handoff cannot be used without the secret of the file beside the store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from rdflib import Literal

from kg import handoff
from tests.conftest import EXAMPLES, ROOT, kg
from tests.endpoint.conftest import free_port

SOURCES = "SELECT DISTINCT ?s WHERE { ?doc <http://purl.org/dc/terms/source> ?s }"
PEOPLE = "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a <https://kg.example/ontology#Person> }"


def people(url: str) -> int:
    r = httpx.get(url + "/sparql", params={"query": PEOPLE}, timeout=30)
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


@pytest.fixture()
def serving(tmp_path: Path) -> Iterator[tuple[Path, str, subprocess.Popen[bytes]]]:
    """``kg serve`` over an empty on-disk store, in its own process."""
    from kg.store import Store

    store, port = tmp_path / "store", free_port()
    Store(store, "https://kg.example/id/").flush()  # an empty store (closed again when collected)
    log = (tmp_path / "serve.log").open("wb")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg", "serve", "--store", str(store), "--port", str(port), "--workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            httpx.get(url + "/health", timeout=2)
            break
        except httpx.HTTPError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                log.close()
                err = (tmp_path / "serve.log").read_text()
                raise RuntimeError(f"kg serve did not start: {err}") from None
            time.sleep(0.1)
    yield store, url, proc
    proc.terminate()
    proc.wait(30)
    log.close()


def test_build_beside_a_server_is_handed_to_it(serving: tuple[Path, str, subprocess.Popen[bytes]]) -> None:
    store, url, _ = serving
    file = handoff.path_for(store)
    assert file.exists() and file.stat().st_mode & 0o777 == 0o600
    assert json.loads(file.read_text())["url"] == url
    assert people(url) == 0

    answers: list[int] = []
    stop = threading.Event()

    def read_all_along() -> None:
        while not stop.is_set():
            answers.append(people(url))

    reader = threading.Thread(target=read_all_along)
    reader.start()
    try:
        run = kg("build", EXAMPLES, "--store", store)
    finally:
        stop.set()
        reader.join(30)
    assert run.code == 0, run.err
    assert "documents: 2 (2 added)" in run.out
    assert f"in kg serve at {url}" in run.out and "violations: 0" in run.out
    assert "Person" in run.out  # the entity counts came back from the server
    after = people(url)
    assert after > 0
    # readers were answered all along, and only ever saw whole documents: 0, then one, then both
    assert answers and set(answers) <= {0, after} | set(range(1, after))
    assert answers == sorted(answers)

    again = kg("build", EXAMPLES, "--store", store)
    assert again.code == 0 and "documents: 2 (2 unchanged)" in again.out
    # a relative path is read from kg build's directory and recorded as given, as kg build does
    relative = kg("build", "examples", "--store", store, "--force", cwd=ROOT)
    assert relative.code == 0, relative.err
    sources = httpx.get(url + "/sparql", params={"query": SOURCES}, timeout=30).json()["results"]["bindings"]
    assert sorted(b["s"]["value"] for b in sources if not b["s"]["value"].startswith("/")) == [
        "examples/forum-statement.txt",
        "examples/pacific-dialogue.txt",
    ]


def test_a_bad_document_is_reported_through_the_server(
    serving: tuple[Path, str, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    store, _, _ = serving
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.txt").write_text("")
    run = kg("build", tmp_path / "in", "--store", store)
    assert run.code == 2
    assert "empty.txt" in run.err and "Traceback" not in run.err


def test_the_handoff_needs_the_secret(serving: tuple[Path, str, subprocess.Popen[bytes]]) -> None:
    _, url, _ = serving
    body = {"files": [str(EXAMPLES)], "cwd": "/", "force": False, "link": True}
    for headers in ({}, {"Authorization": "Bearer guessed"}):
        r = httpx.post(url + handoff.BUILD_PATH, json=body, headers=headers, timeout=30)
        assert r.status_code == 403 and "secret" in r.json()["error"]["message"]
    assert people(url) == 0


def test_the_file_goes_when_the_server_stops(serving: tuple[Path, str, subprocess.Popen[bytes]]) -> None:
    store, _, proc = serving
    proc.terminate()
    proc.wait(30)
    assert not handoff.path_for(store).exists()
    run = kg("build", EXAMPLES, "--store", store)  # the store is free again: built directly
    assert run.code == 0 and f"in {store}" in run.out


def test_a_lock_with_no_server_behind_it_says_so(tmp_path: Path) -> None:
    from kg.store import Store

    store = tmp_path / "store"
    holder = Store(store, "https://kg.example/id/")  # another writer, not a server
    try:
        run = kg("build", EXAMPLES, "--store", store)
    finally:
        del holder
    assert run.code == 2 and "Traceback" not in run.err
    assert "in use by another process" in run.err and "no kg serve has recorded itself" in run.err


def test_the_handoff_file_is_made_safely(tmp_path: Path) -> None:
    """Issue 10, finding 7: the temporary file had a predictable name and no O_EXCL, so another
    user could pre-create it world-readable and read the secret."""
    store = tmp_path / "store"
    planted = handoff.path_for(store).with_name(handoff.path_for(store).name + f".{os.getpid()}.tmp")
    planted.write_text("")
    planted.chmod(0o666)
    secret = handoff.publish(store, "http://127.0.0.1:8000")
    assert planted.read_text() == ""  # not written through
    file = handoff.path_for(store)
    assert file.stat().st_mode & 0o777 == 0o600 and not file.is_symlink()
    found = handoff.read(store)
    assert found is not None and found.secret == secret
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == [planted.name]


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda f: f.chmod(0o644), "readable by you only"),
        (
            lambda f: f.write_text(json.dumps({"url": "http://10.1.2.3:8000", "pid": 1, "secret": "s"})),
            "not a server on this machine",
        ),
        (
            lambda f: f.write_text(
                json.dumps({"url": "http://127.0.0.1@example.org/", "pid": 1, "secret": "s"})
            ),
            "not a server",
        ),
    ],
    ids=["world-readable", "remote", "userinfo"],
)
def test_kg_build_trusts_only_its_own_file_naming_loopback(tmp_path: Path, change, needle) -> None:
    from kg.errors import StoreError

    store = tmp_path / "store"
    handoff.publish(store, "http://127.0.0.1:8000")
    file = handoff.path_for(store)
    change(file)
    with pytest.raises(StoreError, match=needle):
        handoff.read(store)


def test_a_link_in_the_handoff_place_is_not_followed(tmp_path: Path) -> None:
    from kg.errors import StoreError

    store = tmp_path / "store"
    target = tmp_path / "elsewhere.json"
    handoff.publish(tmp_path / "other", "http://127.0.0.1:8000")
    handoff.path_for(tmp_path / "other").rename(target)
    handoff.path_for(store).symlink_to(target)
    with pytest.raises(StoreError, match="cannot be opened"):
        handoff.read(store)


def test_quarantine_and_strict_come_back_through_the_server(
    live_factory: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The server here runs in this process (a thread), so a graph broken on purpose is broken in
    the build it runs: the quarantined outcome, its statements and --strict cross the handoff."""
    import kg.pipeline
    from kg.errors import StoreInUse
    from kg.ingest import discover
    from kg.namespaces import KG
    from kg.store import Store

    real = kg.pipeline.rdfize

    def rdfize(resolution: Any) -> Any:
        graph = real(resolution)
        if resolution.extraction.document.source.endswith("forum-statement.txt"):
            for tenure in list(graph.subjects(predicate=None, object=KG.Tenure)):
                graph.set((tenure, KG.status, Literal("sort-of")))
        return graph

    monkeypatch.setattr(kg.pipeline, "rdfize", rdfize)
    store = tmp_path / "store"
    live = live_factory("handoff-quarantine", store=Store(store, "https://kg.example/id/"))
    live.app.state.endpoint.build_secret = handoff.publish(store, live.url)
    files = discover([EXAMPLES])
    seen: list[Any] = []
    report, _, _ = handoff.build_via_server(store, StoreInUse("held"), files, False, False, seen.append)
    outcomes = {Path(r.source).name: r.outcome for r in report.results}
    assert outcomes == {"forum-statement.txt": "quarantined", "pacific-dialogue.txt": "added"}
    assert report.exit_code == 1 and report.quarantined
    assert all(q.object == '"sort-of"' for _, q in report.quarantined)
    strict, _, _ = handoff.build_via_server(
        store, StoreInUse("held"), files, True, False, seen.append, strict=True
    )
    assert {Path(r.source).name: r.outcome for r in strict.results}["forum-statement.txt"] == "invalid"
