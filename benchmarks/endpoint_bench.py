# ruff: noqa: E501
"""kg serve vs `oxigraph serve` vs rdflib-endpoint: same data, same query mix, one run, loopback only.

    PYTHONPATH=. python benchmarks/endpoint_bench.py --sizes 100000,1000000 --duration 20

Needs wrk (Debian package; a bounded Python client is used without it) and two throwaway venvs
that are not project dependencies:

    python3 -m venv /tmp/bench-oxigraph && /tmp/bench-oxigraph/bin/pip install oxigraph
    python3 -m venv /tmp/bench-rdflib && /tmp/bench-rdflib/bin/pip install rdflib-endpoint uvicorn

Two query mixes (``--mixes``, see ``endpoint_corpus.query_mix``): ``lookup`` (point lookups, well
under a millisecond each in Oxigraph: it measures per-request overhead) and ``analyst`` (sorts,
groups and scans: evaluation dominates; at 100k triples Oxigraph serves it at about the rate the
issue measured, 270-330 req/s with a p99 near 60 ms).

Prints the machine, versions, one row per (size, mix, server) and the ratios the issue sets as targets;
then streams a million-row SELECT from kg serve and reports its memory (server + workers).

With ``--rounds N`` every server is loaded N times, the servers taking turns (kg, oxigraph, ...,
kg, oxigraph, ...), so that a neighbour's job on a shared machine slows all of them alike; the
table shows the median round and the spread (min-max), and the ratios are medians of the ratios
within each round.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))
import endpoint_corpus as corpus

HOST = "127.0.0.1"
ACCEPT = "application/sparql-results+json, text/turtle;q=0.9"
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Result:
    size: int
    mix: str
    server: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    round: int = 0


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, timeout: float = 900) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"{url}: status {e.code}") from None
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


def get(url: str) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers={"Accept": ACCEPT})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def start(
    server: str, data: Path, store: Path, port: int, workers: int
) -> tuple[subprocess.Popen[bytes], str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if server == "kg":
        code = (
            "import sys; from pathlib import Path; from kg.settings import Settings; from kg.endpoint import run; "
            f"run(Settings(store=Path({str(store)!r}), host='{HOST}', port={port}, workers={workers}))"
        )
        cmd = [sys.executable, "-c", code]
        path = "/sparql"
    elif server == "plain":
        cmd = [sys.executable, str(Path(__file__).with_name("endpoint_plain_app.py")), str(store), str(port)]
        path = "/sparql"
    elif server == "oxigraph":
        cmd = [
            "/tmp/bench-oxigraph/bin/oxigraph",
            "serve-read-only",
            "--location",
            str(store),
            "--bind",
            f"{HOST}:{port}",
        ]
        path = "/query"
    else:
        cmd = [
            "/tmp/bench-rdflib/bin/rdflib-endpoint",
            "serve",
            str(data),
            "--host",
            HOST,
            "--port",
            str(port),
        ]
        path = "/"
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return proc, f"http://{HOST}:{port}{path}"


def wrk(
    url: str, paths: list[str], duration: int, connections: int, tmp: Path
) -> tuple[float, float, float, int, int]:
    script = tmp / "mix.lua"
    listing = tmp / "paths.txt"
    listing.write_text("\n".join(paths) + "\n")
    script.write_text(
        f"""
