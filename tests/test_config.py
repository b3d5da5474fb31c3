"""Configuration: defaults, environment overrides, one clear line per problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_config


def test_defaults_without_a_file() -> None:
    config = load_config(None, env={"XDG_DATA_HOME": "/data"})
    assert config.bot.default_locale == "de"
    assert config.database.url == "sqlite+aiosqlite:////data/wegweiser/wegweiser.db"


def test_environment_overrides_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[database]\nurl = "sqlite+aiosqlite:///a.db"\n', encoding="utf-8")
    config = load_config(path, env={"WEGWEISER_DATABASE_URL": "sqlite+aiosqlite:///b.db"})
    assert config.database.url == "sqlite+aiosqlite:///b.db"
    config = load_config(None, env={"WEGWEISER_CONFIG": str(path)})
    assert config.database.url == "sqlite+aiosqlite:///a.db"


def test_every_problem_is_listed(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[bot]\ndefault_locale = "xx"\nload_demo_directory = "yes"\n'
        '[logging]\nlevel = "LOUD"\ncolour = true\n[mystery]\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert len(caught.value.problems) == 5
    joined = "\n".join(caught.value.problems)
    assert "[mystery]: unknown section" in joined
    assert "[logging] colour: unknown key" in joined
    assert "[bot] load_demo_directory: expected true or false" in joined


def test_the_example_config_is_valid() -> None:
    example = Path(__file__).parents[1] / "config.example.toml"
    assert load_config(example, env={}).bot.default_locale == "de"


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "none.toml", env={})
    broken = tmp_path / "b.toml"
    broken.write_text("[bot\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(broken, env={})
