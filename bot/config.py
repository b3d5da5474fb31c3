"""Configuration: a TOML file read into frozen dataclasses and checked at start.

Environment variables override secrets and the database URL:
``WEGWEISER_DATABASE_URL``, ``WEGWEISER_TELEGRAM_TOKEN``,
``WEGWEISER_TELEGRAM_WEBHOOK_SECRET``, ``WEGWEISER_MATRIX_PASSWORD``,
``WEGWEISER_MATRIX_ACCESS_TOKEN``.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.events.schedule import parse_offset
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
class LimitsConfig:
    """What one user may send: a burst of messages, then so many a minute; how long one may be."""

    messages_burst: int = 20
    messages_per_minute: int = 20
    max_message_chars: int = 4096


@dataclass(frozen=True, slots=True)
class StaffConfig:
    """Who may use the staff commands: identities as ``transport:id``."""

    admins: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BroadcastConfig:
    """Announcements: whether a second staff member must approve before sending."""

    require_approval: bool = False


@dataclass(frozen=True, slots=True)
class PrivacyConfig:
    """How long people who stopped writing are kept, and handover tickets after closing (days)."""

    inactive_days: int = 365
    ticket_days: int = 30


@dataclass(frozen=True, slots=True)
class EventsConfig:
    """Reminders before events: offsets in minutes (whole days count on the wall clock)."""

    reminder_offsets: tuple[int, ...] = (7 * 1440, 1440)


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    """The Telegram transport (python-telegram-bot)."""

    enabled: bool = False
    token: str = field(default="", repr=False)
    base_url: str = ""
    base_file_url: str = ""
    username: str = ""
    mode: str = "polling"
    poll_timeout: int = 25
    webhook_listen: str = "127.0.0.1:8443"
    webhook_url: str = ""
    webhook_secret: str = field(default="", repr=False)
    messages_per_second: float = 25.0
    messages_per_chat_per_second: float = 1.0
    concurrency: int = 64
    staff_group: int = 0

    @property
    def file_url(self) -> str:
        """Where files are downloaded: given, or derived from ``base_url``."""
        if self.base_file_url or not self.base_url:
            return self.base_file_url
        head, _, tail = self.base_url.rstrip("/").rpartition("/")
        return f"{head}/file/{tail}" if head else ""

    @property
    def secret(self) -> str:
        """The webhook secret: given, or derived from the token (stable across workers)."""
        if self.webhook_secret:
            return self.webhook_secret
        return hashlib.sha256(f"wegweiser-webhook:{self.token}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class MatrixConfig:
    """The Matrix transport (matrix-nio, end-to-end encryption included)."""

    enabled: bool = False
    homeserver: str = ""
    user_id: str = ""
    password: str = field(default="", repr=False)
    access_token: str = field(default="", repr=False)
    device_name: str = "Wegweiser"
    data_dir: str = ""
    allowed_servers: tuple[str, ...] = ()
    staff_room: str = ""
    sync_timeout: int = 30
    concurrency: int = 32

    @property
    def server_name(self) -> str:
        """The bot account's own server name ("@wegweiser:kreis.example" → "kreis.example")."""
        return self.user_id.partition(":")[2]

    def folder(self, env: Mapping[str, str]) -> Path:
        """Where the login, the crypto store and the sync position are kept."""
        if self.data_dir:
            return Path(self.data_dir).expanduser()
        base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        return Path(base) / "wegweiser" / "matrix"


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration."""

    database: DatabaseConfig
    bot: BotConfig = field(default_factory=BotConfig)
    contact: ContactConfig = field(default_factory=ContactConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    console: ConsoleConfig = field(default_factory=ConsoleConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    events: EventsConfig = field(default_factory=EventsConfig)
    staff: StaffConfig = field(default_factory=StaffConfig)
    broadcast: BroadcastConfig = field(default_factory=BroadcastConfig)
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)
    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    matrix: MatrixConfig = field(default_factory=MatrixConfig)

    @property
    def delivery_transports(self) -> tuple[str, ...]:
        """Transports that notices and broadcasts go out through: the enabled
        network transports, or the console when none is enabled."""
        enabled = (("telegram",) if self.telegram.enabled else ()) + (
            ("matrix",) if self.matrix.enabled else ()
        )
        return enabled or ("console",)

    @property
    def staff_room(self) -> tuple[str, str] | None:
        """Where handover tickets go: the Telegram staff group, else the Matrix staff room."""
        if self.telegram.enabled and self.telegram.staff_group:
            return ("telegram", str(self.telegram.staff_group))
        if self.matrix.enabled and self.matrix.staff_room:
            return ("matrix", self.matrix.staff_room)
        return None


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

    def number(self, key: str, default: float, minimum: float, maximum: float) -> float:
        self.known.add(key)
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problems.append(f"[{self.section}] {key}: expected a number, got {value!r}")
            return default
        if not minimum <= value <= maximum:
            self.problems.append(
                f"[{self.section}] {key}: {value!r} is not between {minimum:g} and {maximum:g}"
            )
            return default
        return float(value)

    def whole(self, key: str, default: int, minimum: int, maximum: int) -> int:
        self.known.add(key)
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.problems.append(f"[{self.section}] {key}: expected a whole number, got {value!r}")
            return default
        if not minimum <= value <= maximum:
            self.problems.append(
                f"[{self.section}] {key}: {value!r} is not between {minimum} and {maximum}"
            )
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
    sections = (
        "database", "bot", "contact", "logging", "console", "limits", "events", "staff",
        "broadcast", "privacy", "telegram", "matrix",
    )  # fmt: skip
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

    limits_table = _table(raw, "limits", problems)
    limits = LimitsConfig(
        messages_burst=limits_table.whole("messages_burst", 20, 1, 10_000),
        messages_per_minute=limits_table.whole("messages_per_minute", 20, 1, 100_000),
        max_message_chars=limits_table.whole("max_message_chars", 4096, 100, 100_000),
    )
    limits_table.finish()

    events = _events(_table(raw, "events", problems), problems)
    staff = _staff(_table(raw, "staff", problems), problems)
    broadcast_table = _table(raw, "broadcast", problems)
    broadcast = BroadcastConfig(require_approval=broadcast_table.flag("require_approval", False))
    broadcast_table.finish()
    privacy_table = _table(raw, "privacy", problems)
    privacy = PrivacyConfig(
        inactive_days=privacy_table.whole("inactive_days", 365, 0, 36_500),
        ticket_days=privacy_table.whole("ticket_days", 30, 1, 3_650),
    )
    privacy_table.finish()
    telegram = _telegram(_table(raw, "telegram", problems), env, problems)
    matrix = _matrix(_table(raw, "matrix", problems), env, problems)

    if problems:
        raise ConfigError(problems)
    return Config(
        database=database,
        bot=bot,
        contact=contact,
        logging=logging_config,
        console=console,
        limits=limits,
        events=events,
        staff=staff,
        broadcast=broadcast,
        privacy=privacy,
        telegram=telegram,
        matrix=matrix,
    )


def _staff(table: _Reader, problems: list[str]) -> StaffConfig:
    table.known.add("admins")
    raw = table.table.get("admins", [])
    table.finish()
    if not isinstance(raw, list) or not all(
        isinstance(item, str) and ":" in item.strip(":") for item in raw
    ):
        problems.append('[staff] admins: expected a list like ["telegram:12345"]')
        return StaffConfig()
    return StaffConfig(tuple(item.strip() for item in raw))


def _events(table: _Reader, problems: list[str]) -> EventsConfig:
    table.known.add("reminder_offsets")
    raw = table.table.get("reminder_offsets", ["7d", "1d"])
    table.finish()
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        problems.append('[events] reminder_offsets: expected a list like ["7d", "1d"]')
        return EventsConfig()
    offsets: list[int] = []
    for item in raw:
        try:
            offsets.append(parse_offset(item))
        except ValueError as error:
            problems.append(f"[events] reminder_offsets: {error}")
    return EventsConfig(tuple(sorted(set(offsets), reverse=True)))


_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def _telegram(table: _Reader, env: Mapping[str, str], problems: list[str]) -> TelegramConfig:
    token = table.text("token", "")
    secret = table.text("webhook_secret", "")
    config = TelegramConfig(
        enabled=table.flag("enabled", False),
        token=env.get("WEGWEISER_TELEGRAM_TOKEN") or token,
        base_url=table.text("base_url", ""),
        base_file_url=table.text("base_file_url", ""),
        username=table.text("username", "").lstrip("@"),
        mode=table.text("mode", "polling"),
        poll_timeout=table.whole("poll_timeout", 25, 0, 50),
        webhook_listen=table.text("webhook_listen", "127.0.0.1:8443"),
        webhook_url=table.text("webhook_url", ""),
        webhook_secret=env.get("WEGWEISER_TELEGRAM_WEBHOOK_SECRET") or secret,
        messages_per_second=table.number("messages_per_second", 25.0, 0.1, 10_000),
        messages_per_chat_per_second=table.number("messages_per_chat_per_second", 1.0, 0.01, 100),
        concurrency=table.whole("concurrency", 64, 1, 10_000),
        staff_group=table.whole("staff_group", 0, -(10**15), 0),
    )
    table.finish()
    if not config.enabled:
        return config
    if not config.token:
        problems.append("[telegram] token: required (or set WEGWEISER_TELEGRAM_TOKEN)")
    elif not _TOKEN.match(config.token):
        problems.append("[telegram] token: does not look like a bot token from @BotFather")
    if config.mode not in ("polling", "webhook"):
        problems.append(f"[telegram] mode: {config.mode!r} is not 'polling' or 'webhook'")
    if config.base_url and "://" not in config.base_url:
        problems.append(f"[telegram] base_url: not a URL: {config.base_url!r}")
    if config.webhook_secret and not _SECRET.match(config.webhook_secret):
        problems.append("[telegram] webhook_secret: use 1 to 256 of A-Z a-z 0-9 _ -")
    if config.mode == "webhook":
        if not config.webhook_url.startswith(("https://", "http://")):
            problems.append("[telegram] webhook_url: required in webhook mode (the public URL)")
        host, _, port = config.webhook_listen.rpartition(":")
        if not host or not port.isdigit():
            problems.append(
                f"[telegram] webhook_listen: expected host:port, got {config.webhook_listen!r}"
            )
    return config


_MATRIX_ID = re.compile(r"^@[a-z0-9._=/+-]+:[A-Za-z0-9.:\[\]-]+$")
_ROOM = re.compile(r"^![^:\s]+:[A-Za-z0-9.:\[\]-]+$")


def _names(table: _Reader, key: str, problems: list[str]) -> tuple[str, ...]:
    table.known.add(key)
    raw = table.table.get(key, [])
    if not isinstance(raw, list) or not all(isinstance(item, str) and item for item in raw):
        problems.append(f'[{table.section}] {key}: expected a list like ["kreis.example"]')
        return ()
    return tuple(item.strip().lower() for item in raw)


def _matrix(table: _Reader, env: Mapping[str, str], problems: list[str]) -> MatrixConfig:
    config = MatrixConfig(
        enabled=table.flag("enabled", False),
        homeserver=table.text("homeserver", "").rstrip("/"),
        user_id=table.text("user_id", ""),
        password=env.get("WEGWEISER_MATRIX_PASSWORD") or table.text("password", ""),
        access_token=env.get("WEGWEISER_MATRIX_ACCESS_TOKEN") or table.text("access_token", ""),
        device_name=table.text("device_name", "Wegweiser"),
        data_dir=table.text("data_dir", ""),
        allowed_servers=_names(table, "allowed_servers", problems),
        staff_room=table.text("staff_room", ""),
        sync_timeout=table.whole("sync_timeout", 30, 1, 300),
        concurrency=table.whole("concurrency", 32, 1, 10_000),
    )
    table.finish()
    if config.staff_room and not _ROOM.match(config.staff_room):
        problems.append(
            f"[matrix] staff_room: expected a room id like !abc:kreis.example, "
            f"got {config.staff_room!r}"
        )
    if not config.enabled:
        return config
    if not config.homeserver.startswith(("https://", "http://")):
        problems.append("[matrix] homeserver: required, the homeserver's URL (https://…)")
    if not _MATRIX_ID.match(config.user_id):
        problems.append(
            f"[matrix] user_id: expected a Matrix id like @wegweiser:kreis.example, "
            f"got {config.user_id!r}"
        )
    if not config.password and not config.access_token:
        problems.append(
            "[matrix] password or access_token: one is required (or set "
            "WEGWEISER_MATRIX_PASSWORD / WEGWEISER_MATRIX_ACCESS_TOKEN)"
        )
    return config


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
