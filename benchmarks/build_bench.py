"""Build throughput against the naive way and the engine's limits, in one run (one command):

    python benchmarks/build_bench.py [--docs 1000] [--jobs 1 2] [--no-naive]

For each size, on seeded synthetic releases (``benchmarks/synthetic.py``):

* ``kg build`` with each ``--jobs``: documents per second (wall), CPU seconds per document (the
  process and its workers), peak RSS, store size on disk; then a no-op rebuild of the same folder;
* ``kg export --format nquads`` and ``kg validate`` of the built store;
* the engine's own floor: pyoxigraph ``bulk_load`` of the exported dump into a fresh store, and its
  ``dump``;
* the naive pipeline a user would write in an afternoon, in its own process: kg's extraction into
  one rdflib Dataset in memory, pyshacl over the merged graph, ``serialize`` to N-Quads.
(Builds into Oxigraph server and Virtuoso: ``store_bench.py --remote --virtuoso URL``.)

Ratios are printed against measurements of the same run; the machine is shared, so CPU seconds say
more than wall seconds. Times are whole processes, start-up (loading spaCy) included.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import generate

KG = [sys.executable, "-m", "kg"]


@dataclass
class Run:
    wall: float
    cpu: float
    rss_mb: float


def run(cmd: list[str], env: dict[str, str] | None = None) -> Run:
    """Run ``cmd`` to the end; wall time, CPU of it and its children, peak RSS (largest process)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)}: exit {code}")
    # wait4's usage covers the process and the children it waited for (its workers)
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def du(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


NAIVE = """
import sys
from pathlib import Path
from pyshacl import validate
from rdflib import Dataset, Graph, URIRef
from kg.ingest import discover, read_document
from kg.pipeline import process
from kg.validate import shapes_graph
base = "https://kg.example/id/"
ds = Dataset()
for path in discover([Path(sys.argv[1])]):
    doc = read_document(path)
    _, g = process(doc, base)
    named = ds.graph(URIRef(base + "graph/" + doc.doc_id))
    for t in g:
        named.add(t)
merged = Graph()  # the union of the named graphs (a Dataset's triples() reads its default graph only)
for s, p, o, _ in ds.quads((None, None, None, None)):
    merged.add((s, p, o))
assert len(merged) > 0, "the naive pipeline merged nothing"
conforms, _, _ = validate(merged, shacl_graph=shapes_graph(), inference="none")
Path(sys.argv[2]).write_bytes(ds.serialize(format="nquads", encoding="utf-8"))
"""


def engine_floor(dump: Path, tmp: Path) -> tuple[float, float]:
    """pyoxigraph's own bulk load of ``dump`` into a fresh store, and its dump of that store."""
    import pyoxigraph as ox

    folder = tmp / "floor"
    start = time.perf_counter()
    store = ox.Store(str(folder))
    store.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
    store.flush()
    load = time.perf_counter() - start
    start = time.perf_counter()
    store.dump(str(tmp / "floor.nq"), format=ox.RdfFormat.N_QUADS)
    out = time.perf_counter() - start
    del store
    shutil.rmtree(folder)
    return load, out


def machine() -> str:
    deps = ", ".join(f"{d} {version(d)}" for d in ("pyoxigraph", "rdflib", "pyshacl", "spacy"))
    return (
        f"{datetime.date.today()}, {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, kg {version('kg')}, {deps}; load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )


def bench(n: int, jobs: list[int], naive: bool, tmp: Path) -> list[tuple[str, str]]:
    docs = tmp / f"releases-{n}"
    generate(n, docs)
    rows: list[tuple[str, str]] = []
    base: Run | None = None
    best = float("inf")
    store = tmp / "store-1"
    for j in jobs:
        store = tmp / f"store-{j}"
        r = run(
            [
                *KG,
                "build",
                str(docs),
                "--store",
                str(store),
                "--quiet",
                *(["--jobs", str(j)] if j != 1 else []),
            ]
        )
        base = base or r
        best = min(best, r.wall)
        rows.append(
            (
                f"build --jobs {j}",
                f"{n / r.wall:.1f} docs/s, {1000 * r.cpu / n:.0f} ms CPU/doc, RSS {r.rss_mb:.0f} MB, "
                f"store {du(store):.0f} MB ({base.wall / r.wall:.2f}x --jobs {jobs[0]})",
            )
        )
    again = run([*KG, "build", str(docs), "--store", str(store), "--quiet"])
    rows.append(("no-op rebuild", f"{again.wall:.1f} s"))
    dump = tmp / "dump.nq"
    ex = run([*KG, "export", "--store", str(store), "--format", "nquads", "--output", str(dump), "--quiet"])
    va = run([*KG, "validate", "--store", str(store), "--quiet"])
    load, out = engine_floor(dump, tmp)
    rows.append(
        (
            "export (N-Quads)",
            f"{ex.wall:.1f} s, RSS {ex.rss_mb:.0f} MB, dump {dump.stat().st_size / 2**20:.0f} MB",
        )
    )
    rows.append(("validate", f"{va.wall:.1f} s, RSS {va.rss_mb:.0f} MB"))
    assert base is not None
    rows.append(
        (
            "pyoxigraph bulk_load + dump",
            f"{load:.1f} s + {out:.1f} s (kg build + export: {(base.wall + ex.wall) / (load + out):.1f}x)",
        )
    )
    if naive:
        nv = run([sys.executable, "-c", NAIVE, str(docs), str(tmp / "naive.nq")])
        rows.append(
            (
                "naive rdflib + pyshacl",
                f"{n / nv.wall:.1f} docs/s, RSS {nv.rss_mb:.0f} MB "
                f"(the fastest kg build: {nv.wall / best:.1f}x faster)",
            )
        )
    shutil.rmtree(docs)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, nargs="+", default=[1000])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--no-naive", action="store_true", help="skip the naive rdflib + pyshacl pipeline")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    for n in args.docs:
        with tempfile.TemporaryDirectory() as tmp:
            rows = bench(n, args.jobs, not args.no_naive, Path(tmp))
        print(f"\n| {n} documents | |\n|---|---|")
        for name, value in rows:
            print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
