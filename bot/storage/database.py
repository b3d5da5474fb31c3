"""The async engine, sessions, and schema upgrades through Alembic."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS = Path(__file__).with_name("migrations")


def _configure_sqlite(dbapi_connection: object, _record: object) -> None:
    """Foreign keys on; write-ahead log, so readers never wait for a writer and a commit
    need not wait for the disk (durable at the next checkpoint; safe against a crash of
    the process); wait up to 30 s for another process's write lock."""
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode")
    if cursor.fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def stored_utc(moment: datetime) -> datetime:
    """A time read back from the database, as an aware UTC time.

    Times are stored in UTC. SQLite gives them back without a zone; PostgreSQL gives them
    back aware (asyncpg in UTC, other drivers in the session's time zone).
    """
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# Plain dialect names mean the async drivers the bot ships with.
_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}


def async_url(url: str) -> URL:
    """``url`` with an async driver: ``postgresql://`` means asyncpg, ``sqlite://`` aiosqlite."""
    parsed = make_url(url)
    return parsed.set(drivername=_ASYNC_DRIVERS.get(parsed.drivername, parsed.drivername))


def _engine_options(url: URL) -> dict[str, Any]:
    """Pool settings for a server database; SQLite keeps SQLAlchemy's defaults."""
    if url.get_backend_name() == "sqlite":
        return {}
    options: dict[str, Any] = {
        "pool_size": 10,  # per process: handlers, scheduler and sender (16 sends in flight)
        "max_overflow": 10,
        "pool_timeout": 30,
        "pool_pre_ping": True,  # a restarted server or a dropped connection is noticed
        "pool_recycle": 1800,  # and no connection outlives a firewall's idle timeout
    }
    if url.get_driver_name() == "asyncpg":
        # Times are stored as timestamptz and compared in UTC, whatever the server's zone.
        settings = {"application_name": "wegweiser", "timezone": "UTC"}
        options["connect_args"] = {"server_settings": settings}
    return options


class Database:
    """Owns the engine and hands out sessions."""

    def __init__(self, url: str) -> None:
        parsed = async_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        self.url = url
        self.backend = parsed.get_backend_name()
        self.engine: AsyncEngine = create_async_engine(parsed, **_engine_options(parsed))
        if self.backend == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _configure_sqlite)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> AsyncSession:
        """A new session; use as ``async with db.session() as session``."""
        return self.sessions()

    async def upgrade(self) -> None:
        """Bring the schema to the newest migration."""
        async with self.engine.begin() as connection:
            await connection.run_sync(_upgrade_to_head)

    async def close(self) -> None:
        """Release all connections."""
        await self.engine.dispose()


def _upgrade_to_head(connection: Connection) -> None:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
