# ruff: noqa: E501
"""kg serve under overload, beside `oxigraph serve` on the same data, loopback only.

    PYTHONPATH=. python benchmarks/endpoint_overload.py --size 100000

Two measurements per server (the stores and the query mix of ``endpoint_bench``):

* ``wrk -c200`` for ``--duration`` seconds on the lookup mix: every response's status is counted
  (a wrk Lua script); the target is that each is a 200 or an announced 503 (with Retry-After).
* a probe (a point lookup) sent ``--probes`` times, one after the other, while two runaway
  queries (as many as kg's general workers on two cores) run: its p50 and p99.

Needs wrk and `oxigraph` in /tmp/bench-oxigraph (see ``endpoint_bench``).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import endpoint_bench as bench
import endpoint_corpus as corpus

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"

STATUS_LUA = """
local paths = {}
for line in io.lines("%(listing)s") do paths[#paths + 1] = line end
local i = math.random(#paths)
local threads = {}
wrk.headers["Accept"] = "%(accept)s"
setup = function(thread) table.insert(threads, thread) end
init = function(args) statuses = {} ; retry = 0 end
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 503 and (headers["Retry-After"] or headers["retry-after"]) then retry = retry + 1 end
end
done = function(summary, latency, requests)
  local total, announced = {}, 0
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do total[k] = (total[k] or 0) + v end
    announced = announced + t:get("retry")
  end
  for k, v in pairs(total) do io.write(string.format("STATUS %%d %%d\\n", k, v)) end
  io.write(string.format("ANNOUNCED %%d\\nERRORS %%d\\nP99 %%f\\n", announced,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(99) / 1000))
end
"""


def overload(url: str, paths: list[str], duration: int, folder: Path) -> dict[str, object]:
    listing = folder / "overload-paths.txt"
    listing.write_text("\n".join(paths) + "\n")
    script = folder / "overload.lua"
    script.write_text(STATUS_LUA % {"listing": listing, "accept": bench.ACCEPT})
    out = bench.run_wrk(url, script, duration, 200)
    statuses = {int(a): int(b) for a, b in re.findall(r"STATUS (\d+) (\d+)", out)}
    return {
        "statuses": statuses,
        "announced_503": int(re.search(r"ANNOUNCED (\d+)", out).group(1)),  # type: ignore[union-attr]
        "socket_errors": int(re.search(r"ERRORS (\d+)", out).group(1)),  # type: ignore[union-attr]
        "p99_ms": float(re.search(r"P99 ([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
    }


def probe_beside_runaways(url: str, probe: str, probes: int) -> tuple[float, float, int]:
    """Two runaways in the background, then ``probes`` probes one after another: p50, p99 (ms)
    and how many probes were not answered 200."""
    stop = threading.Event()

    def runaway() -> None:
        while not stop.is_set():
            try:
                bench.get(url + "?" + urllib.parse.urlencode({"query": RUNAWAY}))
            except OSError:  # the server was stopped under it
                return

    threads = [threading.Thread(target=runaway, daemon=True) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(2)  # (a benchmark, not a test: let both runaways reach the workers)
    times: list[float] = []
    failed = 0
    for _ in range(probes):
        started = time.perf_counter()
        status, _ = bench.get(url + probe)
        times.append((time.perf_counter() - started) * 1000)
        failed += status != 200
    stop.set()
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))], failed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--probes", type=int, default=100)
    ap.add_argument("--servers", default="kg,oxigraph")
    ap.add_argument("--keep", type=Path, default=None)
    args = ap.parse_args()
    tmp = args.keep or Path(tempfile.mkdtemp(prefix="kg-overload-"))
    folder = tmp / f"n{args.size}"
    nt, _, store = bench.corpus_store(args.size, folder)
    print(
        f"# machine: {platform.machine()}, {os.cpu_count()} cores; corpus {args.size:,} triples; wrk -c200 {args.duration}s"
    )
    for name in args.servers.split(","):
        srv_store = store if name == "kg" else folder / "store-oxigraph"
        if name != "kg" and not srv_store.exists():
            import shutil

            shutil.copytree(store, srv_store)
        proc, url = bench.start(name, nt, srv_store, bench.free_port(), 0)
        try:
            bench.wait_ready(url + "?query=ASK%7B%7D")
            paths = corpus.request_paths("/" + url.rsplit("/", 1)[1], corpus.query_mix(args.size, "lookup"))
            loaded = overload(url, paths, args.duration, folder)
            probe = paths[0][len("/" + url.rsplit("/", 1)[1]) :]
            p50, p99, failed = probe_beside_runaways(url, probe, args.probes)
            print(f"{name}: wrk -c200: {loaded}")
            print(
                f"{name}: probe beside two runaways: p50 {p50:.1f} ms, p99 {p99:.1f} ms, {failed} of {args.probes} not 200"
            )
        finally:
            proc.kill()
            proc.wait(30)


if __name__ == "__main__":
    main()
