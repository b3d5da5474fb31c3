"""Everyone's data rights: see all that is stored (/mydata), erase it (/delete), and
people who left are erased after the retention time; overlong messages are refused."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from bot.app import App
from bot.broadcasts.audience import parse_audience
from bot.core.clock import FixedClock
from bot.core.messages import Incoming, Reply
from bot.i18n import _
from bot.serve import timekeeper
from bot.storage.broadcast_repository import Draft
from bot.storage.models import (
    BroadcastRow,
    DeliveryRow,
    EventReminderRow,
    MsoMemberRow,
    SubscriptionRow,
    UserRow,
)
from tests.test_broadcast import Recorder
from tests.test_events import meeting

QUESTION = "Ich habe Schulden und brauche Hilfe in Kempen"


async def send(
    app: App, who: str, text: str | None = None, choice: str | None = None
) -> list[Reply]:
    return await app.handle(
        Incoming("console", who, who, text=text, choice=choice, language_hint="en")
    )


async def rows_of(app: App, user_id: int) -> dict[str, int]:
    counts = {}
    async with app.database.session() as session:
        for table in (UserRow, SubscriptionRow, MsoMemberRow, EventReminderRow, DeliveryRow):
            column = table.id if table is UserRow else table.user_id  # type: ignore[attr-defined]
            counts[table.__tablename__] = await session.scalar(
                select(func.count()).select_from(table).where(column == user_id)
            )
    return counts


async def test_a_user_sees_everything_stored_and_erases_it(app: App, clock: FixedClock) -> None:
    services = app.services
    mso = await services.community.add_mso("Afrika e.V.", "viersen", clock.now())
    await send(app, "amal", f"/start lang-en_mso-{mso.code}")
    await send(app, "amal", QUESTION)
    user = await services.users.get_or_create("console", "amal", "amal", clock.now())
    event = await services.events.add(meeting(clock.now() + timedelta(days=20)), clock.now())
    await send(app, "amal", choice=f"remind:{event.id}")
    draft = Draft("console:amal", user.id, {"de": "Hallo"}, parse_audience("all", {}))
    await services.broadcasts.create(draft, clock.now(), require_approval=False)

    [reply] = await send(app, "amal", "/mydata")
    assert "Everything I store about you" in reply.text and "console:amal" in reply.text
    assert reply.attachment is not None and reply.attachment.name.endswith(".json")
    data = json.loads(reply.attachment.content)
    assert data["account"]["language"] == "en" and data["account"]["region"] == "viersen"
    assert data["mso_links"][0]["mso"] == "Afrika e.V."
    assert {"channel": "arbeitskreis", "region": "viersen"} in data["subscriptions"]
    assert data["reminders_asked_for"][0]["event"] == "Arbeitskreis MSO"
    assert data["notices_sent_or_planned"]  # the announcement and the event notice
    assert "Schulden" not in reply.attachment.content.decode()  # questions are never stored

    before = await rows_of(app, user.id)
    assert all(before.values()), before
    [question] = await send(app, "amal", "/delete")
    assert "cannot be undone" in question.text
    [kept] = await send(app, "amal", choice="erase:no")
    assert "Nothing was deleted" in kept.text
    assert await rows_of(app, user.id) == before

    await send(app, "amal", "/delete")
    [done] = await send(app, "amal", choice="erase:yes")
    assert "everything I stored about you is deleted" in done.text
    assert set((await rows_of(app, user.id)).values()) == {0}
    async with app.database.session() as session:
        authored = await session.scalar(select(BroadcastRow.author_user_id))
    assert authored is None  # the announcement stays, without a link to the person


async def test_people_inactive_beyond_the_retention_time_are_erased(
    app: App, clock: FixedClock
) -> None:
    await send(app, "old", "/start lang-en")
    clock.set(clock.now() + timedelta(days=200))
    await send(app, "recent", "/start lang-en")
    clock.set(clock.now() + timedelta(days=200))
    await timekeeper(app, [Recorder()]).tick()  # type: ignore[list-item]
    async with app.database.session() as session:
        left = set(await session.scalars(select(UserRow.external_id)))
    assert left == {"recent"}


async def test_privacy_notice_and_overlong_messages(app: App) -> None:
    [notice] = await send(app, "amal", "/privacy")
    assert "/mydata" in notice.text and "/delete" in notice.text and "365 days" in notice.text
    [refused] = await send(app, "amal", "x" * 5000)
    assert "too long" in refused.text and "4,096" in refused.text
    [arabic] = await app.handle(
        Incoming("console", "samir", "samir", text="ب" * 5000, language_hint="ar")
    )
    with app.services.catalogs.use("ar"):
        expected = _("Your message is too long. Please write at most {limit} characters.")
    assert arabic.rtl and arabic.text == expected.format(limit="4,096")
