"""Seeded synthetic press releases in the genre, for build benchmarks (never for measuring quality).

    python benchmarks/synthetic.py --docs 1000 --out /tmp/releases [--seed 7]

Each release is about 2 KB: a date line, a headline, a dateline and paragraphs about elections,
appointments, adoptions, statements and visits, with people, States and bodies shared across
releases (a pool that grows with the corpus, one person for about every five releases), so that a
build merges nodes across documents as it does on real archives. Names are made from syllables;
nothing is taken from the corpus.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

STATES = [
    ("Chile", "Chilean"),
    ("Kenya", "Kenyan"),
    ("Norway", "Norwegian"),
    ("Indonesia", "Indonesian"),
    ("Portugal", "Portuguese"),
    ("Ghana", "Ghanaian"),
    ("Canada", "Canadian"),
    ("Viet Nam", "Vietnamese"),
    ("Peru", "Peruvian"),
    ("Senegal", "Senegalese"),
    ("Austria", "Austrian"),
    ("Fiji", "Fijian"),
    ("Mongolia", "Mongolian"),
    ("Uruguay", "Uruguayan"),
    ("Tunisia", "Tunisian"),
    ("Ireland", "Irish"),
]
BODIES = [
    "General Assembly",
    "Security Council",
    "Economic and Social Council",
    "Human Rights Council",
    "Commission on the Status of Women",
    "Committee on the Peaceful Uses of Outer Space",
]
CITIES = ["Geneva", "Vienna", "Nairobi", "Bangkok", "Santiago", "Addis Ababa"]
TOPICS = ["ocean resilience", "water and sanitation", "disaster risk reduction", "rural electrification"]
FIRST = ["Ana", "Lars", "Mei", "Kofi", "Ines", "Tomas", "Leila", "Ravi", "Sofia", "Jonas", "Amara", "Nils"]
SYLLABLES = ["va", "lo", "ren", "ti", "mar", "ko", "sel", "du", "bra", "ni", "os", "tam", "quel", "sa"]


def surname(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def people(n: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """``n`` distinct (first name, surname, title) with their State."""
    out: dict[str, tuple[str, str, str]] = {}
    while len(out) < n:
        first, last = rng.choice(FIRST), surname(rng)
        out.setdefault(f"{first} {last}", (first, last, rng.choice(["Mr.", "Ms."])))
    return list(out.values())


def release(i: int, rng: random.Random, pool: list[tuple[str, str, str]], states: dict[str, str]) -> str:
    day = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 3650))
    body = rng.choice(BODIES)
    (f1, l1, t1), (f2, l2, t2), (f3, l3, _) = rng.sample(pool, 3)
    s1, s2, s3 = rng.sample(list(states), 3)
    city, topic = rng.choice(CITIES), rng.choice(TOPICS)
    number = 2000 + i % 900
    session = rng.randint(60, 80)
    paragraphs = [
        f"The {body} today elected {f1} {l1} of {s1} as its President for the {session}th session, "
        f"by acclamation. {t1} {l1} succeeds {f3} {l3} of {s3}.",
        f"In a statement, {t1} {l1} said the {body} would focus on {topic} and thanked Member States "
        f"for their confidence.",
        f"The {body} also adopted resolution {number} ({day.year}) on {topic}, by a recorded vote of "
        f"{rng.randint(100, 150)} in favour to {rng.randint(0, 9)} against, with "
        f"{rng.randint(0, 30)} abstentions.",
        f"{f2} {l2}, Permanent Representative of {s2} to the United Nations, welcomed the text and said "
        f"that {states[s2]} experts would take part in a follow-up meeting in {city} in "
        f"{(day + dt.timedelta(days=60)).strftime('%B %Y')}.",
        f"The Secretary-General appointed {f3} {l3} of {s3} as Special Envoy on {topic.title()}. "
        f"{t2} {l2} will visit {city} on {(day + dt.timedelta(days=7)).day} "
        f"{(day + dt.timedelta(days=7)).strftime('%B')} to meet officials.",
        f"The {body} will meet again on {(day + dt.timedelta(days=14)).day} "
        f"{(day + dt.timedelta(days=14)).strftime('%B')} to consider the report of the "
        f"Secretary-General on {topic} (document A/{session}/{rng.randint(100, 999)}).",
    ]
    rng.shuffle(paragraphs[1:5])
    headline = f"{body} Elects {f1} {l1} of {s1} President, Adopts Resolution on {topic.title()}"
    when = f"{day.day} {day.strftime('%B %Y')}"
    return "\n\n".join(
        [when, headline, f"NEW YORK, {day.day} {day.strftime('%B')} — " + paragraphs[0], *paragraphs[1:]]
    )


def generate(n: int, out: Path, seed: int = 7) -> list[Path]:
    """Write ``n`` releases into ``out`` (the same files for the same ``n`` and ``seed``)."""
    rng = random.Random(seed)
    pool = people(max(3, n // 5), rng)
    states = dict(STATES)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = out / f"release-{i:06d}.txt"
        path.write_text(release(i, rng, pool, states) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    paths = generate(args.docs, args.out, args.seed)
    print(f"{len(paths)} releases in {args.out}")


if __name__ == "__main__":
    main()
