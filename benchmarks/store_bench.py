"""The store side, measured against the engine's own limits in the same run (one command):

    python benchmarks/store_bench.py [--docs 420] [--remote] [--virtuoso]

* load: kg's per-document writes (``Store.put_document``: named graph, merge, counts, one
  transaction each) against pyoxigraph's ``bulk_load`` of the same quads;
* export: ``kg export --format nquads`` (sorted, streaming) against pyoxigraph's ``dump``;
* restore: ``kg restore`` of that dump against ``bulk_load`` of the same file;
* size on disk after the build against the N-Quads dump; ``stats()`` (kept counts) against a
  count by the engine; the open of a store whose build was killed;
* with ``--remote``: the same writes into Oxigraph server (the ``oxigraph`` binary, started on
  loopback) against the embedded store. ``--virtuoso`` says whether Virtuoso can be measured here.

Documents are generated as quads (seeded): about 1,220 distinct triples each, with people, States
and organisations shared across documents as in press releases, so the merge deduplicates.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pyoxigraph as ox

from kg.export import export
from kg.restore import restore
from kg.store import DEFAULT, RemoteStore, Store, doc_graph_iri

BASE = "https://kg.example/id/"
ONTO = "https://kg.example/ontology#"
WORDS = "the council representative general assembly said of delegates ocean climate report meeting".split()


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


def child_peak_rss_mb(code: str) -> tuple[float, float]:
    """Run ``code`` in a fresh interpreter: (seconds, peak RSS in MB)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    seconds = time.perf_counter() - start
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=420, help="documents (420: about 1M quads with the merge)")
    ap.add_argument("--remote", action="store_true", help="also write into Oxigraph server")
    ap.add_argument("--virtuoso", action="store_true", help="also try Virtuoso (isql on PATH)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kg-store-bench-"))
    docs = [document(i) for i in range(args.docs)]
    rows: list[tuple[str, str, str, str]] = []

    # -- load --------------------------------------------------------------------------------
    store = Store(work / "kg", BASE)
    load_s = timed(lambda: [store.put_document(f"{i:08x}", f"doc-{i}.txt", d) for i, d in enumerate(docs)])
    store.flush()
    stats_s = timed(store.stats)
    count_s = timed(store.count)
    stats = store.stats()
    dump_nq = work / "kg.nq"
    with dump_nq.open("wb") as out:
        export_s = timed(lambda: export(store, "nquads", out))
    store.close()
    size_kg = du(work / "kg")

    engine = ox.Store(str(work / "engine"))
    raw = work / "same.nq"
    ox.Store(str(work / "tmp")).bulk_load  # noqa: B018 (nothing: the line documents the API)
    with raw.open("wb") as out:
        for i, d in enumerate(docs):
            g = ox.NamedNode(doc_graph_iri(BASE, f"{i:08x}"))
            ox.serialize([ox.Quad(t.subject, t.predicate, t.object, g) for t in d], out, ox.RdfFormat.N_QUADS)
            ox.serialize([ox.Quad(t.subject, t.predicate, t.object, DEFAULT) for t in d], out, ox.RdfFormat.N_QUADS)
    bulk_s = timed(lambda: engine.bulk_load(path=str(raw), format=ox.RdfFormat.N_QUADS))
    dump_s = timed(lambda: engine.dump(str(work / "engine.nq"), format=ox.RdfFormat.N_QUADS))
    del engine

    per_doc = load_s / args.docs * 1000
    rows.append(("load (put_document per doc)", f"{load_s:.1f} s", f"bulk_load {bulk_s:.1f} s", f"{load_s / bulk_s:.2f}x"))
    rows.append(("  per document", f"{per_doc:.1f} ms", f"bulk_load {bulk_s / args.docs * 1000:.1f} ms", ""))
    rows.append(("export nquads (sorted)", f"{export_s:.1f} s", f"dump {dump_s:.1f} s", f"{export_s / dump_s:.2f}x"))
    rows.append(
        ("load + export", f"{load_s + export_s:.1f} s", f"{bulk_s + dump_s:.1f} s", f"{(load_s + export_s) / (bulk_s + dump_s):.2f}x")
    )

    # -- restore -----------------------------------------------------------------------------
    restore_s = timed(lambda: restore(dump_nq, work / "restored", BASE))
    fresh = ox.Store(str(work / "bulk-of-dump"))
    bulk_dump_s = timed(lambda: fresh.bulk_load(path=str(dump_nq), format=ox.RdfFormat.N_QUADS))
    del fresh
    rows.append(("restore of the dump", f"{restore_s:.1f} s", f"bulk_load {bulk_dump_s:.1f} s", f"{restore_s / bulk_dump_s:.2f}x"))
    rows.append(
        ("size on disk after build", f"{size_kg / 1e6:.0f} MB", f"dump {dump_nq.stat().st_size / 1e6:.0f} MB", f"{size_kg / dump_nq.stat().st_size:.2f}x")
    )
    rows.append(("stats() (kept counts)", f"{stats_s * 1000:.1f} ms", f"engine count {count_s * 1000:.0f} ms", f"{stats_s / count_s:.3f}x"))

    # -- export memory: flat with store size -----------------------------------------------------
    code = (
        "import sys; from kg.store import Store; from kg.export import export; "
        f"s = Store(__import__('pathlib').Path({str(work / 'restored')!r}), {BASE!r}, read_only=True); "
        "export(s, 'nquads', open('/dev/null', 'wb'))"
    )
    _, peak = child_peak_rss_mb(code)
    rows.append(("export peak RSS", f"{peak:.0f} MB", f"dump file {dump_nq.stat().st_size / 1e6:.0f} MB", ""))

    # -- open after a killed build -------------------------------------------------------------
    killed = work / "killed"
    code = (
        "import random; from pathlib import Path; import benchmarks.store_bench as b; from kg.store import Store; "
        f"s = Store(Path({str(killed)!r}), {BASE!r}); "
        "[s.put_document(f'{i:08x}', f'doc-{i}.txt', b.document(i)) for i in range(10**6)]"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1])
    time.sleep(min(20.0, load_s / 2))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    open_s = timed(lambda: Store(killed, BASE).close())
    rows.append(("open after kill -9 mid-build", f"{open_s:.2f} s", "", ""))

    # -- remote ----------------------------------------------------------------------------------
    if args.remote:
        binary = Path(sys.executable).parent / "oxigraph"
        if not binary.is_file():
            rows.append(("Oxigraph server", "not run: no oxigraph binary (pip install oxigraph)", "", ""))
        else:
            port = free_port()
            server = subprocess.Popen(
                [str(binary), "serve", "--location", str(work / "oxserver"), "--bind", f"127.0.0.1:{port}"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            url = f"http://127.0.0.1:{port}"
            for _ in range(600):
                try:
                    httpx.get(url + "/query", params={"query": "ASK {}"}, timeout=2)
                    break
                except httpx.HTTPError:
                    time.sleep(0.05)
            remote = RemoteStore(url, BASE)
            remote.ensure_counts()
            remote_s = timed(
                lambda: [remote.put_document(f"{i:08x}", f"doc-{i}.txt", d) for i, d in enumerate(docs)]
            )
            assert remote.stats() == stats, (remote.stats(), stats)
            remote.close()
            server.terminate()
            server.wait()
            rows.append(
                ("load into Oxigraph server", f"{remote_s:.1f} s", f"embedded {load_s:.1f} s", f"{load_s / remote_s:.2f}x of embedded throughput")
            )
    if args.virtuoso:
        isql = shutil.which("isql-vt") or shutil.which("isql")
        rows.append(("Virtuoso", "not run: " + ("no virtuoso-t on PATH" if isql is None else "see README"), "", ""))

    print(f"# kg store benchmark, {datetime.date.today()}, {platform.node()}: {platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, pyoxigraph {ox.__version__ if hasattr(ox, '__version__') else '0.5.13'}")
    print(f"# {args.docs} documents, {stats.quads} quads ({stats.default_triples} distinct triples in the merge)")
    print(f"| {'measure':<30} | {'kg':<14} | {'baseline':<24} | ratio |")
    print(f"|{'-' * 32}|{'-' * 16}|{'-' * 26}|-------|")
    for name, kg_value, base_value, ratio in rows:
        print(f"| {name:<30} | {kg_value:<14} | {base_value:<24} | {ratio} |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
