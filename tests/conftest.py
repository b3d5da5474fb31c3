"""Shared fixtures: the demo directory, the real lexicons and catalogs, a fresh database."""

from __future__ import annotations

from collections.abc import AsyncIterator
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


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'wegweiser.db'}"


@pytest.fixture
async def app(database_url: str, clock: FixedClock) -> AsyncIterator[App]:
    config = Config(database=DatabaseConfig(url=database_url))
    async with open_app(config, clock) as running:
        yield running
