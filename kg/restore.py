"""``kg restore``: rebuild an embedded store from an N-Quads or TriG dump (``kg export``'s).

One bulk path: pyoxigraph's ``bulk_load`` streams the dump into a fresh store beside the target
(``.<name>.restoring``), which is counted, flushed and compacted, then swapped in for the target
in one atomic rename (Linux ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames). A dump that
does not parse, or a restore that is interrupted, leaves the old store as it was.

The merged default graph comes with kg's own dumps. A dump without one (named graphs only, from
another tool) gets it rebuilt from its named graphs, as every kg write would have kept it.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import io
import os
import shutil
from pathlib import Path

import pyoxigraph as ox

from kg.errors import InputError, StoreError, StoreInUse, UsageError
from kg.store import DEFAULT, Progress, Store, StoreStats, stats_graph_iri, unmerged_graphs

DUMP_FORMATS = {"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}
_SUFFIXES = {".nq": "nquads", ".nquads": "nquads", ".trig": "trig"}


def dump_format(path: Path, fmt: str | None) -> ox.RdfFormat:
    if fmt is None:
        fmt = _SUFFIXES.get(path.suffix.lower())
        if fmt is None:
            raise UsageError(
                f"{path}: cannot tell the dump's format from its name (use --format nquads or --format trig)"
            )
    if fmt not in DUMP_FORMATS:
        raise UsageError(f"--format: {fmt!r} is not a dump format kg restores (nquads or trig)")
    return DUMP_FORMATS[fmt]


class _Counted(io.RawIOBase):
    """The dump file, reporting how many of its bytes the loader has read."""

    def __init__(self, raw: io.FileIO, total: int, progress: Progress | None) -> None:
        self.raw, self.total, self.progress, self.done = raw, total, progress, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = self.raw.readinto(buffer) or 0
        self.done += n
        if self.progress is not None:
            self.progress(self.done, self.total)
        return n


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux); False where the system cannot."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    return bool(renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0)


def _swap_in(fresh: Path, target: Path) -> None:
    if not target.exists():
        fresh.rename(target)
        return
    if _exchange(fresh, target):
        shutil.rmtree(fresh)  # which now holds the old store
        return
    old = target.with_name(f".{target.name}.replaced")
    shutil.rmtree(old, ignore_errors=True)
    target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old)


def _check_free(target: Path) -> None:
    """Fail early if ``target`` is a store another process holds, or not a store at all."""
    if not target.exists():
        return
    if not target.is_dir() or (any(target.iterdir()) and not (target / "CURRENT").exists()):
        raise StoreError(f"{target}: exists and is not a kg store; restore into a new folder or a kg store")
    if (target / "CURRENT").exists():
        try:
            held = ox.Store(str(target))
        except OSError as exc:
            if "lock" in str(exc).lower():
                raise StoreInUse(
                    f"{target}: the store is in use (a running kg serve or kg build?); stop it, then restore"
                ) from None
            raise StoreError(f"{target}: cannot open the store: {exc}") from None
        del held


def restore(
    dump: Path, target: Path, base: str, fmt: str | None = None, progress: Progress | None = None
) -> StoreStats:
    """Replace the store at ``target`` by the dataset in ``dump``; the restored store's size."""
    rdf_format = dump_format(dump, fmt)
    try:
        size = dump.stat().st_size
    except OSError as exc:
        raise InputError(str(dump), f"cannot read the dump: {exc.strerror or exc}") from None
    _check_free(target)
    fresh = target.with_name(f".{target.name}.restoring")
    shutil.rmtree(fresh, ignore_errors=True)
    try:
        loader = ox.Store(str(fresh))
        with open(dump, "rb", buffering=0) as raw:
            assert isinstance(raw, io.FileIO)
            loader.bulk_load(io.BufferedReader(_Counted(raw, size, progress), 1 << 20), format=rdf_format)
        stats_graph = ox.NamedNode(stats_graph_iri(base))
        if loader.contains_named_graph(stats_graph):  # kg counts the restored data itself
            loader.remove_graph(stats_graph)
        if next(loader.quads_for_pattern(None, None, None, DEFAULT), None) is None:
            skip = {ox.NamedNode(g) for g in unmerged_graphs(base)}
            loader.bulk_extend(
                ox.Quad(q.subject, q.predicate, q.object, DEFAULT)
                for q in loader.quads_for_pattern(None, None, None, None)
                if not isinstance(q.graph_name, ox.DefaultGraph) and q.graph_name not in skip
            )
        del loader
        store = Store(fresh, base)  # counts the restored data once, into graph/stats
        stats = store.stats()
        store.flush()
        store.ox.optimize()
        del store
        _swap_in(fresh, target)
    except SyntaxError as exc:
        raise InputError(
            str(dump), f"not valid {rdf_format.name}: {exc}", "the store was left as it was"
        ) from None
    except OSError as exc:
        raise StoreError(f"{target}: the restore failed ({exc}); the store was left as it was") from None
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(fresh, ignore_errors=True)
    return stats
