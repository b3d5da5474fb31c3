"""Turning due reminder slots into ledger rows, once: each slot in the same transaction
as its rows.

A slot due while the bot was down is sent once after the restart if its
occurrence is still ahead; otherwise it is recorded as missed. When several
slots of one occurrence are due at once (e.g. the 7-day and the 1-day
reminder after a long outage), only the latest one is sent. Many due slots
are fired a chunk per transaction, so that answering people is not held up
behind one long write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events.model import Event
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


_CHUNK = 200


async def fire_due_reminders(database: Database, now: datetime) -> FireReport:
    """Fan every due slot out to its recipients' ledger rows."""
    now = now.astimezone(UTC)
    report = FireReport()
    while True:
        async with database.session() as session, session.begin():
            chunk, more = await _fire_chunk(session, now)
        report = FireReport(
            report.fired + chunk.fired, report.missed + chunk.missed,
            report.notices + chunk.notices,
        )  # fmt: skip
        if not more:
            return report


async def _due_slots(session: AsyncSession, now: datetime) -> tuple[list[ReminderSlotRow], bool]:
    """Up to a chunk of due slots, with every other due slot of their events; and whether
    more are due."""
    due = (ReminderSlotRow.status == PLANNED, ReminderSlotRow.due_at <= now)
    first = list(
        await session.scalars(
            select(ReminderSlotRow)
            .where(*due)
            .order_by(ReminderSlotRow.due_at, ReminderSlotRow.id)
            .limit(_CHUNK)
            .with_for_update(skip_locked=True)
        )
    )
    taken = {slot.id for slot in first}
    siblings = list(
        await session.scalars(
            select(ReminderSlotRow)
            .where(*due, ReminderSlotRow.event_id.in_({slot.event_id for slot in first}))
            .where(ReminderSlotRow.id.not_in(taken))
            .with_for_update(skip_locked=True)
        )
    ) if first else []  # fmt: skip
    slots = sorted(first + siblings, key=lambda slot: (slot.due_at, slot.id))
    return slots, len(first) == _CHUNK


async def _fire_chunk(session: AsyncSession, now: datetime) -> tuple[FireReport, bool]:
    slots, more = await _due_slots(session, now)
    fired = missed = notices = 0
    latest: dict[tuple[int, datetime], ReminderSlotRow] = {}
    for slot in slots:
        latest[(slot.event_id, slot.occurrence)] = slot  # ordered by due time: last wins
    events: dict[int, Event | None] = {}
    for slot in slots:
        occurrence = stored_time(slot.occurrence)
        if occurrence <= now or latest[(slot.event_id, slot.occurrence)] is not slot:
            slot.status = MISSED
            missed += 1
            continue
        if slot.event_id not in events:
            row = await session.get(EventRow, slot.event_id)
            events[slot.event_id] = to_event(row) if row is not None else None
        event = events[slot.event_id]
        if event is None:  # gone meanwhile: nothing to remind of
            slot.status = MISSED
            missed += 1
            continue
        notices += await enqueue(
            session, await recipients(session, event), key=f"reminder:{slot.id}",
            kind="reminder", now=now, event_id=event.id, occurrence=occurrence,
            details={"offset_minutes": slot.offset_minutes},
        )  # fmt: skip
        slot.status = FIRED
        slot.fired_at = now
        fired += 1
    return FireReport(fired, missed, notices), more


async def next_reminder_due(database: Database) -> datetime | None:
    """When the next planned reminder is due (UTC)."""
    async with database.session() as session:
        due = await session.scalar(
            select(func.min(ReminderSlotRow.due_at)).where(ReminderSlotRow.status == PLANNED)
        )
    return stored_time(due) if due else None
