"""Throughput of kg.extract.extract on ~5 KB press releases, one core, against baselines in the same run.

    PYTHONPATH=. python benchmarks/extract_throughput.py [--docs 200] [--size 5000] [--seed PATH]

The documents are generated from sentences written for this benchmark (names, States, posts and dates
vary from document to document so no two are alike); with --seed, a real release padded to the size
is measured too. Rates are documents per second of CPU time, best of --repeat passes (wall-clock
rates are printed beside them: on a shared machine they also count other processes). Baselines: a
blank English spaCy pipeline (tokenisation only) and the kg spaCy pipeline without the Python
reading stage. Not an assertion: the numbers are printed.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import spacy

from kg import settings
from kg.extract import extract
from kg.extract.pipeline import get_nlp
from kg.ingest import document_from_text
from kg.model import Document
from kg.text import normalize

FIRST = ["Ana", "Tomas", "Ingrid", "Kofi", "Mei", "Omar", "Lucia", "Pavel", "Amina", "Diego", "Sven", "Nadia"]
LAST = [
    "Ruiz",
    "Halvorsen",
    "Solberg-Vik",
    "Mensah",
    "Tanaka",
    "Haddad",
    "Ferreira da Costa",
    "Novak",
    "Diallo",
]
STATES = ["Chile", "Norway", "Ghana", "Japan", "Jordan", "Brazil", "Czechia", "Senegal", "Peru", "Finland"]
CITIES = ["Geneva", "Nairobi", "Vienna", "Bangkok", "Santiago", "Dakar"]
TOPICS = ["Water Security", "Ocean Health", "Urban Resilience", "Digital Cooperation", "Food Systems"]
MONTHS = ["January", "March", "May", "July", "September", "November"]


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def make_document(rng: random.Random, size: int) -> str:
    """A fictional release of about ``size`` characters."""
    day, month, year = rng.randint(2, 27), rng.choice(MONTHS), rng.randint(2005, 2024)
    topic, city, state = rng.choice(TOPICS), rng.choice(CITIES), rng.choice(STATES)
    parts = [
        f"{day + 1} {month} {year}\n\nRegional Forum on {topic} Concludes in {city}\n\n"
        f"{city.upper()}, {state}, {day} {month} \u2014 "
        f"The three\u2011day Regional Forum on {topic} concluded today."
    ]
    while sum(len(p) for p in parts) < size:
        a, b, c = _person(rng), _person(rng), _person(rng)
        s1, s2 = rng.sample(STATES, 2)
        parts.append(
            rng.choice(
                [
                    f"The forum was co\u2011chaired by {a}, Permanent Representative of {s1} to the United "
                    f"Nations, and {b}, Permanent Representative of {s2} to the United Nations.",
                    f"\u201cWe must act together on {topic.lower()},\u201d "
                    f"Ms.\u00a0{a.split()[-1]} said.  "
                    f"She added that the Lisbon Declaration on {topic} would guide the work.",
                    f"The Secretary\u2011General has appointed {a} of {s1} as his Special Envoy "
                    f"for {topic}.  "
                    f"Mr.\u00a0{a.split()[-1]} succeeds {b} of {s2}.",
                    f"The General Assembly elected {c} ({s1}) as President of its "
                    f"{rng.randint(60, 79)}th session.",
                    f"Negotiations are expected to begin in February {year + 1} and conclude in July, "
                    f"with a conference in {rng.choice(CITIES)} at the end of {year + 1}.",
                    f"For information media, please contact {c} at email: press, tel: 1 212 555 0100.",
                ]
            )
        )
    return "\n\n".join(parts)[: size + 400] + "\n"


def rate(
    label: str,
    docs: list[Document],
    fn: Callable[[Document], object],
    baseline: float | None,
    repeat: int = 3,
) -> float:
    """Documents per second of CPU time (best of ``repeat`` passes), with wall-clock figures beside.

    CPU time (``time.process_time``) is what one core spends on the work; on a shared machine it is
    far steadier than wall-clock time, which also counts the time other processes hold the core.
    """
    fn(docs[0])
    cpu = wall = float("inf")
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        for d in docs:
            fn(d)
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    per_sec = len(docs) / cpu
    note = f"  ({per_sec / baseline:.2f} x baseline)" if baseline else ""
    print(
        f"{label:<44}{per_sec:>9.1f} docs/s {cpu / len(docs) * 1000:>8.2f} ms/doc CPU"
        f"  [{len(docs) / wall:>7.1f} docs/s wall]{note}"
    )
    return per_sec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--seed", type=Path, help="a real release to pad to --size and measure too")
    parser.add_argument("--repeat", type=int, default=3, help="passes over the documents; the best counts")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    rng = random.Random(7)
    docs = [document_from_text(make_document(rng, args.size), source=f"bench-{i}") for i in range(args.docs)]
    mean = sum(len(d.text) for d in docs) / len(docs)
    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}")
    print(f"spacy {version('spacy')}; {len(docs)} generated documents, mean {mean:.0f} characters; one core")
    model = settings.load().model
    print(f"model backstop (KG_MODEL): {model or 'off'}")
    blank = spacy.blank("en")
    get_nlp()
    n = args.repeat
    base = rate("baseline: blank English tokenisation", docs, lambda d: blank(d.text), None, n)
    rate("kg spaCy pipeline only (rules as data)", docs, lambda d: get_nlp()(normalize(d.text)), base, n)
    rate("kg.extract.extract (full)", docs, extract, base, n)
    if args.seed and args.seed.is_file():
        seed = args.seed.read_text(encoding="utf-8")
        padded = (seed * (args.size // len(seed) + 1))[: args.size]
        seed_docs = [document_from_text(padded, source="seed")] * min(args.docs, 100)
        rate(f"kg.extract.extract on {args.seed.name} padded", seed_docs, extract, base, n)


if __name__ == "__main__":
    main()
