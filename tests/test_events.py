"""Events, MSO invites, subscriptions and reminders, with a clock the tests move (no sleeping)."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.app import App
from bot.core.clock import FixedClock
from bot.events.ics import from_ics, to_ics
from bot.events.model import Event
from bot.events.schedule import UTC
from bot.serve import notice_sender
from bot.storage.database import Database
from bot.storage.ledger import Ledger
from bot.storage.models import DeliveryRow, ReminderSlotRow
from bot.transports.console import ConsoleTransport
from scheduler.lease import Lease
from scheduler.reminders import fire_due_reminders
from tests.test_chat import chat, stored_user

BERLIN = ZoneInfo("Europe/Berlin")


def meeting(starts: datetime, **changes: object) -> Event:
    """The half-yearly Arbeitskreis of Kreis Viersen, with a Turkish title."""
    fields: dict[str, object] = {
        "id": 0,
        "uid": "",
        "kind": "arbeitskreis",
        "audience": "mso",
        "region": "viersen",
        "titles": {"de": "Arbeitskreis MSO", "tr": "MSO Çalışma Grubu"},
        "descriptions": {"de": "Austausch der Vereine."},
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "timezone": "Europe/Berlin",
        "location": "Kreishaus Viersen, Raum 101",
    }
    fields.update(changes)
    return Event(**fields)  # type: ignore[arg-type]


class Inbox:
    """A console transport whose printed notices the test reads."""

    def __init__(self) -> None:
        self.out = io.StringIO()
        self.transport = ConsoleTransport(user="-", stdout=self.out)

    def take(self) -> str:
        text = self.out.getvalue()
        self.out.seek(0)
        self.out.truncate()
        return text


async def deliver(app: App, inbox: Inbox) -> str:
    """Fire due reminders and send every due notice; return what the console printed."""
    await fire_due_reminders(app.database, app.services.clock.now())
    await notice_sender(app, [inbox.transport]).drain()
    return inbox.take()


async def slots(database: Database, event_id: int) -> list[tuple[datetime, str]]:
    async with database.session() as session:
        rows = await session.scalars(
            select(ReminderSlotRow)
            .where(ReminderSlotRow.event_id == event_id)
            .order_by(ReminderSlotRow.due_at)
        )
        return [(row.due_at.replace(tzinfo=UTC), row.status) for row in rows]


async def test_reminders_keep_the_wall_clock_time_across_summer_time(app: App) -> None:
    spring = await app.services.events.add(
        meeting(datetime(2027, 3, 28, 10, 0, tzinfo=BERLIN)), app.services.clock.now()
    )
    autumn = await app.services.events.add(
        meeting(datetime(2026, 10, 26, 17, 0, tzinfo=BERLIN), uid="autumn"),
        datetime(2026, 10, 1, tzinfo=UTC),
    )
    assert [due for due, _ in await slots(app.database, spring.id)] == [
        datetime(2027, 3, 21, 9, 0, tzinfo=UTC),  # 10:00 winter time, a week before
        datetime(2027, 3, 27, 9, 0, tzinfo=UTC),  # 10:00 winter time, the day before
    ]  # the meeting itself is at 10:00 summer time: 08:00 UTC
    assert [due for due, _ in await slots(app.database, autumn.id)] == [
        datetime(2026, 10, 19, 15, 0, tzinfo=UTC),  # 17:00 summer time
        datetime(2026, 10, 25, 16, 0, tzinfo=UTC),  # 17:00 winter time (the change is that night)
    ]


async def test_an_mso_contact_joins_by_invite_and_gets_everything_in_turkish(
    app: App, clock: FixedClock
) -> None:
    inbox = Inbox()
    mso = await app.services.community.add_mso("Türk Kültür Derneği", "viersen", clock.now())
    out = await chat(app, f"/start mso-{mso.code}", "tr", hint="tr", user="leyla")
    assert "Türk Kültür Derneği" in out
    user = await stored_user(app, "leyla")
    assert user.locale == "tr" and user.region_key == "viersen"
    assert [
        (m.transport, m.external_id) for m in await app.services.community.members(mso.id)
    ] == [("console", "leyla")]

    starts = datetime(2026, 12, 3, 17, 0, tzinfo=BERLIN)
    event = await app.services.events.add(meeting(starts), clock.now())
    announcement = await deliver(app, inbox)
    assert "MSO Çalışma Grubu" in announcement
    assert "3 Aralık 2026 Perşembe" in announcement and "17:00" in announcement

    clock.set(datetime(2026, 11, 26, 15, 59, tzinfo=UTC))  # a minute before the first reminder
    assert await deliver(app, inbox) == ""
    clock.set(datetime(2026, 11, 26, 16, 0, tzinfo=UTC))  # 17:00 in Berlin, a week before
    week_before = await deliver(app, inbox)
    assert "⏰" in week_before and "MSO Çalışma Grubu" in week_before
    assert await deliver(app, inbox) == ""  # never twice
    clock.set(datetime(2026, 12, 2, 16, 0, tzinfo=UTC))
    day_before = await deliver(app, inbox)
    assert "⏰" in day_before
    assert [status for _, status in await slots(app.database, event.id)] == ["fired", "fired"]


async def test_a_reminder_due_while_the_bot_was_down_is_sent_once_or_recorded_as_missed(
    app: App, clock: FixedClock
) -> None:
    inbox = Inbox()
    await chat(app, "/start region-viersen_lang-de", "/subscribe", "1", user="sam")
    starts = datetime(2026, 12, 3, 17, 0, tzinfo=BERLIN)
    event = await app.services.events.add(
        meeting(starts, audience="public", kind="workshop"), clock.now()
    )
    await deliver(app, inbox)  # the announcement
    clock.set(datetime(2026, 12, 2, 18, 0, tzinfo=UTC))  # down through both due times
    text = await deliver(app, inbox)
    assert text.count("⏰") == 1  # only the latest reminder, not both at once
    assert sorted(status for _, status in await slots(app.database, event.id)) == [
        "fired",
        "missed",
    ]

    later = await app.services.events.add(
        meeting(datetime(2026, 12, 10, 17, 0, tzinfo=BERLIN), audience="public", uid="later"),
        clock.now(),
    )
    clock.set(datetime(2026, 12, 10, 18, 0, tzinfo=BERLIN))  # down until after the event
    await deliver(app, inbox)
    assert [status for _, status in await slots(app.database, later.id)] == ["missed", "missed"]


async def test_a_change_moves_the_reminders_and_tells_what_changed(
    app: App, clock: FixedClock
) -> None:
    inbox = Inbox()
    await chat(app, "/start region-viersen_lang-de", "/subscribe", "1", user="sam")
    event = await app.services.events.add(
        meeting(datetime(2026, 12, 3, 17, 0, tzinfo=BERLIN), audience="public", kind="workshop"),
        clock.now(),
    )
    await deliver(app, inbox)
    moved = meeting(
        datetime(2026, 12, 10, 18, 0, tzinfo=BERLIN), audience="public", kind="workshop"
    )
    updated, changed = await app.services.events.update(
        replace(moved, id=event.id, uid=event.uid), clock.now()
    )
    assert changed == ["starts_at", "ends_at"]
    notice = await deliver(app, inbox)
    assert "geändert" in notice or "changed" in notice
    assert "10. Dezember 2026" in notice and "18:00" in notice
    assert [due for due, _ in await slots(app.database, updated.id)] == [
        datetime(2026, 12, 3, 17, 0, tzinfo=UTC),
        datetime(2026, 12, 9, 17, 0, tzinfo=UTC),
    ]


async def test_a_cancelled_event_drops_its_reminders_and_says_so(
    app: App, clock: FixedClock
) -> None:
    inbox = Inbox()
    await chat(app, "/start region-viersen_lang-de", "/events", user="sam")
    event = await app.services.events.add(
        meeting(datetime(2026, 12, 3, 17, 0, tzinfo=BERLIN), audience="public", kind="workshop"),
        clock.now(),
    )
    out = await chat(app, "/events", "1", user="sam")  # "remind me"
    assert "Arbeitskreis MSO" in out
    await app.services.events.cancel(event.id, clock.now())
    notice = await deliver(app, inbox)
    assert "❌" in notice and "Arbeitskreis MSO" in notice
    assert await slots(app.database, event.id) == []
    clock.set(datetime(2026, 12, 3, 12, 0, tzinfo=UTC))
    assert await deliver(app, inbox) == ""


async def test_recurring_events_get_reminders_for_each_occurrence(
    app: App, clock: FixedClock
) -> None:
    event = await app.services.events.add(
        meeting(datetime(2026, 12, 3, 17, 0, tzinfo=BERLIN), rrule="FREQ=MONTHLY;INTERVAL=6"),
        clock.now(),
    )
    dues = [due for due, _ in await slots(app.database, event.id)]
    assert len(dues) == 6  # Dec 2026, Jun 2027, Dec 2027 within the planning horizon
    assert dues[2] == datetime(2027, 5, 27, 15, 0, tzinfo=UTC)  # 17:00 summer time


def test_an_event_survives_an_ics_round_trip() -> None:
    starts = datetime(2026, 12, 3, 17, 0, tzinfo=BERLIN)
    event = meeting(starts, id=4, uid="ak-2026@kreis-viersen", rrule="FREQ=MONTHLY;INTERVAL=6")
    content = to_ics(event)
    assert b"BEGIN:VTIMEZONE" in content and b"TZID=Europe/Berlin" in content
    [back] = from_ics(content, "viersen", "mso", "arbeitskreis")
    assert back.uid == event.uid and back.title("de") == "Arbeitskreis MSO"
    assert back.starts_at == starts and back.ends_at == event.ends_at
    assert back.rrule == "FREQ=MONTHLY;INTERVAL=6" and back.location == event.location


async def test_a_notice_in_flight_at_a_crash_is_never_sent_again(
    app: App, clock: FixedClock
) -> None:
    inbox = Inbox()
    await chat(app, "/start region-viersen_lang-de", "/subscribe", "1", user="sam")
    await app.services.events.add(
        meeting(datetime(2026, 12, 3, 17, 0, tzinfo=BERLIN), audience="public", kind="workshop"),
        clock.now(),
    )
    ledger = Ledger(app.database, "host-a:1")
    claimed = await ledger.claim({"console"}, clock.now(), 10)
    assert len(claimed) == 1  # the process dies while sending it
    assert await ledger.recover({"host-a:1", "host-b:2"}) == 0  # its worker still lives
    assert await ledger.recover({"host-b:2"}) == 1  # it died
    assert await deliver(app, inbox) == ""
    async with app.database.session() as session:
        status = await session.scalar(select(DeliveryRow.status))
    assert status == "unknown"


async def test_only_one_process_holds_the_scheduler_lease(app: App, clock: FixedClock) -> None:
    first = Lease(app.database, "scheduler", "host-a:1", timedelta(seconds=45))
    second = Lease(app.database, "scheduler", "host-b:2", timedelta(seconds=45))
    now = clock.now()
    assert await first.acquire(now)
    assert not await second.acquire(now)
    assert await first.acquire(now + timedelta(seconds=30))  # renewed by its holder
    assert not await second.acquire(now + timedelta(seconds=60))
    assert await second.acquire(now + timedelta(seconds=80))  # the first one died
    assert not await first.acquire(now + timedelta(seconds=81))
    await second.release()
    assert await first.acquire(now + timedelta(seconds=82))  # a clean stop hands over at once
