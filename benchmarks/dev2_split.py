"""The DEV-2 split: a tuned half and a held-back half, decided by the hash of each document id.

Extraction rules are developed on DEV and the tuned half only; the held-back half is scored once, at
the end of a round of work, to measure how the rules generalise. The split is a pure function of the
id (the parity of its SHA-256), so it cannot drift towards the documents that happen to score well.

    python benchmarks/dev2_split.py ../shared/corpus/dev2-manifest.json .corpus/dev2

prints the two halves and makes ``.corpus/dev2-tune`` and ``.corpus/dev2-held`` beside the texts
(symbolic links to them), the folders ``score.py --texts`` takes.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path


def half(doc_id: str) -> str:
    """``tune`` or ``held``: the parity of the SHA-256 of the id."""
    return "held" if int(hashlib.sha256(doc_id.encode()).hexdigest(), 16) % 2 else "tune"


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    manifest, texts = Path(argv[1]), Path(argv[2])
    ids = sorted(json.loads(manifest.read_text(encoding="utf-8"))["documents"])
    for name in ("tune", "held"):
        folder = texts.parent / f"{texts.name}-{name}"
        folder.mkdir(exist_ok=True)
        members = [i for i in ids if half(i) == name]
        print(f"{name} ({len(members)}): {' '.join(members)}")
        for doc_id in members:
            link = folder / f"{doc_id}.txt"
            if not link.exists():
                link.symlink_to((texts / f"{doc_id}.txt").resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
