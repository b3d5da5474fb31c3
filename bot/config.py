"""Configuration: a TOML file read into frozen dataclasses and checked at start.

Environment variables override secrets and the database URL:
``WEGWEISER_DATABASE_URL``, ``WEGWEISER_TELEGRAM_TOKEN``, ``WEGWEISER_MATRIX_PASSWORD``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.i18n.locales import SHIPPED_LOCALES

CONFIG_ENV = "WEGWEISER_CONFIG"


class ConfigError(Exception):
    """The configuration is invalid; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def default_database_url(env: Mapping[str, str]) -> str:
    """A SQLite file in the user's data directory ($XDG_DATA_HOME/wegweiser)."""
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return f"sqlite+aiosqlite:///{Path(base) / 'wegweiser' / 'wegweiser.db'}"


@dataclass(frozen=True, slots=True)
class DatabaseConfig:
    """Where state lives."""

    url: str


@dataclass(frozen=True, slots=True)
class BotConfig:
    """Behaviour shared by all transports."""

    default_locale: str = "de"
    load_demo_directory: bool = True


@dataclass(frozen=True, slots=True)
class ContactConfig:
    """The KI's own contact, given when no advice centre fits."""

    name: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""


@dataclass(frozen=True, slots=True)
class LoggingConfig:
    """Logging; message text is never logged unless explicitly allowed."""

    level: str = "WARNING"
    log_message_text: bool = False


@dataclass(frozen=True, slots=True)
class ConsoleConfig:
    """The console transport."""

    user: str = "console"


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration."""

    database: DatabaseConfig
    bot: BotConfig = field(default_factory=BotConfig)
    contact: ContactConfig = field(default_factory=ContactConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    console: ConsoleConfig = field(default_factory=ConsoleConfig)


_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class _Reader:
    """Reads one table, recording problems instead of stopping at the first."""

    def __init__(self, table: Mapping[str, Any], section: str, problems: list[str]) -> None:
        self.table = table
        self.section = section
        self.problems = problems
        self.known: set[str] = set()

    def text(self, key: str, default: str) -> str:
        self.known.add(key)
        value = self.table.get(key, default)
        if not isinstance(value, str):
            self.problems.append(f"[{self.section}] {key}: expected a string, got {value!r}")
            return default
        return value

    def flag(self, key: str, default: bool) -> bool:
        self.known.add(key)
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            self.problems.append(f"[{self.section}] {key}: expected true or false, got {value!r}")
            return default
        return value

    def finish(self) -> None:
        for key in sorted(set(self.table) - self.known):
            self.problems.append(f"[{self.section}] {key}: unknown key")


def _table(raw: Mapping[str, Any], name: str, problems: list[str]) -> _Reader:
    value = raw.get(name, {})
    if not isinstance(value, dict):
        problems.append(f"[{name}]: expected a table")
        value = {}
    return _Reader(value, name, problems)


def parse_config(raw: Mapping[str, Any], env: Mapping[str, str]) -> Config:
    """Build a :class:`Config` from parsed TOML and the environment.

    Raises:
        ConfigError: with one line per problem found.
    """
    problems: list[str] = []
    sections = ("database", "bot", "contact", "logging", "console")
    for name in sorted(set(raw) - set(sections)):
        problems.append(f"[{name}]: unknown section")

    db = _table(raw, "database", problems)
    file_url = db.text("url", "")
    database = DatabaseConfig(
        url=env.get("WEGWEISER_DATABASE_URL") or file_url or default_database_url(env)
    )
    db.finish()
    if database.url and "://" not in database.url:
        problems.append(f"[database] url: not a database URL: {database.url!r}")

    bot_table = _table(raw, "bot", problems)
    bot = BotConfig(
        default_locale=bot_table.text("default_locale", "de"),
        load_demo_directory=bot_table.flag("load_demo_directory", True),
    )
    bot_table.finish()
    if bot.default_locale not in SHIPPED_LOCALES:
        problems.append(
            f"[bot] default_locale: {bot.default_locale!r} is not one of "
            f"{', '.join(SHIPPED_LOCALES)}"
        )

    contact_table = _table(raw, "contact", problems)
    contact = ContactConfig(
        name=contact_table.text("name", ""),
        phone=contact_table.text("phone", ""),
        email=contact_table.text("email", ""),
        website=contact_table.text("website", ""),
    )
    contact_table.finish()

    log_table = _table(raw, "logging", problems)
    logging_config = LoggingConfig(
        level=log_table.text("level", "WARNING").upper(),
        log_message_text=log_table.flag("log_message_text", False),
    )
    log_table.finish()
    if logging_config.level not in _LEVELS:
        problems.append(f"[logging] level: {logging_config.level!r} is not one of {_LEVELS}")

    console_table = _table(raw, "console", problems)
    console = ConsoleConfig(user=console_table.text("user", "console"))
    console_table.finish()

    if problems:
        raise ConfigError(problems)
    return Config(
        database=database,
        bot=bot,
        contact=contact,
        logging=logging_config,
        console=console,
    )


def load_config(path: Path | None, env: Mapping[str, str] | None = None) -> Config:
    """Read the config file named by ``path`` or ``WEGWEISER_CONFIG`` (optional).

    Raises:
        ConfigError: when the file is missing, not TOML, or has invalid values.
    """
    environ = os.environ if env is None else env
    chosen = path or (Path(environ[CONFIG_ENV]) if environ.get(CONFIG_ENV) else None)
    raw: dict[str, Any] = {}
    if chosen is not None:
        try:
            raw = tomllib.loads(chosen.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError([f"{chosen}: config file not found"]) from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError([f"{chosen}: not valid TOML: {error}"]) from None
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError([f"{chosen}: cannot read: {error}"]) from None
    return parse_config(raw, environ)
