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


def test_telegram_needs_a_token_and_takes_it_from_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[telegram]\nenabled = true\nbase_url = "http://127.0.0.1:8081/bot"\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert caught.value.problems == [
        "[telegram] token: required (or set WEGWEISER_TELEGRAM_TOKEN)"
    ]
    config = load_config(path, env={"WEGWEISER_TELEGRAM_TOKEN": "123:abc-DEF_1"})
    assert config.telegram.token == "123:abc-DEF_1"
    assert config.telegram.file_url == "http://127.0.0.1:8081/file/bot"
    assert "abc-DEF" not in repr(config)  # secrets stay out of reprs and logs


def test_webhook_mode_needs_a_public_url_and_a_listen_address(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[telegram]\nenabled = true\ntoken = "1:x"\nmode = "webhook"\nwebhook_listen = "8443"\n'
        'webhook_secret = "not allowed!"\nmessages_per_second = 0\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    joined = "\n".join(caught.value.problems)
    assert "[telegram] webhook_url: required in webhook mode" in joined
    assert "[telegram] webhook_listen: expected host:port" in joined
    assert "[telegram] webhook_secret: use 1 to 256" in joined
    assert "[telegram] messages_per_second: 0 is not between" in joined
    one = load_config(None, env={"WEGWEISER_TELEGRAM_TOKEN": "1:a"}).telegram.secret
    again = load_config(None, env={"WEGWEISER_TELEGRAM_TOKEN": "1:a"}).telegram.secret
    other = load_config(None, env={"WEGWEISER_TELEGRAM_TOKEN": "1:b"}).telegram.secret
    assert one == again != other  # every worker derives the same secret from the token
    assert one.isalnum() and len(one) == 64
