"""Progress of long commands (build, validate, link, export): what the CLI shows while it works.

    with Progress("build", total=len(files), unit="documents", quiet=quiet) as progress:
        ...
        progress.advance(failed=result.failed, item=result.source)

On a terminal, a bar on stderr (``rich``): items done of the total, rate, time left, failures so
far; messages (``progress.echo``) scroll above it. Elsewhere (a pipe, a log file, CI), plain lines:
one when the work starts, then at most one every ``every`` seconds, and a last one with the totals,
so a log shows life without a line per item. ``quiet`` shows nothing but the messages.

Callers report absolute positions with ``update(done, total)`` when they know them (an export
writing bytes), or steps with ``advance``.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import IO, Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
)
from rich.progress import Progress as Bar
from rich.text import Text


def _duration(value: float) -> str:
    seconds = round(value)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _amount(n: float, unit: str) -> str:
    if unit != "bytes":
        return f"{n:,.0f}" if n == int(n) else f"{n:,.1f}"
    for scale, name in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if n >= scale:
            return f"{n / scale:.1f} {name}"
    return f"{n:.0f} B"


class _Count(ProgressColumn):
    """``12/26 documents``, or ``3.4 MiB`` / ``12 graphs`` while the total is unknown."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        done = _amount(task.completed, self.unit)
        if self.unit == "bytes":
            return Text(done, style="progress.download")
        total = f"/{_amount(task.total, self.unit)}" if task.total is not None else ""
        return Text(f"{done}{total} {self.unit}", style="progress.download")


class _Rate(ProgressColumn):
    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        if not speed:
            return Text("")
        return Text(_rate(speed, self.unit), style="progress.data.speed")


class _Time(ProgressColumn):
    """Time left while the total is known, else time so far."""

    def render(self, task: Task) -> Text:
        if task.total is None or task.finished:
            return Text(_duration(task.finished_time or task.elapsed or 0), style="progress.elapsed")
        left = task.time_remaining
        return Text(f"ETA {_duration(left)}" if left is not None else "ETA …", style="progress.remaining")


def _rate(per_second: float, unit: str) -> str:
    if unit == "bytes":
        return f"{_amount(per_second, unit)}/s"
    return f"{per_second:,.1f} {unit}/s"


class Progress:
    """One long piece of work, shown on ``stream`` (default stderr)."""

    def __init__(
        self,
        what: str,
        total: int | None,
        unit: str = "documents",
        *,
        quiet: bool = False,
        stream: IO[str] | None = None,
        live: bool | None = None,
        every: float = 2.0,
    ) -> None:
        self.what = what
        self.total = total
        self.unit = unit
        self.quiet = quiet
        self.stream = stream if stream is not None else sys.stderr
        self.live = (not quiet and self.stream.isatty()) if live is None else (live and not quiet)
        self.every = every
        self.done = 0
        self.failed = 0
        self.started = time.monotonic()
        self._last_line = 0.0
        self._bar: Bar | None = None
        self._task: Any = None

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> Progress:
        self.started = time.monotonic()
        if self.live:
            console = Console(file=self.stream, stderr=self.stream is sys.stderr)
            self._bar = Bar(
                SpinnerColumn(),
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                _Count(self.unit),
                _Rate(self.unit),
                _Time(),
                TextColumn("{task.fields[failures]}", style="red"),
                console=console,
                transient=False,
                redirect_stderr=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.what, total=self.total, failures="")
        elif not self.quiet:
            size = f" ({_amount(self.total, self.unit)} {self.unit})" if self.total is not None else ""
            self._line(f"kg {self.what}: started{size}")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        elif not self.quiet and kind is None:
            self._line(self._status(final=True))

    # -- reporting ---------------------------------------------------------------------------

    def advance(self, n: int = 1, *, failed: bool = False) -> None:
        """``n`` more items done (``failed``: they did not make it)."""
        self.update(self.done + n, failed=self.failed + (n if failed else 0))

    def update(self, done: int, total: int | None = None, *, failed: int | None = None) -> None:
        """The absolute position: ``done`` of ``total`` (when it became known), ``failed`` so far."""
        self.done = done
        if total is not None:
            self.total = total
        if failed is not None:
            self.failed = failed
        if self._bar is not None:
            self._bar.update(
                self._task,
                completed=done,
                total=self.total,
                failures=f"{self.failed} failed" if self.failed else "",
            )
        elif not self.quiet:
            now = time.monotonic()
            if now - self._last_line >= self.every and (self.total is None or done < self.total):
                self._line(self._status())

    def echo(self, message: str) -> None:
        """A line for the user (a warning, an error): above the bar, or as it is."""
        if self._bar is not None:
            self._bar.console.print(message, markup=False, highlight=False, soft_wrap=True)
        else:
            print(message, file=self.stream, flush=True)

    # -- plain lines -------------------------------------------------------------------------

    def _status(self, final: bool = False) -> str:
        elapsed = time.monotonic() - self.started
        amount = _amount(self.done, self.unit)
        if self.total is not None and self.unit != "bytes":
            amount += f"/{_amount(self.total, self.unit)}"
        parts = [f"kg {self.what}: {amount} {self.unit if self.unit != 'bytes' else ''}".rstrip()]
        if elapsed > 0 and self.done:
            parts.append(_rate(self.done / elapsed, self.unit))
        if final:
            parts.append(f"in {_duration(elapsed)}")
        elif self.total and self.done and elapsed > 0:
            parts.append(f"ETA {_duration((self.total - self.done) * elapsed / self.done)}")
        if self.failed:
            parts.append(f"{self.failed} failed")
        return ", ".join(parts)

    def _line(self, text: str) -> None:
        self._last_line = time.monotonic()
        print(text, file=self.stream, flush=True)


__all__ = ["Progress"]
