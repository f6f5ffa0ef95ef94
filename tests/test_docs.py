"""The README cannot drift: command help and settings are generated into it and checked here.

Regenerate with: python -m tests.test_docs
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import sys

import click

from kg.cli import cli
from kg.settings import ENV_PREFIX, Settings
from tests.conftest import ROOT

README = ROOT / "README.md"


def _field_docs() -> dict[str, str]:
    """The ``#:`` comment above each Settings field."""
    source = (ROOT / "kg" / "settings.py").read_text(encoding="utf-8")
    docs: dict[str, str] = {}
    pending: list[str] = []
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith("#:"):
            pending.append(stripped[2:].strip())
            continue
        m = re.match(r"(\w+): .*=", stripped)
        if m and pending:
            docs[m.group(1)] = " ".join(pending)
        pending = []
    return docs


def help_block() -> str:
    parts = []
    # the group's context settings, as ``kg`` itself runs (-h as well as --help); click keeps the
    # help option it first made for a command, so a bare Context would make the help text depend
    # on whether another test ran the CLI first
    settings = {**cli.context_settings, "terminal_width": 100, "max_content_width": 100}
    ctx = click.Context(cli, info_name="kg", **settings)
    parts.append("```\n$ kg --help\n" + cli.get_help(ctx) + "\n```")
    assert isinstance(cli, click.Group)
    for name in sorted(cli.list_commands(ctx)):
        cmd = cli.get_command(ctx, name)
        assert cmd is not None
        # info_name is the command's own name: click puts the parent's ("kg") in front of it
        sub = click.Context(cmd, info_name=name, parent=ctx, terminal_width=100, max_content_width=100)
        parts.append(f"### kg {name}\n\n```\n$ kg {name} --help\n" + cmd.get_help(sub) + "\n```")
    return "\n\n".join(parts)


def settings_block() -> str:
    docs = _field_docs()
    rows = ["| setting | environment | default | meaning |", "|---|---|---|---|"]
    for f in dataclasses.fields(Settings):
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
        rows.append(f"| `{f.name}` | `{ENV_PREFIX}{f.name.upper()}` | `{default}` | {docs.get(f.name, '')} |")
    return "\n".join(rows)


def render(text: str) -> str:
    for name, block in (("help", help_block()), ("settings", settings_block())):
        text = re.sub(
            rf"<!-- {name}:start -->.*?<!-- {name}:end -->",
            lambda _m, n=name, b=block: f"<!-- {n}:start -->\n{b}\n<!-- {n}:end -->",
            text,
            flags=re.S,
        )
    return text


def test_readme_help_and_settings_are_current() -> None:
    text = README.read_text(encoding="utf-8")
    assert render(text) == text, "README is out of date: run python -m tests.test_docs"


def test_help_excerpts_name_each_command_once() -> None:
    """``Usage: kg build``, not ``Usage: kg kg build`` (the parent's name is added by click)."""
    block = help_block()
    assert "Usage: kg build [OPTIONS] PATHS..." in block
    assert "kg kg" not in block


def test_every_setting_is_documented() -> None:
    docs = _field_docs()
    missing = [f.name for f in dataclasses.fields(Settings) if not docs.get(f.name)]
    assert not missing, f"settings without a #: comment in settings.py: {missing}"


def test_installed_kg_help_runs() -> None:
    """The console script as installed (CI installs the project into a fresh venv)."""
    exe = shutil.which("kg")
    if exe is None:
        import pytest

        pytest.skip("kg is not installed as a console script in this environment (pip install -e .)")
    run = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "build" in run.stdout


if __name__ == "__main__":
    README.write_text(render(README.read_text(encoding="utf-8")), encoding="utf-8")
    sys.exit(0)
