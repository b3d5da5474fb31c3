"""Staff keep events in chat; for everyone else these commands do not exist."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.app import App, open_app
from bot.config import Config, DatabaseConfig, StaffConfig
from bot.core.clock import FixedClock
from bot.core.messages import Incoming
from tests.test_chat import chat

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
async def staffed(database_url: str, clock: FixedClock) -> AsyncIterator[App]:
    config = Config(database=DatabaseConfig(url=database_url), staff=StaffConfig(("console:kim",)))
    async with open_app(config, clock) as app:
        yield app


async def test_staff_create_move_and_cancel_an_event_in_chat(staffed: App) -> None:
    out = await chat(
        staffed, "1", "-", "/newevent", "Arbeitskreis MSO Viersen", "gestern",
        "03.12.2026 17:00", "Kreishaus Viersen, Raum 101", "1", "2", "1", "1", user="kim",
    )  # fmt: skip
    assert out.count("03.12.2026 17:00") >= 2  # "gestern" is refused with the example again
    assert "Donnerstag, 3. Dezember 2026, 17:00–19:00" in out
    [event] = await staffed.services.events.all()
    assert event.title("de") == "Arbeitskreis MSO Viersen"
    assert (event.region, event.audience, event.kind) == ("viersen", "mso", "arbeitskreis")
    assert event.starts_at == datetime(2026, 12, 3, 17, 0, tzinfo=BERLIN)
    assert event.location == "Kreishaus Viersen, Raum 101"

    await chat(staffed, "/editevent", "1", "10.12.2026 18:00", user="kim")
    moved = await staffed.services.events.get(event.id)
    assert moved is not None and moved.starts_at == datetime(2026, 12, 10, 18, 0, tzinfo=BERLIN)

    await chat(staffed, "/cancelevent", "1", "1", user="kim")
    cancelled = await staffed.services.events.get(event.id)
    assert cancelled is not None and cancelled.cancelled


async def test_staff_commands_do_not_exist_for_anyone_else(staffed: App) -> None:
    out = await chat(staffed, "2", "-", "/help", "/newevent", "/cancelevent", user="amal")
    assert "/newevent" not in out.split("/newevent")[0]  # not in the help text
    assert out.count("I do not know this command") == 2
    forged = await staffed.handle(
        Incoming("console", "amal", "amal", choice="evcancelok:1", language_hint="en")
    )
    assert "no longer valid" in forged[0].text
    assert await staffed.services.events.all() == []
