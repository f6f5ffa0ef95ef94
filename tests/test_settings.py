"""Settings precedence: flag > KG_* environment variable > config file > default."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg import settings
from kg.errors import UsageError


def test_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert settings.load(env={}).store == "kg-store"
    (tmp_path / "kg.toml").write_text('[kg]\nstore = "from-file"\nport = 9000\n')
    assert settings.load(env={}).store == "from-file"
    assert settings.load(env={"KG_STORE": "from-env"}).store == "from-env"
    assert settings.load({"store": "from-flag"}, env={"KG_STORE": "from-env"}).store == "from-flag"
    assert settings.load({"store": None}, env={}).port == 9000


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"KG_PORT": "eighty"}, "KG_PORT: 'eighty' is not a valid value for setting 'port'"),
        ({"KG_ALLOW_UPDATE": "maybe"}, "KG_ALLOW_UPDATE"),
        ({"KG_BASE": "kg.example/"}, "must be an http(s) IRI"),
        ({"KG_CONFIG": "missing.toml"}, "KG_CONFIG: no such file"),
    ],
)
def test_bad_values_name_the_setting(env: dict[str, str], message: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError) as err:
        settings.load(env=env)
    assert message in err.value.message


def test_unknown_config_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "kg.toml").write_text("[kg]\nstroe = 'x'\n")
    with pytest.raises(UsageError, match="unknown setting 'stroe'"):
        settings.load(env={})
