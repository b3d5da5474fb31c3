"""Events with their reminder slots and announcements, each change in one transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events.model import Event, changed_fields
from bot.events.schedule import UTC, occurrences, reminder_due
from bot.storage.database import Database, stored_utc
from bot.storage.ledger import Recipient, enqueue, withdraw
from bot.storage.models import (
    EventReminderRow,
    EventRow,
    ReminderSlotRow,
    SubscriptionRow,
    UserRow,
)

PLANNED = "planned"
FIRED = "fired"
MISSED = "missed"
CANCELLED = "cancelled"

HORIZON = timedelta(days=400)


class EventNotFoundError(LookupError):
    """No event with that id."""


@dataclass(frozen=True, slots=True)
class Upcoming:
    """An event and its next occurrence."""

    event: Event
    starts_at: datetime


def stored_time(moment: datetime) -> datetime:
    """A time read back from the database, as an aware UTC time (see ``stored_utc``)."""
    return stored_utc(moment)


def to_event(row: EventRow) -> Event:
    """The domain event for a row."""
    return Event(
        id=row.id,
        uid=row.uid,
        kind=row.kind,
        audience=row.audience,
        region=row.region_key,
        titles=dict(row.titles),
        descriptions=dict(row.descriptions),
        starts_at=stored_time(row.starts_at),
        ends_at=stored_time(row.ends_at) if row.ends_at else None,
        timezone=row.timezone,
        location=row.location,
        online_url=row.online_url,
        registration=row.registration,
        rrule=row.rrule,
        cancelled=row.cancelled,
        updated_at=stored_time(row.updated_at),
    )


def _write(row: EventRow, event: Event) -> None:
    row.kind = event.kind
    row.audience = event.audience
    row.region_key = event.region
    row.titles = dict(event.titles)
    row.descriptions = dict(event.descriptions)
    row.starts_at = event.starts_at.astimezone(UTC)
    row.ends_at = event.ends_at.astimezone(UTC) if event.ends_at else None
    row.timezone = event.timezone
    row.location = event.location
    row.online_url = event.online_url
    row.registration = event.registration
    row.rrule = event.rrule
    row.cancelled = event.cancelled


async def slot_counts(session: AsyncSession, event_id: int) -> dict[str, int]:
    """Reminder slots of an event per status."""
    rows = await session.execute(
        select(ReminderSlotRow.status, func.count())
        .where(ReminderSlotRow.event_id == event_id)
        .group_by(ReminderSlotRow.status)
    )
    return {status: count for status, count in rows}


async def recipients(session: AsyncSession, event: Event) -> list[Recipient]:
    """Reachable subscribers of the event's channel and region, and who asked to be reminded."""
    subscribed = select(SubscriptionRow.user_id).where(SubscriptionRow.channel == event.channel)
    if event.region is not None:
        subscribed = subscribed.where(SubscriptionRow.region_key == event.region)
    reminded = select(EventReminderRow.user_id).where(EventReminderRow.event_id == event.id)
    rows = await session.execute(
        select(UserRow.id, UserRow.transport)
        .where(UserRow.active.is_(True))
        .where(or_(UserRow.id.in_(subscribed), UserRow.id.in_(reminded)))
        .order_by(UserRow.id)
    )
    return [Recipient(user_id, transport) for user_id, transport in rows]


