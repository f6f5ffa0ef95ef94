"""Shared fixtures: the CLI as a user runs it, and the ../shared folder when it is there."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EXAMPLES = ROOT / "examples"
SEED = SHARED / "corpus" / "000_470baf12e1d9d4f3.txt"


@dataclass
class Run:
    code: int
    out: str
    err: str


def kg(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
    """Run ``python -m kg ARGS`` in a subprocess, as a user would, and capture everything."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    full_env["PYTHONPATH"] = str(ROOT)
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "kg", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        timeout=300,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def seed() -> Path:
    if not SEED.is_file():
        pytest.skip(f"the seed document is not there ({SEED}): ../shared is absent")
    return SEED
