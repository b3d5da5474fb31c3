"""Filling a benchmark database directly, as tests/test_broadcast_process.py does."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bench.botproc import database_url
from bot.app import open_app
from bot.config import Config, DatabaseConfig
from bot.events.schedule import UTC
from bot.storage.database import Database
from bot.storage.models import EventReminderRow, EventRow, ReminderSlotRow, UserRow
from tests.botapi import BotApiServer

LOCALES = ("de", "ar", "uk", "tr", "fa", "ru", "en", "fr", "ku")
REGIONS = ("viersen", "steinfurt", "rhein-sieg")
_CHUNK = 5000


async def prepare(path: Path) -> None:
    """Schema at head and the demo directory loaded, as after a first `wegweiser run`."""
    async with open_app(Config(database=DatabaseConfig(url=database_url(path)))):
        pass


def copy_database(source: Path, target: Path) -> None:
    """A copy of a prepared SQLite database (WAL checkpointed by the closing engine)."""
    shutil.copyfile(source, target)


async def _insert(path: Path, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    database = Database(database_url(path))
    try:
        async with database.session() as session, session.begin():
            for start in range(0, len(rows), _CHUNK):
                await session.execute(insert(table), list(rows[start : start + _CHUNK]))
    finally:
        await database.close()


async def add_users(
    path: Path,
    count: int,
    first_id: int,
    server: BotApiServer | None = None,
    locales: Sequence[str] = LOCALES,
    regions: Sequence[str] = REGIONS,
) -> list[int]:
    """``count`` onboarded Telegram users (ids from ``first_id``), also known to ``server``."""
    now = datetime.now(UTC)
    ids = list(range(first_id, first_id + count))
    rows = []
    for index, user_id in enumerate(ids):
        if server is not None:
            server.add_user(user_id, "User", language_code=locales[index % len(locales)])
        rows.append(
            {
                "transport": "telegram",
                "external_id": str(user_id),
                "chat_id": str(user_id),
                "locale": locales[index % len(locales)],
                "region_key": regions[index % len(regions)],
                "town": None,
                "region_asked": True,
                "onboarded": True,
                "active": True,
                "created_at": now,
                "last_seen_at": now,
                "step": None,
                "consent_at": now,
            }
        )
    await _insert(path, UserRow, rows)
    return ids


async def add_reminders(
    path: Path,
    events: int,
    offsets: Sequence[int],
    *,
    starts_in: timedelta,
    reminded_by: Sequence[int] = (),
    per_event: int = 0,
) -> int:
    """``events`` single events starting ``starts_in`` from now, each with one planned
    reminder slot per offset (minutes before); ``per_event`` users of ``reminded_by``
    pressed "remind me" on each. Slots due in the past stay planned, as after downtime.
    Returns the number of slots."""
    now = datetime.now(UTC)
    starts = (now + starts_in).replace(second=0, microsecond=0)
    event_rows = [
        {
            "uid": f"bench-{number}@wegweiser",
            "kind": "workshop",
            "audience": "public",
            "region_key": REGIONS[number % len(REGIONS)],
            "titles": {"de": f"Infoabend {number}", "en": f"Information evening {number}"},
            "descriptions": {"de": "Offenes Treffen im Integrationszentrum."},
            "starts_at": starts + timedelta(minutes=number % 600),
            "ends_at": starts + timedelta(minutes=number % 600 + 120),
            "timezone": "Europe/Berlin",
            "location": "Rathaus, Saal 2",
            "online_url": "",
            "registration": "",
            "rrule": "",
            "cancelled": False,
            "created_at": now,
            "updated_at": now,
        }
        for number in range(events)
    ]
    await _insert(path, EventRow, event_rows)
    database = Database(database_url(path))
    try:
        async with database.session() as session:
            stored = list(await session.execute(select(EventRow.id, EventRow.starts_at)))
    finally:
        await database.close()
    slots = []
    reminders = []
    for index, (event_id, starts_at) in enumerate(stored):
        occurrence = starts_at if starts_at.tzinfo else starts_at.replace(tzinfo=UTC)
        for offset in offsets:
            slots.append(
                {
                    "event_id": event_id,
                    "occurrence": occurrence,
                    "offset_minutes": offset,
                    "due_at": occurrence - timedelta(minutes=offset),
                    "status": "planned",
                    "fired_at": None,
                }
            )
        for number in range(per_event):
            user = reminded_by[(index * per_event + number) % len(reminded_by)]
            reminders.append({"user_id": user, "event_id": event_id, "created_at": now})
    await _insert(path, ReminderSlotRow, slots)
    if reminders:
        await _insert(path, EventReminderRow, reminders)
    return len(slots)


async def user_row_ids(path: Path, external_ids: Sequence[int]) -> list[int]:
    """Database ids of Telegram users."""
    wanted = {str(external) for external in external_ids}
    database = Database(database_url(path))
    try:
        async with database.session() as session:
            rows = await session.execute(select(UserRow.id, UserRow.external_id))
            return [row_id for row_id, external in rows if external in wanted]
    finally:
        await database.close()