class EventRepository:
    """Creates, changes and cancels events; plans their reminders; announces them."""

    def __init__(self, database: Database, reminder_offsets: tuple[int, ...]) -> None:
        self._database = database
        self._offsets = reminder_offsets

    async def add(self, event: Event, now: datetime) -> Event:
        """Store a new event, plan its reminders and announce it to the channel's subscribers."""
        async with self._database.session() as session, session.begin():
            return await self._add(session, event, now.astimezone(UTC))

    async def update(self, event: Event, now: datetime) -> tuple[Event, list[str]]:
        """Store a changed event, move its reminders and tell who expects it what changed."""
        async with self._database.session() as session, session.begin():
            return await self._update(session, event, now.astimezone(UTC))

    async def import_events(self, events: list[Event], now: datetime) -> tuple[int, int]:
        """Add new events and update known ones (same UID), all in one transaction.

        Returns (added, updated).
        """
        now = now.astimezone(UTC)
        added = updated = 0
        async with self._database.session() as session, session.begin():
            for event in events:
                known = (
                    await session.scalar(select(EventRow).where(EventRow.uid == event.uid))
                    if event.uid
                    else None
                )
                if known is None:
                    await self._add(session, event, now)
                    added += 1
                else:
                    await self._update(session, replace(event, id=known.id), now)
                    updated += 1
        return added, updated

    async def _add(self, session: AsyncSession, event: Event, now: datetime) -> Event:
        row = EventRow(uid=event.uid or f"{uuid.uuid4()}@wegweiser", created_at=now)
        _write(row, event)
        row.updated_at = now
        session.add(row)
        await session.flush()
        stored = to_event(row)
        await self._plan(session, stored, now)
        subscribers = await recipients(session, stored)
        await enqueue(
            session, subscribers, key=f"announce:{stored.id}", kind="announce",
            now=now, event_id=stored.id,
        )  # fmt: skip
        return stored

    async def _update(
        self, session: AsyncSession, event: Event, now: datetime
    ) -> tuple[Event, list[str]]:
        row = await session.get(EventRow, event.id)
        if row is None:
            raise EventNotFoundError(event.id)
        before = to_event(row)
        _write(row, event)
        row.updated_at = now
        await session.flush()
        after = to_event(row)
        changed = changed_fields(before, after)
        await self._plan(session, after, now)
        if changed and not after.cancelled:
            await enqueue(
                session, await recipients(session, after),
                key=f"change:{after.id}:{now.isoformat()}", kind="change", now=now,
                event_id=after.id, details={"changed": changed},
            )  # fmt: skip
        return after, changed

    async def cancel(self, event_id: int, now: datetime) -> Event:
        """Cancel an event: its reminders are dropped and who expects it is told."""
        now = now.astimezone(UTC)
        async with self._database.session() as session, session.begin():
            row = await session.get(EventRow, event_id)
            if row is None:
                raise EventNotFoundError(event_id)
            row.cancelled = True
            row.updated_at = now
            await session.flush()
            event = to_event(row)
            await self._plan(session, event, now)
            await withdraw(session, ("reminder", "announce", "change"), event_id=event.id)
            await enqueue(
                session, await recipients(session, event), key=f"cancel:{event.id}",
                kind="cancel", now=now, event_id=event.id,
            )  # fmt: skip
            return event

    async def reminder_counts(self, event_id: int) -> dict[str, int]:
        """How many reminder slots of the event are planned, fired, missed."""
        async with self._database.session() as session:
            return await slot_counts(session, event_id)

    async def get(self, event_id: int) -> Event | None:
        """The event with this id."""
        async with self._database.session() as session:
            row = await session.get(EventRow, event_id)
            return to_event(row) if row else None

    async def all(self) -> list[Event]:
        """Every event, newest start first."""
        async with self._database.session() as session:
            rows = await session.scalars(select(EventRow).order_by(EventRow.starts_at.desc()))
            return [to_event(row) for row in rows]

    async def upcoming(
        self, now: datetime, region: str | None, include_mso: bool, limit: int = 5
    ) -> list[Upcoming]:
        """The next events for a region (and those for all regions), soonest first.

        One-off events are picked by the database (the soonest ``limit`` that have
        not ended); only repeating ones are expanded here.
        """
        shown: list[ColumnElement[bool]] = [EventRow.cancelled.is_(False)]
        if not include_mso:
            shown.append(EventRow.audience != "mso")
        if region is not None:
            shown.append(or_(EventRow.region_key.is_(None), EventRow.region_key == region))
        not_ended = or_(
            EventRow.ends_at >= now,
            (EventRow.ends_at.is_(None)) & (EventRow.starts_at >= now - timedelta(hours=2)),
        )
        async with self._database.session() as session:
            one_off = await session.scalars(
                select(EventRow)
                .where(
                    *shown, EventRow.rrule == "", not_ended, EventRow.starts_at <= now + HORIZON
                )
                .order_by(EventRow.starts_at)
                .limit(limit)
            )
            repeating = await session.scalars(select(EventRow).where(*shown, EventRow.rrule != ""))
            events = [to_event(row) for row in [*one_off, *repeating]]
        found: list[Upcoming] = []
        for event in events:
            if event.audience == "mso" and not include_mso:
                continue
            if region is not None and event.region not in (None, region):
                continue
            ends = event.ends_at - event.starts_at if event.ends_at else timedelta(hours=2)
            next_ones = occurrences(event, now - ends, now + HORIZON)
            if next_ones:
                found.append(Upcoming(event, next_ones[0]))
        found.sort(key=lambda item: item.starts_at)
        return found[:limit]

    async def remind(self, user_id: int, event_id: int, now: datetime) -> bool:
        """Remember that a user wants the event's reminders; False if already asked."""
        async with self._database.session() as session, session.begin():
            if await session.get(EventReminderRow, (user_id, event_id)) is not None:
                return False
            session.add(EventReminderRow(user_id=user_id, event_id=event_id, created_at=now))
            return True

    async def _plan(self, session: AsyncSession, event: Event, now: datetime) -> None:
        """Replace the event's planned reminder slots by those of its current schedule."""
        await session.execute(
            delete(ReminderSlotRow).where(
                ReminderSlotRow.event_id == event.id, ReminderSlotRow.status == PLANNED
            )
        )
        if event.cancelled:
            return
        existing = await session.execute(
            select(ReminderSlotRow.occurrence, ReminderSlotRow.offset_minutes).where(
                ReminderSlotRow.event_id == event.id
            )
        )
        taken = {(stored_time(moment), offset) for moment, offset in existing}
        for occurrence in occurrences(event, now, now + HORIZON):
            for offset in self._offsets:
                due = reminder_due(occurrence, offset)
                key = (occurrence.astimezone(UTC), offset)
                if due <= now or key in taken:
                    continue
                session.add(
                    ReminderSlotRow(
                        event_id=event.id,
                        occurrence=occurrence.astimezone(UTC),
                        offset_minutes=offset,
                        due_at=due,
                        status=PLANNED,
                    )
                )
