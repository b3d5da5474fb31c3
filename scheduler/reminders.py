"""Turning due reminder slots into ledger rows, once, in one transaction.

A slot due while the bot was down is sent once after the restart if its
occurrence is still ahead; otherwise it is recorded as missed. When several
slots of one occurrence are due at once (e.g. the 7-day and the 1-day
reminder after a long outage), only the latest one is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from bot.events.schedule import UTC
from bot.storage.database import Database
from bot.storage.event_repository import (
    FIRED,
    MISSED,
    PLANNED,
    recipients,
    stored_time,
    to_event,
)
from bot.storage.ledger import enqueue
from bot.storage.models import EventRow, ReminderSlotRow


@dataclass(frozen=True, slots=True)
class FireReport:
    """What one round of firing did."""

    fired: int = 0
    missed: int = 0
    notices: int = 0


async def fire_due_reminders(database: Database, now: datetime) -> FireReport:
    """Fan every due slot out to its recipients' ledger rows."""
    now = now.astimezone(UTC)
    fired = missed = notices = 0
    async with database.session() as session, session.begin():
        slots = list(
            await session.scalars(
                select(ReminderSlotRow)
                .where(ReminderSlotRow.status == PLANNED, ReminderSlotRow.due_at <= now)
                .order_by(ReminderSlotRow.due_at)
                .with_for_update(skip_locked=True)
            )
        )
        latest: dict[tuple[int, datetime], ReminderSlotRow] = {}
        for slot in slots:
            latest[(slot.event_id, slot.occurrence)] = slot  # ordered by due time: last wins
        for slot in slots:
            occurrence = stored_time(slot.occurrence)
            if occurrence <= now or latest[(slot.event_id, slot.occurrence)] is not slot:
                slot.status = MISSED
                missed += 1
                continue
            row = await session.get(EventRow, slot.event_id)
            if row is None:
                continue
            event = to_event(row)
            notices += await enqueue(
                session, await recipients(session, event), key=f"reminder:{slot.id}",
                kind="reminder", now=now, event_id=event.id, occurrence=occurrence,
                details={"offset_minutes": slot.offset_minutes},
            )  # fmt: skip
            slot.status = FIRED
            slot.fired_at = now
            fired += 1
    return FireReport(fired, missed, notices)


async def next_reminder_due(database: Database) -> datetime | None:
    """When the next planned reminder is due (UTC)."""
    async with database.session() as session:
        due = await session.scalar(
            select(func.min(ReminderSlotRow.due_at)).where(ReminderSlotRow.status == PLANNED)
        )
    return stored_time(due) if due else None
