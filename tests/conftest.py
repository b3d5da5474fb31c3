"""Shared fixtures: the demo directory, the real lexicons and catalogs, a fresh database.

The database is SQLite, or PostgreSQL with ``WEGWEISER_TEST_DATABASE=postgresql``: then one
throwaway cluster (``tests/postgres.py``) serves the whole session, and every test gets a
database of its own, copied from a template that has the schema already.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.answering.lexicon import Lexicon, load_lexicon_files
from bot.answering.service import AnsweringService
from bot.app import App, demo_directory_text, open_app
from bot.config import Config, ContactConfig, DatabaseConfig
from bot.core.clock import FixedClock
from bot.directory.loader import parse_directory
from bot.directory.model import Directory
from bot.i18n import Catalogs
from bot.storage.database import Database
from tests import postgres
from tests.database_support import PROCESS_DATABASE_ENV_VAR

pytest_plugins = ["tests.matrix_support"]

BERLIN = ZoneInfo("Europe/Berlin")
# Wednesday, 18 November 2026, 10:30 in Berlin: most demo centres are open.
WEDNESDAY_MORNING = datetime(2026, 11, 18, 10, 30, tzinfo=BERLIN)


@pytest.fixture(scope="session")
def demo_directory() -> Directory:
    return parse_directory(demo_directory_text())


@pytest.fixture(scope="session")
def lexicon() -> Lexicon:
    return Lexicon(load_lexicon_files())


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    return Catalogs()


@pytest.fixture(scope="session")
def answering(demo_directory: Directory, lexicon: Lexicon, catalogs: Catalogs) -> AnsweringService:
    return AnsweringService(demo_directory, lexicon, catalogs, ContactConfig())


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(WEDNESDAY_MORNING)


TEMPLATE = "wegweiser_template"


def _upgrade(url: str) -> None:
    async def upgrade() -> None:
        database = Database(url)
        try:
            await database.upgrade()
        finally:
            await database.close()

    with concurrent.futures.ThreadPoolExecutor(1) as thread:  # outside any running event loop
        thread.submit(asyncio.run, upgrade()).result()


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[postgres.Cluster]:
    """One PostgreSQL server for the session, with a template database at the newest schema."""
    with postgres.Cluster() as cluster:
        cluster.create_database(TEMPLATE)
        _upgrade(cluster.url(TEMPLATE))
        yield cluster


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database for this test: a SQLite file, or a PostgreSQL database."""
    if not postgres.enabled():
        yield f"sqlite+aiosqlite:///{tmp_path / 'wegweiser.db'}"
        return
    cluster: postgres.Cluster = request.getfixturevalue("postgres_cluster")
    name = cluster.create_database(template=TEMPLATE)
    try:
        yield cluster.url(name)
    finally:
        cluster.drop_database(name)


@pytest.fixture
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database without any table, not even the schema: for tests of the migrations."""
    if not postgres.enabled():
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    cluster: postgres.Cluster = request.getfixturevalue("postgres_cluster")
    name = cluster.create_database()
    try:
        yield cluster.url(name)
    finally:
        cluster.drop_database(name)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Path:
    """XDG_DATA_HOME of `wegweiser` processes: on SQLite their database is a file in it; on
    PostgreSQL they use the test's database instead (see `process_environment`)."""
    if postgres.enabled():
        url: str = request.getfixturevalue("database_url")
        monkeypatch.setenv(PROCESS_DATABASE_ENV_VAR, url)
    return tmp_path / "data"


@pytest.fixture
async def app(database_url: str, clock: FixedClock) -> AsyncIterator[App]:
    config = Config(database=DatabaseConfig(url=database_url))
    async with open_app(config, clock) as running:
        yield running
