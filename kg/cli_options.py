"""Options and checks shared by every command, so that they mean the same everywhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from kg.store import require_store

F = TypeVar("F", bound=Callable[..., Any])


def store_option(f: F) -> F:
    """``--store DIR|URL``: the same option, meaning and default on every command."""
    return click.option(
        "--store",
        "store",
        metavar="DIR|URL",
        default=None,
        help="Store folder, or http(s) URL of a SPARQL server (default: $KG_STORE, else ./kg-store).",
    )(f)


def base_option(f: F) -> F:
    return click.option(
        "--base",
        default=None,
        help="Base IRI for minted IRIs (default: $KG_BASE, else https://kg.example/id/).",
    )(f)


def quiet_option(f: F) -> F:
    """``-q/--quiet``: no progress display (kg.progress), only results and errors."""
    return click.option(
        "--quiet", "-q", is_flag=True, help="No progress display: print only the summary and errors."
    )(f)


__all__ = ["base_option", "quiet_option", "require_store", "store_option"]
