"""The store side, measured against the engine's own limits in the same run (one command):

    python -m benchmarks.store_bench [--docs 420] [--remote] [--virtuoso http://127.0.0.1:8890]

* load: kg's per-document writes (``Store.put_document``: named graph, merge, counts, one
  transaction each) against pyoxigraph's ``bulk_load`` of the same quads;
* export: ``kg export --format nquads`` (sorted, streaming) against pyoxigraph's ``dump``;
* restore: ``kg restore`` of that dump against ``bulk_load`` of the same file;
* size on disk after the build against the N-Quads dump; ``stats()`` (kept counts) against a
  count by the engine; the open of a store whose build was killed;
* with ``--remote``: the same writes into Oxigraph server (the ``oxigraph`` binary, started on
  loopback) against the embedded store; with ``--virtuoso URL``, into a running Virtuoso 7.

Documents are generated as quads (seeded): about 1,220 distinct triples each, with people, States
and organisations shared across documents as in press releases, so the merge deduplicates.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import httpx
import pyoxigraph as ox

from kg.export import export
from kg.restore import restore
from kg.store import DEFAULT, Endpoints, RemoteStore, Store, doc_graph_iri

BASE = "https://kg.example/id/"
ONTO = "https://kg.example/ontology#"
WORDS = [
    "the",
    "council",
    "representative",
    "general",
    "assembly",
    "said",
    "of",
    "delegates",
    "ocean",
    "climate",
]
NQ = ox.RdfFormat.N_QUADS


def document(i: int) -> list[ox.Triple]:
    """One synthetic document's triples (about 1,220)."""
    rng = random.Random(i)
    n = ox.NamedNode
    people = [n(f"{BASE}person/p{rng.randrange(4000)}") for _ in range(25)]
    states = [n(f"{BASE}state/s{rng.randrange(190)}") for _ in range(8)]
    shared = people + states
    out: list[ox.Triple] = []
    for e in shared:  # the entity facts every document that names them repeats
        out.append(ox.Triple(e, n("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), n(ONTO + "Agent")))
        out.append(ox.Triple(e, n("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal(e.value[-5:])))
    k = 0
    while len(out) < 1220:
        st = n(f"{BASE}statement/{i}-{k}")
        ev = n(f"{BASE}evidence/{i}-{k}")
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(8, 30)))
        out += [
            ox.Triple(st, n(ONTO + "subject"), rng.choice(shared)),
            ox.Triple(st, n(ONTO + "object"), rng.choice(shared)),
            ox.Triple(st, n(ONTO + "predicate"), n(ONTO + rng.choice(["holds", "represents", "chairs"]))),
            ox.Triple(ev, n(ONTO + "body"), st),
            ox.Triple(ev, n(ONTO + "exact"), ox.Literal(sentence)),
            ox.Triple(ev, n(ONTO + "start"), ox.Literal(str(rng.randrange(5000)), datatype=n(XSD_INT))),
        ]
        k += 1
    return out


XSD_INT = "http://www.w3.org/2001/XMLSchema#integer"


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_embedded(work: Path, docs: list[list[ox.Triple]]) -> dict[str, float]:
    """kg's writes, counts, export and size; the same quads through the engine's own bulk paths."""
    got: dict[str, float] = {}
    store = Store(work / "kg", BASE)
    got["load"] = timed(
        lambda: [store.put_document(f"{i:08x}", f"doc-{i}.txt", d) for i, d in enumerate(docs)]
    )
    store.flush()
    got["stats"] = timed(store.stats)
    got["count"] = timed(store.count)
    stats = store.stats()
    got["quads"], got["triples"] = stats.quads, stats.default_triples
    with (work / "kg.nq").open("wb") as out:
        got["export"] = timed(lambda: export(store, "nquads", out))
    store.close()
    got["size"] = du(work / "kg")
    got["dump_size"] = (work / "kg.nq").stat().st_size
    same = work / "same.nq"
    with same.open("wb") as out:
        for i, d in enumerate(docs):
            g = ox.NamedNode(doc_graph_iri(BASE, f"{i:08x}"))
            for graph in (g, DEFAULT):
                ox.serialize([ox.Quad(t.subject, t.predicate, t.object, graph) for t in d], out, NQ)
    engine = ox.Store(str(work / "engine"))
    got["bulk_load"] = timed(lambda: engine.bulk_load(path=str(same), format=NQ))
    got["dump"] = timed(lambda: engine.dump(str(work / "engine.nq"), format=NQ))
    return got


def restore_vs_bulk_load(work: Path) -> tuple[float, float]:
    dump = work / "kg.nq"
    ours = timed(lambda: restore(dump, work / "restored", BASE))
    fresh = ox.Store(str(work / "bulk-of-dump"))
    theirs = timed(lambda: fresh.bulk_load(path=str(dump), format=NQ))
    return ours, theirs


def peak_rss_mb(code: str) -> float:
    """Peak RSS (MB) of ``code`` run in a fresh interpreter: its VmHWM, which starts again at the
    exec (getrusage's maxrss would carry the parent's figure over the fork)."""
    report = "; print(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])"
    out = subprocess.run([sys.executable, "-c", code + report], check=True, capture_output=True, text=True)
    return int(out.stdout.split()[-1]) / 1024


def export_peak_rss(store: Path) -> tuple[float, float]:
    """Peak RSS (MB) of kg export of ``store``, and of pyoxigraph's dump of the same store (into a
    file beside it: pyoxigraph cannot dump into /dev/null)."""
    ours = (
        "from pathlib import Path; from kg.store import Store; from kg.export import export; "
        f"export(Store(Path({str(store)!r}), {BASE!r}, read_only=True), 'nquads', open('/dev/null', 'wb'))"
    )
    theirs = (
        f"import pyoxigraph as ox; ox.Store.read_only({str(store)!r})"
        f".dump({str(store.with_suffix('.dump.nq'))!r}, format=ox.RdfFormat.N_QUADS)"
    )
    return peak_rss_mb(ours), peak_rss_mb(theirs)


def open_after_kill(work: Path, seconds: float) -> float:
    """Seconds to open a store whose build was killed after ``seconds`` of writing."""
    killed = work / "killed"
    code = (
        "from pathlib import Path; import benchmarks.store_bench as b; from kg.store import Store; "
        f"s = Store(Path({str(killed)!r}), {BASE!r}); "
        "[s.put_document(f'{i:08x}', f'doc-{i}.txt', b.document(i)) for i in range(10**6)]"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1])
    time.sleep(seconds)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return timed(lambda: Store(killed, BASE).close())


def load_into_oxigraph_server(work: Path, docs: list[list[ox.Triple]]) -> float | None:
    binary = Path(sys.executable).parent / "oxigraph"
    if not binary.is_file():
        return None
    port = free_port()
    server = subprocess.Popen(
        [str(binary), "serve", "--location", str(work / "oxserver"), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                httpx.get(url + "/query", params={"query": "ASK {}"}, timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        remote = RemoteStore(url, BASE)
        remote.ensure_counts()
        seconds = timed(
            lambda: [remote.put_document(f"{i:08x}", f"doc-{i}.txt", d) for i, d in enumerate(docs)]
        )
        remote.close()
        return seconds
    finally:
        server.terminate()
        server.wait()


def load_into_virtuoso(url: str, docs: list[list[ox.Triple]]) -> float:
    """The same writes into a running Virtuoso 7 (its data endpoints; the merge in a named graph)."""
    endpoints = Endpoints.of(url, "/sparql", "/sparql", "/sparql-graph-crud")
    remote = RemoteStore(url, BASE, endpoints=endpoints, merged_graph=f"{BASE}graph/merged")
    remote.ensure_counts()
    seconds = timed(lambda: [remote.put_document(f"{i:08x}", f"doc-{i}.txt", d) for i, d in enumerate(docs)])
    remote.close()
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=420, help="documents (420: about 1M quads with the merge)")
    ap.add_argument("--remote", action="store_true", help="also write into Oxigraph server")
    ap.add_argument(
        "--virtuoso",
        metavar="URL",
        help='also write into the Virtuoso 7 at URL (empty, with GRANT SPARQL_UPDATE TO "SPARQL")',
    )
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kg-store-bench-"))
    docs = [document(i) for i in range(args.docs)]
    try:
        m = build_embedded(work, docs)
        restore_s, bulk_dump_s = restore_vs_bulk_load(work)
        peak, dump_peak = export_peak_rss(work / "restored")
        opened = open_after_kill(work, min(20.0, m["load"] / 2))
        remote_s = load_into_oxigraph_server(work, docs) if args.remote else None
        virtuoso_s = load_into_virtuoso(args.virtuoso, docs) if args.virtuoso else None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    n = args.docs
    rows = [
        (
            "load: put_document, all docs",
            f"{m['load']:.1f} s",
            f"bulk_load {m['bulk_load']:.1f} s",
            m["load"] / m["bulk_load"],
        ),
        (
            "  per document",
            f"{m['load'] / n * 1000:.1f} ms",
            f"bulk_load {m['bulk_load'] / n * 1000:.1f} ms",
            None,
        ),
        (
            "export nquads (sorted)",
            f"{m['export']:.1f} s",
            f"dump {m['dump']:.1f} s",
            m["export"] / m["dump"],
        ),
        (
            "load + export",
            f"{m['load'] + m['export']:.1f} s",
            f"{m['bulk_load'] + m['dump']:.1f} s",
            (m["load"] + m["export"]) / (m["bulk_load"] + m["dump"]),
        ),
        (
            "restore of the dump",
            f"{restore_s:.1f} s",
            f"bulk_load {bulk_dump_s:.1f} s",
            restore_s / bulk_dump_s,
        ),
        (
            "size on disk after build",
            f"{m['size'] / 1e6:.0f} MB",
            f"dump {m['dump_size'] / 1e6:.0f} MB",
            m["size"] / m["dump_size"],
        ),
        (
            "stats() from kept counts",
            f"{m['stats'] * 1000:.1f} ms",
            f"engine count {m['count'] * 1000:.0f} ms",
            m["stats"] / m["count"],
        ),
        ("export peak RSS", f"{peak:.0f} MB", f"dump {dump_peak:.0f} MB", peak / dump_peak),
        ("open after kill -9 mid-build", f"{opened:.2f} s", "", None),
    ]
    if args.remote:
        if remote_s is None:
            rows.append(("Oxigraph server", "not run: no oxigraph binary beside python", "", None))
        else:
            rows.append(
                (
                    "load into Oxigraph server",
                    f"{remote_s:.1f} s",
                    f"embedded {m['load']:.1f} s",
                    m["load"] / remote_s,
                )
            )
    if virtuoso_s is not None:
        rows.append(
            (
                "load into Virtuoso 7",
                f"{virtuoso_s:.1f} s",
                f"embedded {m['load']:.1f} s",
                m["load"] / virtuoso_s,
            )
        )
    print(
        f"# kg store benchmark, {datetime.date.today()}, {platform.node()}: {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, pyoxigraph {version('pyoxigraph')}"
    )
    print(f"# {n} documents, {int(m['quads'])} quads ({int(m['triples'])} distinct triples in the merge)")
    print("| measure | kg | baseline | ratio |\n|---|---|---|---|")
    for name, ours, baseline, ratio in rows:
        print(f"| {name} | {ours} | {baseline} | {'' if ratio is None else f'{ratio:.2f}x'} |")


if __name__ == "__main__":
    main()