local paths = {{}}
for line in io.lines("{listing}") do paths[#paths + 1] = line end
local i = math.random(#paths)
wrk.headers["Accept"] = "{ACCEPT}"
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  io.write(string.format("JSON{{\\"p50\\":%f,\\"p99\\":%f,\\"requests\\":%d,\\"non2xx\\":%d,\\"errors\\":%d}}\\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""
    )
    out = run_wrk(url, script, duration, connections)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    stats = json.loads(out.split("JSON", 1)[1].splitlines()[0])
    return rps, stats["p50"], stats["p99"], stats["non2xx"] + stats["errors"], stats["requests"]


def corpus_store(size: int, folder: Path) -> tuple[Path, int, Path]:
    """The generated corpus of ``size`` triples in ``folder``: its N-Triples file, its
    default-graph triples, and a store loaded with it (made once, kept)."""
    nq, nt, default = corpus.write(size, folder)
    store = folder / "store"
    if not store.exists():
        s = ox.Store(str(store))
        s.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
        s.flush()
        del s
    return nt, default, store


def run_wrk(url: str, script: Path, duration: int, connections: int) -> str:
    """wrk's output for ``script`` against the server of ``url``."""
    base = url.split("/", 3)
    return subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            f"{base[0]}//{base[2]}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def python_client(
    url: str, paths: list[str], duration: int, connections: int, max_requests: int
) -> tuple[float, float, float, int, int]:
    """A bounded client: ``connections`` keep-alive threads, stops at ``max_requests`` or ``duration``."""
    import http.client

    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.time() + duration
    host, port = url.split("/")[2].split(":")

    def worker(k: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        i = k
        while time.time() < deadline:
            with lock:
                if len(latencies) >= max_requests:
                    return
            i = (i + 1) % len(paths)
            t = time.perf_counter()
            conn.request("GET", paths[i], headers={"Accept": ACCEPT})
            r = conn.getresponse()
            r.read()
            with lock:
                latencies.append(time.perf_counter() - t)
                errors[0] += r.status != 200

    started = time.time()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - started
    latencies.sort()
    n = len(latencies)
    return n / elapsed, latencies[n // 2] * 1000, latencies[int(n * 0.99)] * 1000, errors[0], n


def rss_tree(pid: int) -> int:
    """Resident memory (bytes) of a process and its children."""
    total = 0
    pids = [pid]
    try:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
        pids += [int(x) for x in out.split()]
    except OSError:
        pass
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def streaming_memory(store: Path) -> str:
    """RSS of kg serve while it streams a whole-store SELECT, then one four times as long.

    One query worker, so that both answers come from the same process: each worker's RocksDB
    cache grows as it first reads the store (memory that follows the store's size), and with two
    workers the second answer would warm the other one's."""
    port, workers = free_port(), 1
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = (
        "from pathlib import Path; from kg.settings import Settings; from kg.endpoint import run; "
        f"run(Settings(store=Path({str(store)!r}), host='{HOST}', port={port}, workers={workers}, max_rows=0, "
        "query_timeout=600))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        url = f"http://{HOST}:{port}/sparql"
        wait_ready(url + "?query=ASK%7B%7D")
        baseline = rss_tree(proc.pid)
        peak = [baseline]
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                peak[0] = max(peak[0], rss_tree(proc.pid))
                time.sleep(0.1)

        t = threading.Thread(target=sample, daemon=True)
        t.start()

        def stream(query: str) -> tuple[int, int, float]:
            started = time.time()
            q = urllib.parse.quote(query, safe="")
            req = urllib.request.Request(f"{url}?query={q}", headers={"Accept": "text/tab-separated-values"})
            lines = size = 0
            with urllib.request.urlopen(req, timeout=600) as r:
                while chunk := r.read(1 << 16):
                    lines += chunk.count(b"\n")
                    size += len(chunk)
            return lines - 1, size, time.time() - started

        # once over the store (its blocks enter RocksDB's cache: memory that grows with the store,
        # not with the answer), then an answer four times as long: flat means no further growth
        rows1, size1, t1 = stream("SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
        after_first = peak[0]
        rows4, size4, t4 = stream("SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 4) + " }")
        stop.set()
        t.join()
        return (
            f"kg serve RSS (server + {workers} worker) {baseline / 1e6:.0f} MB at rest; "
            f"streaming {rows1:,} rows ({size1 / 1e6:.0f} MB TSV, {t1:.1f} s) peaked at {after_first / 1e6:.0f} MB; "
            f"then {rows4:,} rows ({size4 / 1e6:.0f} MB, {t4:.1f} s) peaked at {peak[0] / 1e6:.0f} MB "
            f"(+{(peak[0] - after_first) / 1e6:.0f} MB for {(size4 - size1) / 1e6:.0f} MB more output)"
        )
    finally:
        proc.terminate()
        proc.wait(10)


def check_same_answers(urls: dict[str, str], paths: dict[str, list[str]], sample: int = 16) -> None:
    """The servers agree on row counts for a sample of the mix (so the race is fair)."""
    for i in range(sample):
        counts = {}
        for name, url in urls.items():
            status, body = get(url.rsplit("/", 1)[0] + paths[name][i])
            if status != 200:
                raise RuntimeError(f"{name}: status {status} for request {i}: {body[:200]!r}")
            try:
                data = json.loads(body)
                counts[name] = len(data["results"]["bindings"]) if "results" in data else data["boolean"]
            except (json.JSONDecodeError, UnicodeDecodeError):
                counts[name] = "rdf"
        if len(set(map(str, counts.values()))) != 1:
            raise RuntimeError(f"servers disagree on request {i}: {counts}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument(
        "--servers",
        default="kg,oxigraph,rdflib,plain",
        help="plain: the naive FastAPI + pyoxigraph app, for reference",
    )
    ap.add_argument(
        "--mixes",
        default=",".join(corpus.MIXES),
        help="query mixes to send (lookup: per-request overhead; analyst: evaluation-bound)",
    )
    ap.add_argument("--duration", type=int, default=20, help="seconds of load per server")
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=1, help="load every server this many times, taking turns")
    ap.add_argument("--max-requests", type=int, default=100_000, help="bound for the Python client")
    ap.add_argument("--workers", type=int, default=0, help="kg query workers (0: one per core)")
    ap.add_argument("--no-stream", action="store_true", help="skip the streaming-memory measurement")
    ap.add_argument(
        "--keep", type=Path, default=None, help="folder for data and stores (default: a temp dir)"
    )
    args = ap.parse_args()
    servers = args.servers.split(",")
    tmp = args.keep or Path(tempfile.mkdtemp(prefix="kg-bench-"))
    use_wrk = shutil.which("wrk") is not None
    print(
        f"# machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, {platform.platform()}"
    )
    print(
        f"# python {platform.python_version()}, pyoxigraph {ox.__version__ if hasattr(ox, '__version__') else '?'}, "
        f"client: {'wrk' if use_wrk else 'python'} {args.connections} connections, {args.duration}s per server"
    )
    results: list[Result] = []
    stream_note = ""
    for size in map(int, args.sizes.split(",")):
        folder = tmp / f"n{size}"
        t = time.time()
        nt, default, store = corpus_store(size, folder)
        print(
            f"# corpus {size:,}: {default:,} default-graph triples, {len(ox.Store.read_only(str(store))):,} quads "
            f"(generated and loaded in {time.time() - t:.0f}s)"
        )
        urls: dict[str, str] = {}
        procs: dict[str, subprocess.Popen[bytes]] = {}
        try:
            for name in servers:
                srv_store = store
                if name in ("oxigraph", "plain"):
                    srv_store = folder / "store-oxigraph"
                    if not srv_store.exists():
                        shutil.copytree(store, srv_store)
                procs[name], urls[name] = start(name, nt, srv_store, free_port(), args.workers)
            for url in urls.values():
                wait_ready(url + "?query=ASK%7B%7D")
            for kind in args.mixes.split(","):
                mix = corpus.query_mix(size, kind)
                paths = {n: corpus.request_paths("/" + u.rsplit("/", 1)[1], mix) for n, u in urls.items()}
                check_same_answers(urls, paths)
                for name, url in urls.items():
                    for p in paths[name][:16]:  # warm up
                        get(url.rsplit("/", 1)[0] + p)
                for k in range(args.rounds):
                    for name, url in urls.items():
                        if use_wrk:
                            rps, p50, p99, errors, n = wrk(
                                url, paths[name], args.duration, args.connections, folder
                            )
                        else:
                            rps, p50, p99, errors, n = python_client(
                                url, paths[name], args.duration, args.connections, args.max_requests
                            )
                        results.append(Result(size, kind, name, rps, p50, p99, errors, n, k))
                        print(
                            f"{size:>9,} {kind:<8} {name:<9} round {k + 1}: {rps:8.1f} req/s  p50 {p50:7.1f} ms  "
                            f"p99 {p99:7.1f} ms  {n} requests, {errors} errors",
                            flush=True,
                        )
        finally:
            for proc in procs.values():
                proc.terminate()
                proc.wait(30)
        if not args.no_stream and "kg" in servers and size >= 1_000_000:
            stream_note = streaming_memory(store)
    print()
    spread = args.rounds > 1
    print(
        f"| triples | mix | server | req/s{' (min-max)' if spread else ''} | p50 ms | p99 ms{' (min-max)' if spread else ''} "
        "| errors | vs oxigraph (req/s, p99) | vs rdflib-endpoint |"
    )
    print("|---:|---|---|---:|---:|---:|---:|---|---:|")
    for size, kind in dict.fromkeys((r.size, r.mix) for r in results):
        for server in dict.fromkeys(r.server for r in results if (r.size, r.mix) == (size, kind)):
            mine = [r for r in results if (r.size, r.mix, r.server) == (size, kind, server)]

            def ratios(
                other: str, mine: list[Result] = mine, size: int = size, kind: str = kind
            ) -> tuple[float, float] | None:
                pairs = [
                    (r, o)
                    for r in mine
                    for o in results
                    if (o.size, o.mix, o.server, o.round) == (size, kind, other, r.round)
                ]
                if not pairs:
                    return None
                return median([r.rps / o.rps for r, o in pairs]), median(
                    [r.p99_ms / o.p99_ms for r, o in pairs]
                )

            all_rps = [r.rps for r in mine]
            all_p99 = [r.p99_ms for r in mine]
            vs_ox = ratios("oxigraph")
            vs_rl = ratios("rdflib")
            cell_rps = f"{median(all_rps):.1f}" + (
                f" ({min(all_rps):.0f}-{max(all_rps):.0f})" if spread else ""
            )
            cell_p99 = f"{median(all_p99):.1f}" + (
                f" ({min(all_p99):.1f}-{max(all_p99):.1f})" if spread else ""
            )
            print(
                f"| {size:,} | {kind} | {server} | {cell_rps} | {median([r.p50_ms for r in mine]):.1f} | {cell_p99} | "
                f"{sum(r.errors for r in mine)} | "
                f"{f'{vs_ox[0]:.2f}x, {vs_ox[1]:.2f}x' if vs_ox else '-'} | {f'{vs_rl[0]:.1f}x' if vs_rl else '-'} |"
            )
    if stream_note:
        print()
        print("Streaming: " + stream_note)


if __name__ == "__main__":
    main()
