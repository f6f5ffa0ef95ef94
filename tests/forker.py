"""A fork server for the crash tests: a fresh process that loads the pipeline once and forks a
build (or a server) on request, so that each costs what its documents cost.

It never opens a store itself: RocksDB's background threads do not survive a fork, and a child
forked from a process that has them can hang opening its own store.

Requests on stdin, one JSON object a line: ``{"argv": [...kg arguments], "events": path, "exit":
path}``. The child runs ``kg ARGV`` and appends one byte to ``events`` after each document it has
processed; its exit status goes to ``exit``. The pid of each child is answered on stdout.
"""

from __future__ import annotations

import json
import os
import signal
import sys


def child(argv: list[str], events: str | None, exit_path: str) -> None:
    from kg import cli, pipeline

    code = 0
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        if events is not None:
            inner = pipeline.build_document
            fd = os.open(events, os.O_WRONLY | os.O_APPEND | os.O_CREAT)

            def reporting(*args: object, **kwargs: object) -> object:
                result = inner(*args, **kwargs)  # type: ignore[arg-type]
                os.write(fd, b".")
                return result

            pipeline.build_document = reporting  # type: ignore[assignment]
        cli.main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 (a child must exit, with a status, whatever happened)
        code = 70
    with open(exit_path, "w") as f:
        f.write(str(code))
    os._exit(code)


def main() -> None:
    import kg.cli
    import kg.endpoint  # noqa: F401 (loaded once here, for the servers)
    from kg.extract.pipeline import get_nlp
    from kg.validate import shapes_graph

    get_nlp()
    shapes_graph()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the system
    print("ready", flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            child(request["argv"], request.get("events"), request["exit"])
        print(pid, flush=True)


if __name__ == "__main__":
    main()
