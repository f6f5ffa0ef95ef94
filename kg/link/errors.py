"""The errors of online linking (added under kg.errors.KGError; the CLI converts them at one boundary).

    KGError
    └── NetworkError             a linking service cannot be reached or answers badly (exit 3)
        ├── ServiceUnavailable   connection refused, DNS, timeout, HTTP 5xx
        ├── RateLimited          HTTP 429 still after the allowed retries (Retry-After honoured)
        └── BadResponse          an answer that is not the JSON the protocol promises

A NetworkError is raised before anything is written: the store is left exactly as it was. Answers
received before the failure stay in the on-disk cache, so the next run resumes where this one stopped.
"""

from __future__ import annotations

from kg.errors import KGError


class NetworkError(KGError):
    """A linking service failed; ``url`` is the service, ``problem`` what happened."""

    exit_code = 3

    def __init__(self, url: str, problem: str, fix: str = "") -> None:
        message = f"{url}: {problem}; the store was not changed" + (f" ({fix})" if fix else "")
        super().__init__(message)
        self.url = url
        self.problem = problem


class ServiceUnavailable(NetworkError):
    """Connection refused, name not resolved, timed out, or an HTTP 5xx answer."""


class RateLimited(NetworkError):
    """HTTP 429 Too Many Requests, still after the allowed retries."""


class BadResponse(NetworkError):
    """The service answered, but not with the JSON its protocol promises."""


__all__ = ["BadResponse", "NetworkError", "RateLimited", "ServiceUnavailable"]
