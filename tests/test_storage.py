"""Storage: migrations from an empty database, users by identity, no message text; times and
database URLs the same on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, DateTime, inspect, select

from bot.app import App
from bot.core.clock import FixedClock
from bot.core.messages import Incoming
from bot.storage.database import MIGRATIONS, Database, async_url, stored_utc
from bot.storage.models import Base, UserRow, UtcDateTime, ValueTooLongError
from tests import postgres
from tests.database_support import everything_stored


async def test_upgrade_creates_the_schema_and_is_repeatable(empty_database_url: str) -> None:
    database = Database(empty_database_url)
    await database.upgrade()
    await database.upgrade()
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        version = await connection.run_sync(
            lambda sync: sync.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        )
    await database.close()
    assert {"alembic_version", "users", "centres", "regions", "directory_meta"} <= set(tables)
    newest = max(path.stem.split("_")[0] for path in (MIGRATIONS / "versions").glob("0*.py"))
    assert version == newest


def _differences(connection: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


async def test_the_migrations_build_the_schema_the_models_describe(
    empty_database_url: str,
) -> None:
    database = Database(empty_database_url)
    await database.upgrade()
    async with database.engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    await database.close()
    assert differences == []


def test_every_time_column_is_stored_in_utc() -> None:
    times = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, UtcDateTime)
    ]
    plain = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, DateTime)
    ]
    assert len(times) > 20
    assert plain == []  # mapped_column(UtcDateTime()), not DateTime(timezone=True)


async def test_times_come_back_as_the_same_moment_in_utc(database_url: str) -> None:
    database = Database(database_url)
    await database.upgrade()
    berlin = datetime(2026, 11, 18, 10, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    naive = datetime(2026, 11, 18, 12, 0, tzinfo=UTC).replace(tzinfo=None)  # taken as UTC
    async with database.session() as session, session.begin():
        session.add(UserRow(
            transport="console", external_id="t", chat_id="t", region_asked=False,
            onboarded=False, active=True, created_at=berlin, last_seen_at=naive,
        ))  # fmt: skip
    async with database.session() as session:
        created, seen = (
            await session.execute(select(UserRow.created_at, UserRow.last_seen_at))
        ).one()
        earlier = await session.scalar(
            select(UserRow.id).where(
                UserRow.created_at < datetime(2026, 11, 18, 9, 31, tzinfo=UTC)
            )
        )
    await database.close()
    assert created == datetime(2026, 11, 18, 9, 30, tzinfo=UTC) and created.utcoffset() is not None
    assert seen == datetime(2026, 11, 18, 12, 0, tzinfo=UTC) and seen.tzinfo is not None
    assert earlier is not None  # compared as moments, not as wall-clock text


async def test_a_text_too_long_for_its_column_is_refused_on_every_database(
    app: App, clock: FixedClock
) -> None:
    community = app.services.community
    with pytest.raises(ValueTooLongError, match=r"msos\.name: 301 characters .* at most 300"):
        await community.add_mso("M" * 301, "viersen", clock.now())  # PostgreSQL would refuse
    assert await community.msos() == []
    assert len((await community.add_mso("M" * 300, "viersen", clock.now())).name) == 300


def test_stored_times_are_aware_utc() -> None:
    noon = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert stored_utc(noon.replace(tzinfo=None)) == noon
    berlin = datetime(2026, 1, 1, 13, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert stored_utc(berlin).tzinfo is UTC and stored_utc(berlin).hour == 12


def test_plain_database_urls_get_the_async_drivers() -> None:
    assert async_url("postgresql://u:pw@db.example/wegweiser").drivername == "postgresql+asyncpg"
    assert async_url("postgres://u@db.example/wegweiser").drivername == "postgresql+asyncpg"
    assert async_url("sqlite:///bot.db").drivername == "sqlite+aiosqlite"
    assert async_url("postgresql+asyncpg://u@h/db").drivername == "postgresql+asyncpg"
    assert async_url("postgresql://u:p%40ss@h:5433/db").password == "p@ss"


async def test_a_postgresql_url_gets_a_connection_pool_and_no_sqlite_settings() -> None:
    database = Database("postgresql+asyncpg://user:pw@db.example/wegweiser")  # not connected
    try:
        assert database.backend == "postgresql"
        assert database.engine.dialect.driver == "asyncpg"
        assert database.engine.pool.size() == 10  # type: ignore[attr-defined]
        assert database.engine.pool._pre_ping  # type: ignore[attr-defined]
    finally:
        await database.close()


async def test_demo_directory_is_loaded_once(app: App) -> None:
    directory = await app.directories.load()
    assert directory is not None and len(directory.centres) >= 40


async def test_questions_are_never_stored(app: App, tmp_path: Path) -> None:
    secret = "Ich habe Angst vor der Abschiebung Xylophonklang"
    for text in ("/start", secret):
        await app.handle(Incoming("console", "u1", "u1", text=text))
    assert "Xylophonklang" not in await everything_stored(app.database)
    await app.database.close()
    if not postgres.enabled():  # the file itself, free pages and all
        raw = (tmp_path / "wegweiser.db").read_bytes()
        assert b"Xylophonklang" not in raw


async def test_logs_carry_ids_not_text(app: App, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await app.handle(Incoming("console", "u2", "u2", text="Meine Abschiebung Quastenflosser"))
    assert "Quastenflosser" not in caplog.text
    assert "message user=" in caplog.text
