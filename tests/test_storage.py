"""Storage: migrations from an empty database, users by identity, no message text."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import inspect

from bot.app import App
from bot.core.messages import Incoming
from bot.storage.database import Database


async def test_upgrade_creates_the_schema_and_is_repeatable(database_url: str) -> None:
    database = Database(database_url)
    await database.upgrade()
    await database.upgrade()
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    await database.close()
    assert {"alembic_version", "users", "centres", "regions", "directory_meta"} <= set(tables)


async def test_demo_directory_is_loaded_once(app: App) -> None:
    directory = await app.directories.load()
    assert directory is not None and len(directory.centres) >= 40


async def test_questions_are_never_stored(app: App, tmp_path: Path) -> None:
    secret = "Ich habe Angst vor der Abschiebung Xylophonklang"
    for text in ("/start", secret):
        await app.handle(Incoming("console", "u1", "u1", text=text))
    await app.database.close()
    raw = (tmp_path / "wegweiser.db").read_bytes()
    assert b"Xylophonklang" not in raw


async def test_logs_carry_ids_not_text(app: App, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await app.handle(Incoming("console", "u2", "u2", text="Meine Abschiebung Quastenflosser"))
    assert "Quastenflosser" not in caplog.text
    assert "message user=" in caplog.text
