"""The errors kg raises on purpose. Every message says what went wrong, where, and how to fix it.

    KGError                      base; ``exit_code`` is what the CLI exits with
    ├── UsageError               a bad option or argument value (exit 2)
    ├── InputError               a file or folder that cannot be ingested (exit 2)
    ├── QueryError               a SPARQL query or update that does not parse (exit 2, HTTP 400)
    ├── StoreError               the store cannot be opened, read or written (exit 2)
    │   └── StoreInUse           another process (kg serve, kg build) holds the store
    ├── ValidationFailed         data that does not conform to the shapes (exit 1)
    ├── ExtractionError          text from which nothing can be read (exit 2)
    ├── SandboxError             kg serve cannot take the network away from query code (exit 2)
    ├── WorkerError              a worker of a parallel or cluster build died or was lost (exit 2)
    └── kg.link.errors.NetworkError   a linking service failed; the store is unchanged (exit 3)

The CLI converts these at one boundary (cli.py) into a one-line message and the exit code;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class KGError(Exception):
    """Base class of kg's own errors."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(KGError):
    """An option or argument has a value kg cannot use."""


class InputError(KGError):
    """A path cannot be ingested: missing, binary, empty, not UTF-8, unsupported."""

    def __init__(self, path: str, problem: str, fix: str = "") -> None:
        message = f"{path}: {problem}" + (f" ({fix})" if fix else "")
        super().__init__(message)
        self.path = path
        self.problem = problem


class QueryError(KGError):
    """A SPARQL query or update that cannot be parsed or evaluated."""


class StoreError(KGError):
    """The store cannot be opened, read or written."""


class StoreInUse(StoreError):
    """Another process holds the store read-write (RocksDB allows one writer)."""


class ValidationFailed(KGError):
    """Data does not conform to the SHACL shapes; ``report`` has the details."""

    exit_code = 1


class ExtractionError(KGError):
    """A document from which nothing at all can be extracted."""


class SandboxError(KGError):
    """The endpoint cannot confine the code that runs callers' SPARQL (see kg.endpoint.sandbox)."""


class WorkerError(KGError):
    """A worker process of ``kg build --jobs`` died, or a Dask cluster lost its workers (kg.parallel)."""
