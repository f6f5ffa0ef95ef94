"""No network for the code that runs callers' SPARQL, unless ``allow_service`` is on.

Whether a request may reach the network is decided from its parse (``classify``); this is the
second wall, for the day a parser difference lets a ``SERVICE`` or ``LOAD`` through. A seccomp
filter (libseccomp, through ``pyseccomp``) makes ``socket()`` fail with EACCES for every address
family but ``AF_UNIX`` (the query workers talk to the server over a Unix socket pair), and refuses
``io_uring_setup`` (io_uring can open sockets without the ``socket`` system call). A filter holds
for the thread that installs it and every thread it starts:

* query workers install it for the whole process before they read their first request;
* the server installs it on the one thread that runs updates and Graph Store writes.

It fails closed: where the filter cannot be installed (no libseccomp, not Linux), ``confine``
raises ``SandboxError`` and the endpoint does not start, unless ``allow_service`` is on.
"""

from __future__ import annotations

import errno
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.thread import BrokenThreadPool

from kg.errors import SandboxError


def confine(whole_process: bool) -> None:
    """Refuse new network sockets to the calling thread (and its future threads), or to every
    thread of the process when ``whole_process``; SandboxError if that cannot be done."""
    try:
        import pyseccomp as seccomp
    except (ImportError, OSError, RuntimeError) as exc:
        raise SandboxError(_why(f"libseccomp is not available ({exc})")) from None
    try:
        refuse = seccomp.ERRNO(errno.EACCES)
        rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        rules.add_rule(refuse, "socket", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
        rules.add_rule(refuse, "io_uring_setup")
        if whole_process:
            rules.set_attr(seccomp.Attr.CTL_TSYNC, 1)
        rules.load()
    except (OSError, RuntimeError, ValueError, AttributeError) as exc:
        raise SandboxError(_why(f"the seccomp filter could not be installed ({exc})")) from None


def _why(reason: str) -> str:
    return (
        f"kg serve cannot take the network away from the code that runs SPARQL: {reason}. "
        "It needs Linux with libseccomp (apt-get install libseccomp2); it does not start without "
        "that, unless allow_service is on (then SERVICE and LOAD may reach the network anyway)"
    )


#: Stack of the threads that run Oxigraph on callers' text: its parser and evaluator recurse
#: once per nesting level (``scan`` bounds nesting well below what this holds).
STACK = 256 * 1024 * 1024


def confined_threads(allow_network: bool, name: str, size: int = 1) -> ThreadPoolExecutor:
    """Threads with a large stack, confined unless ``allow_network``; SandboxError when they
    cannot be (the first thread is started here to find out; a later thread that cannot be
    confined breaks the pool, so nothing runs unconfined)."""

    failures: list[SandboxError] = []

    def start() -> None:
        if not allow_network:
            try:
                confine(whole_process=False)
            except SandboxError as exc:
                failures.append(exc)
                raise

    previous = threading.stack_size(STACK)
    try:
        pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix=name, initializer=start)
        try:
            pool.submit(_noop).result()
        except BrokenThreadPool:
            pool.shutdown(wait=False)
            raise failures[0] if failures else SandboxError(_why("the thread did not start")) from None
    finally:
        threading.stack_size(previous)
    return pool


def _noop() -> None:
    pass
