"""Progress of long commands: plain lines off a terminal, a bar on one, nothing with --quiet."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

from kg.progress import Progress, _amount
from tests.conftest import EXAMPLES, ROOT, kg


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_start_at_once_and_end_with_totals() -> None:
    out = io.StringIO()
    with Progress("build", 3, "documents", stream=out, every=0) as p:
        assert out.getvalue() == "kg build: started (3 documents)\n"  # before the first document
        p.advance()
        p.advance(failed=True)
        p.advance()
    lines = out.getvalue().splitlines()
    assert lines[1].startswith("kg build: 1/3 documents, ") and "ETA" in lines[1]
    assert lines[2].startswith("kg build: 2/3 documents, ") and lines[2].endswith("1 failed")
    assert lines[-1].startswith("kg build: 3/3 documents, ") and " in " in lines[-1]
    assert lines[-1].endswith("1 failed") and len(lines) == 4


def test_plain_lines_are_throttled() -> None:
    out = io.StringIO()
    with Progress("validate", 1000, "graphs", stream=out, every=3600) as p:
        for _ in range(1000):
            p.advance()
    assert len(out.getvalue().splitlines()) == 2  # the start and the totals


def test_quiet_shows_only_messages() -> None:
    out = Tty()
    with Progress("build", 2, quiet=True, stream=out) as p:
        p.advance()
        p.echo("kg: warning: something")
    assert out.getvalue() == "kg: warning: something\n"


def test_bar_on_a_terminal_shows_count_rate_eta_and_failures() -> None:
    out = Tty()
    with Progress("build", 4, "documents", stream=out) as p:
        p.advance()
        p.advance(failed=True)
        p.echo("kg: invalid: a.txt: ...")
    text = out.getvalue()
    assert "build" in text and "2/4 documents" in text and "1 failed" in text
    assert "kg: invalid: a.txt" in text and "ETA" in text


def test_bytes_without_a_total() -> None:
    out = io.StringIO()
    with Progress("export", None, "bytes", stream=out, every=0) as p:
        p.update(3 << 20)
    assert out.getvalue().splitlines()[-1].startswith("kg export: 3.0 MiB, ")


def test_kg_build_shows_progress_off_a_terminal(tmp_path: Path) -> None:
    run = kg("build", EXAMPLES, "--store", tmp_path / "s")
    assert run.code == 0, run.err
    lines = run.err.splitlines()
    assert lines[0] == "kg build: started (2 documents)"
    assert lines[-1].startswith("kg build: 2/2 documents, ")
    quiet = kg("build", EXAMPLES, "--store", tmp_path / "s", "--quiet")
    assert quiet.code == 0 and quiet.err == ""


def test_kg_build_draws_a_bar_on_a_terminal(tmp_path: Path) -> None:
    """The installed command under a pseudo-terminal, as a person at a shell sees it."""
    main, child = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    env.update(PYTHONPATH=str(ROOT), TERM="xterm-256color", COLUMNS="120")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg", "build", str(EXAMPLES), "--store", str(tmp_path / "s")],
        stdin=child,
        stdout=child,
        stderr=child,
        env=env,
    )
    os.close(child)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    assert proc.wait(timeout=300) == 0
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert "2/2 documents" in screen and "documents/s" in screen and "━" in screen
    assert "documents: 2 (2 added)" in screen


def test_validate_and_export_report_progress(tmp_path: Path) -> None:
    store = tmp_path / "s"
    assert kg("build", EXAMPLES, "--store", store, "-q").code == 0
    run = kg("validate", "--store", store)
    assert run.code == 0 and run.err.splitlines()[-1].startswith("kg validate: 3/3 graphs")  # 2 + links
    out = tmp_path / "dump.nt"
    run = kg("export", "--store", store, "--format", "ntriples", "-o", out)
    size = out.stat().st_size
    assert run.code == 0 and f"kg export: {_amount(size, 'bytes')}, " in run.err.splitlines()[-1]
    assert kg("export", "--store", store, "-o", out, "-q").err == ""
