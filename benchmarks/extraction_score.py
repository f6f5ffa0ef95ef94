"""Score extraction in-process against gold annotations, with the reference scorer's matching.

The reference scorer (``../shared/corpus/score.py``) builds each document with the CLI in a fresh
store; this script imports its matching code and feeds it the graph that ``kg.pipeline.process``
makes, which is what the store holds for the document: the same figures in seconds instead of
minutes, for working on the rules. Confirm final figures with the reference scorer itself.

    python benchmarks/extraction_score.py --texts .corpus/dev2-tune [--verbose] [--by-predicate]
        [--scorer ../shared/corpus/score.py] [--gold ../shared/corpus/gold] [--doc ID]
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from types import ModuleType
from typing import Any

from rdflib import Graph

from kg.ingest import read_document
from kg.pipeline import process
from kg.validate import validate_graph

ROOT = Path(__file__).resolve().parents[1]
TYPES = ["people", "offices", "states", "organizations", "events", "documents", "relations"]


def load_scorer(path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location("reference_score", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"{path}: cannot load the reference scorer")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--texts", required=True)
    ap.add_argument("--gold", default=str(ROOT.parent / "shared" / "corpus" / "gold"))
    ap.add_argument("--scorer", default=str(ROOT.parent / "shared" / "corpus" / "score.py"))
    ap.add_argument("--doc", action="append", help="only these document ids")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--by-predicate", action="store_true")
    ap.add_argument("--json")
    a = ap.parse_args(argv)
    sc = load_scorer(a.scorer)
    onto = Graph()
    for f in sorted(glob.glob(str(ROOT / "ontology" / "**" / "*.ttl"), recursive=True)):
        onto.parse(f, format="turtle")
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    per_doc: dict[str, Any] = {}
    failed: list[str] = []
    seconds = 0.0
    for gold_path in sorted(glob.glob(os.path.join(a.gold, "*.json"))):
        with open(gold_path, encoding="utf-8") as gold_file:
            gold = json.load(gold_file)
        text = Path(a.texts) / f"{gold['doc']}.txt"
        if not text.exists() or (a.doc and gold["doc"] not in a.doc):
            continue
        if a.verbose:
            print(f"== {gold['doc']}")
        doc = read_document(text)
        t0 = time.perf_counter()
        _, graph = process(doc, "https://kg.example/id/")
        seconds += time.perf_counter() - t0
        report = validate_graph(graph)
        if not report.conforms:  # the store would not load it: it scores as nothing, as in score.py
            failed.append(gold["doc"])
            for v in report.violations[:3]:
                print(f"  {gold['doc']}: does not conform: {v.focus} {v.path}: {v.message}", file=sys.stderr)
            graph = Graph()
        res = sc.score_doc(sc.Predicted(graph, onto), gold, a.verbose)
        per_doc[gold["doc"]] = res
        for k, v in res.items():
            for i in range(3):
                totals[k][i] += v[i]
    print(f"{'type':<14}{'P':>7}{'R':>7}{'F1':>7}{'tp':>6}{'pred':>6}{'gold':>6}")
    rows: dict[str, Any] = {}
    for k in TYPES + sorted(x for x in totals if x.startswith("rel:")):
        tp, npred, ngold = totals[k]
        p, r, f1 = sc.prf(tp, npred, ngold)
        rows[k] = {"p": p, "r": r, "f1": f1, "tp": tp, "pred": npred, "gold": ngold}
        if not k.startswith("rel:") or a.verbose or a.by_predicate:
            name = k if not k.startswith("rel:") else "  " + k[4:]
            print(f"{name:<14}{p:7.2f}{r:7.2f}{f1:7.2f}{tp:6d}{npred:6d}{ngold:6d}")
    ent = [totals[k] for k in TYPES[:-1]]
    tp, npred, ngold = (sum(x[i] for x in ent) for i in range(3))
    p, r, f1 = sc.prf(tp, npred, ngold)
    rows["entities"] = {"p": p, "r": r, "f1": f1}
    summary = f"docs={len(per_doc)} failed={len(failed)}  {seconds * 1000:.0f} ms"
    print(f"{'entities':<14}{p:7.2f}{r:7.2f}{f1:7.2f}   {summary}")
    if a.json:
        with open(a.json, "w", encoding="utf-8") as out:
            json.dump({"totals": rows, "per_doc": per_doc}, out, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
