"""``kg build --jobs N`` against ``--jobs 1`` (the baseline, measured in the same run).

    PYTHONPATH=. python benchmarks/parallel_build.py [--copies 100] [--jobs 2] [--repeat 3]

The documents are the bundled examples, ``--copies`` variants of each (another issue date and a
closing reference line, so every one is a new document), written to a temporary folder. Each pass
runs the installed CLI (``python -m kg build DOCS --store NEW --quiet``) as a user would: startup,
pipeline loading, offline linking included. Printed per setting: the best and median wall time, the
CPU time of the build and its workers (user + system), and the ratio of wall times; with the
machine's cores and load average before and after, since on a shared machine other processes take
their share. Not an assertion: the numbers are printed.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_documents(folder: Path, copies: int) -> int:
    n = 0
    for src in sorted((ROOT / "examples").glob("*.txt")):
        text = src.read_text(encoding="utf-8")
        for i in range(copies):
            day, year = 1 + i % 28, 2010 + i // 28
            new = re.sub(r"^\d+ (\w+) \d{4}", rf"{day} \1 {year}", text, count=1)
            (folder / f"{src.stem}-{i:03d}.txt").write_text(f"{new}\nReference {src.stem}/{i:03d}.\n")
            n += 1
    return n


def one_build(docs: Path, store: Path, jobs: int) -> tuple[float, float]:
    """Wall and CPU seconds (this build's processes: the CLI and its workers) of one build."""
    shutil.rmtree(store, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("KG_")}, "PYTHONPATH": str(ROOT)}
    cmd = [
        sys.executable,
        "-m",
        "kg",
        "build",
        str(docs),
        "--store",
        str(store),
        "--quiet",
        "--jobs",
        str(jobs),
    ]
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=100, help="variants of each example (default 100)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes to compare with 1 (default 2)")
    parser.add_argument("--repeat", type=int, default=3, help="passes per setting, alternating (default 3)")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {len(os.sched_getaffinity(0))} cores, Python "
        f"{platform.python_version()}, kg {version('kg')}, pyoxigraph {version('pyoxigraph')}, "
        f"spaCy {version('spacy')}"
    )
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    with tempfile.TemporaryDirectory(prefix="kg-parallel-bench-") as tmp:
        docs = Path(tmp) / "docs"
        docs.mkdir()
        print(f"documents: {write_documents(docs, args.copies)}")
        runs: dict[int, list[tuple[float, float]]] = {1: [], args.jobs: []}
        for _ in range(args.repeat):  # alternating, so that a change in the machine's load hits both
            for jobs in runs:
                runs[jobs].append(one_build(docs, Path(tmp) / "store", jobs))
    print("load average after:  {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    best = {}
    for jobs, measured in runs.items():
        walls = [w for w, _ in measured]
        cpus = [c for _, c in measured]
        best[jobs] = min(walls)
        print(
            f"--jobs {jobs}: wall best {min(walls):.1f} s, median {statistics.median(walls):.1f} s; "
            f"CPU median {statistics.median(cpus):.1f} s ({', '.join(f'{w:.1f}' for w in walls)})"
        )
    print(f"ratio (best wall, --jobs 1 / --jobs {args.jobs}): {best[1] / best[args.jobs]:.2f}x")


if __name__ == "__main__":
    main()
