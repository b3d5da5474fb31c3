"""Consent, handover to KI staff through the staff room, statistics and the "leave no trace"
promise: a whole scenario on the console core, with a recording transport at the edge."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import App, open_app
from bot.config import Config, DatabaseConfig, LoggingConfig, StaffConfig
from bot.core.clock import FixedClock
from bot.core.messages import Incoming, Reply
from bot.core.relay import Relay
from bot.i18n import _
from bot.logging_setup import quiet_libraries
from bot.serve import timekeeper
from bot.storage.models import QuestionStatRow, TicketRow, UserRow
from tests.database_support import everything_stored
from tests.test_broadcast import Recorder

ROOM = "staffroom"
NEIGHBOUR = "لدي مشكلة مع جاري بسبب الضجيج في الليل"
MORE = "وأيضا يصرخ علي عندما أخرج القمامة"
STAFF_ANSWER = "Bitte kommen Sie am Montag um 10 Uhr in unser Büro in Viersen."


@pytest.fixture
async def staffed(database_url: str, clock: FixedClock) -> AsyncIterator[tuple[App, Recorder]]:
    config = Config(database=DatabaseConfig(url=database_url), staff=StaffConfig(("console:kim",)))
    async with open_app(config, clock) as app:
        recorder = Recorder()
        app.services.relay = Relay({"console": recorder}, ("console", ROOM))
        yield app, recorder


async def send(
    app: App, who: str, text: str | None = None, choice: str | None = None, hint: str = "ar"
) -> list[Reply]:
    return await app.handle(Incoming("console", who, who, text=text, choice=choice,
                                     language_hint=hint))  # fmt: skip


async def staff_reply(app: App, recorder: Recorder, text: str, to: int = -1) -> list[Reply]:
    message_id = str(len(recorder.sent[ROOM]) if to == -1 else to)
    return await app.handle(Incoming("console", ROOM, "kim", text=text, reply_to=message_id))


async def onboard(app: App, who: str, language: str = "ar") -> list[Reply]:
    await send(app, who, "/start")
    await send(app, who, choice=f"lang:{language}")
    await send(app, who, choice="region:viersen")
    return await send(app, who, choice="town:-")


async def test_consent_handover_relay_export_and_erase_leave_nothing_behind(
    staffed: tuple[App, Recorder], clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    app, recorder = staffed
    quiet_libraries(LoggingConfig(level="DEBUG"))  # as `wegweiser run` sets them
    caplog.set_level(logging.DEBUG)
    notice, _invite = await onboard(app, "nour")
    assert [c.data for c in notice.choices] == ["consent:yes", "consent:no"]
    [thanks] = await send(app, "nour", choice="consent:yes")
    assert "/mydata" in thanks.text and "/delete" in thanks.text
    user = await app.services.users.get_or_create("console", "nour", "nour", clock.now())
    assert user.consent_at is not None
    [privacy] = await send(app, "nour", "/privacy")
    assert not privacy.choices  # consent given: not asked again

    # The directory has nothing for a quarrel with the neighbour: the bot offers a person.
    answer, offer = await send(app, "nour", NEIGHBOUR)
    assert "Kommunales Integrationszentrum" in answer.text
    assert [c.data for c in offer.choices] == ["handover:yes", "handover:no"]
    assert recorder.sent[ROOM] == []  # nothing leaves before the person agrees
    [opened] = await send(app, "nour", choice="handover:yes")
    assert "#1" in opened.text and "/done" in opened.text
    [ticket] = recorder.texts(ROOM)
    assert "Ticket #1" in ticket and "Arabisch" in ticket and "Kreis Viersen" in ticket
    assert NEIGHBOUR in ticket and "nour" not in ticket  # the words, never the person

    [passed] = await send(app, "nour", MORE)
    assert "#1" in passed.text
    assert MORE in recorder.texts(ROOM)[-1] and "#1" in recorder.texts(ROOM)[-1]

    assert await staff_reply(app, recorder, STAFF_ANSWER, to=1) == []  # relayed, no complaint
    relayed = recorder.texts("nour")[-1]
    assert STAFF_ANSWER in relayed and "#1" in relayed
    with app.services.catalogs.use("ar"):
        note = _("(The staff answered in German.)")
    assert note in relayed and note != "(The staff answered in German.)"  # said in Arabic
    [closed_note] = await staff_reply(app, recorder, "/close", to=2)
    assert "#1" in closed_note.text
    assert "#1" in recorder.texts("nour")[-1]  # the person is told the ticket is closed
    [late] = await staff_reply(app, recorder, "Noch etwas?", to=1)
    assert "#1" in late.text  # a closed ticket relays nothing more
    assert len(recorder.sent["nour"]) == 2

    [mydata] = await send(app, "nour", "/mydata")
    assert mydata.attachment is not None
    exported = mydata.attachment.content.decode()
    assert '"ticket": 1' in exported and '"closed"' in exported and '"consent_given"' in exported
    assert NEIGHBOUR not in exported and MORE not in exported

    stored = await everything_stored(app.database)
    for words in (NEIGHBOUR, MORE, STAFF_ANSWER):
        assert words not in stored  # words pass through, they are never written down

    await send(app, "nour", "/delete")
    [erased] = await send(app, "nour", choice="erase:yes")
    assert "/start" in erased.text
    stored = await everything_stored(app.database)
    assert "'nour'" not in stored and "console:nour" not in stored
    await app.services.stats.flush()
    async with app.database.session() as session:
        assert (await session.scalars(select(TicketRow))).all() == []
        assert (await session.scalars(select(UserRow))).all() == []
        statistics = (await session.scalars(select(QuestionStatRow))).all()
    assert {row.topic for row in statistics} == {"unanswered", "handover"}  # counts stay, no one
    logs = caplog.text
    for words in (NEIGHBOUR, MORE, STAFF_ANSWER):
        assert words not in logs
    assert "nour" not in logs


async def test_declining_consent_erases_at_once(
    staffed: tuple[App, Recorder], clock: FixedClock
) -> None:
    app, _ = staffed
    await onboard(app, "ali", "de")
    [answer] = await send(app, "ali", choice="consent:no", hint="de")
    assert "gelöscht" in answer.text
    async with app.database.session() as session:
        assert (await session.scalars(select(UserRow))).all() == []
    [privacy] = await send(app, "ali", "/privacy", hint="de")
    assert [c.data for c in privacy.choices] == ["consent:yes", "consent:no"]


async def test_asking_for_a_person_offers_handover_and_done_ends_it(
    staffed: tuple[App, Recorder],
) -> None:
    app, recorder = staffed
    await onboard(app, "olena", "uk")
    replies = await send(app, "olena", "Я хочу поговорити з людиною", hint="uk")
    assert replies[-1].choices[0].data == "handover:yes"
    await send(app, "olena", choice="handover:yes", hint="uk")
    [done] = await send(app, "olena", "/done", hint="uk")
    assert "#1" in done.text
    assert "#1" in recorder.texts(ROOM)[-1]  # staff see that the person closed it
    # after /done the person's words are questions again, not ticket messages
    replies = await send(app, "olena", "Мені потрібна допомога з боргами", hint="uk")
    assert "Schuldner" in "\n".join(reply.text for reply in replies)
    assert len(recorder.sent[ROOM]) == 2


async def test_no_offer_without_a_staff_room_and_a_failed_post_keeps_no_ticket(
    staffed: tuple[App, Recorder],
) -> None:
    app, recorder = staffed
    await onboard(app, "sam", "en")
    app.services.relay = Relay({"console": recorder}, None)
    replies = await send(app, "sam", "Where can I repair my bicycle?", hint="en")
    assert not any(reply.choices for reply in replies)
    app.services.relay = Relay({"console": recorder}, ("console", ROOM))
    recorder.unreachable.add(ROOM)
    await send(app, "sam", "Where can I repair my bicycle?", hint="en")
    [sorry] = await send(app, "sam", choice="handover:yes", hint="en")
    assert "could not reach the staff" in sorry.text
    await app.services.stats.flush()
    async with app.database.session() as session:
        assert (await session.scalars(select(TicketRow))).all() == []


async def test_staff_room_chatter_and_forged_replies_are_ignored(
    staffed: tuple[App, Recorder],
) -> None:
    app, recorder = staffed
    assert await app.handle(Incoming("console", ROOM, "kim", text="Guten Morgen!")) == []
    forged = Incoming("console", ROOM, "kim", text="Hallo", reply_to="999")
    assert await app.handle(forged) == []
    assert recorder.sent == {}
    [forged_button] = await send(app, "eve", choice="handover:yes", hint="en")
    assert "write your question again" in forged_button.text


async def test_closed_tickets_are_forgotten_after_the_retention_time(
    staffed: tuple[App, Recorder], clock: FixedClock
) -> None:
    app, recorder = staffed
    await onboard(app, "nour")
    await send(app, "nour", NEIGHBOUR)
    await send(app, "nour", choice="handover:yes")
    await staff_reply(app, recorder, "/close", to=1)
    clock.set(clock.now() + timedelta(days=29))
    await timekeeper(app, [recorder]).tick()
    async with app.database.session() as session:
        assert len((await session.scalars(select(TicketRow))).all()) == 1
    clock.set(clock.now() + timedelta(days=2))
    await timekeeper(app, [recorder]).tick()
    await app.services.stats.flush()
    async with app.database.session() as session:
        assert (await session.scalars(select(TicketRow))).all() == []
        assert len((await session.scalars(select(UserRow))).all()) == 1  # the person stays


async def test_statistics_count_without_people_and_hide_small_cells(
    staffed: tuple[App, Recorder],
) -> None:
    app, _ = staffed
    for number in range(6):
        await send(app, f"de{number}", "Ich habe Schulden und brauche Hilfe in Kempen", hint="de")
    for number in range(2):
        await send(app, f"ar{number}", "أحتاج مساعدة في الديون في كمبن", hint="ar")
    [refused] = await send(app, "de0", "/stats", hint="de")
    assert "Befehl" in refused.text  # not staff: the command does not exist for them
    [report] = await send(app, "kim", "/stats", hint="de")
    lines = report.text.splitlines()
    assert "• Schulden: 8" in lines
    assert "• Deutsch: 6" in lines and "• Arabisch: < 5" in lines
    assert "• Kreis Viersen: 8" in lines
    columns = QuestionStatRow.__table__.columns.keys()
    assert set(columns) == {"week", "topic", "locale", "region_key", "count"}
