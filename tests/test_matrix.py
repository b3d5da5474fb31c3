"""The bot on Matrix against a real Synapse on 127.0.0.1: encrypted and plain DMs,
choices by digit, text and reaction, restarts of the bot and of the homeserver."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app import open_app
from bot.config import Config, DatabaseConfig, MatrixConfig
from bot.core.clock import FixedClock
from bot.core.messages import Reply
from bot.core.transport import Outcome
from bot.serve import connect_relay
from bot.storage.handled_events import HandledEvents
from bot.transports.matrix import MatrixTransport
from bot.transports.matrix.render import KEYCAPS
from bot.transports.matrix.state import MatrixState
from tests.homeserver import Homeserver
from tests.matrix_support import MatrixUser, ReceivedMessage, unique_name

pytestmark = pytest.mark.slow


@dataclass
class BotAccount:
    """The bot's Matrix account and where it keeps its state between runs."""

    homeserver: Homeserver
    user_id: str
    password: str
    folder: Path
    database_url: str

    def config(self, staff_room: str = "") -> Config:
        matrix = MatrixConfig(
            enabled=True, homeserver=self.homeserver.url, user_id=self.user_id,
            password=self.password, data_dir=str(self.folder), sync_timeout=5,
            staff_room=staff_room,
        )  # fmt: skip
        return Config(database=DatabaseConfig(url=self.database_url), matrix=matrix)


@pytest.fixture
def bot_account(homeserver: Homeserver, tmp_path: Path, database_url: str) -> BotAccount:
    password = secrets.token_hex(8)
    user_id = homeserver.register(unique_name("wegweiser"), password)
    return BotAccount(homeserver, user_id, password, tmp_path / "matrix", database_url)


@contextlib.asynccontextmanager
async def running_bot(
    account: BotAccount, clock: FixedClock, staff_room: str = ""
) -> AsyncIterator[MatrixTransport]:
    """`wegweiser run` with only Matrix enabled, in this loop; stopped like on SIGTERM."""
    config = account.config(staff_room)
    async with open_app(config, clock) as app:
        transport = MatrixTransport(
            config.matrix, MatrixState(account.folder), app.services.users,
            HandledEvents(app.database, "matrix"), app.services.clock,
        )  # fmt: skip
        connect_relay(app, [transport])
        task = asyncio.create_task(transport.run(app.handle))
        try:
            yield transport
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def option(message: ReceivedMessage, label: str) -> str:
    """The number of the option with this label in a numbered list."""
    for line in message.body.splitlines():
        number, _, text = line.partition(". ")
        if number.isdigit() and text == label:
            return number
    raise AssertionError(f"no option {label!r} in {message.body!r}")


async def test_encrypted_dm_onboards_in_ukrainian_and_answers_two_questions(
    homeserver: Homeserver, bot_account: BotAccount, clock: FixedClock, tmp_path: Path
) -> None:
    async with running_bot(bot_account, clock):
        olena = await MatrixUser.create(homeserver, unique_name("olena"), tmp_path / "olena")
        async with olena:
            room = await olena.open_dm(bot_account.user_id, encrypted=True)
            [welcome] = await olena.wait_for_messages(room, 1, timeout=60)
            assert welcome.encrypted and not welcome.undecryptable
            assert "Українська" in welcome.body and "<ol>" in (welcome.formatted_body or "")
            await olena.send(room, option(welcome, "Українська"))
            language, region = await olena.wait_for_messages(room, 2)
            assert language.body == "Мова: Українська"
            await olena.react(room, region.event_id, KEYCAPS[0])  # the first region by reaction
            [town] = await olena.wait_for_messages(room, 1)
            await olena.send(room, town.body.splitlines()[-1].partition(". ")[2])  # skip, by text
            consent, _invite = await olena.wait_for_messages(room, 2)
            assert "1. " in consent.body  # yes or no, as a numbered list
            await olena.send(room, "1")  # yes, I agree
            await olena.wait_for_messages(room, 1)

            await olena.send(room, "Мені потрібна допомога з боргами")
            [debt] = await olena.wait_for_messages(room, 1)
            assert "Schuldner- und Insolvenzberatung" in debt.body and debt.encrypted
            await olena.send(room, "Я шукаю роботу")
            [work] = await olena.wait_for_messages(room, 1)
            assert "Jobcenter" in work.body and "<b>" in (work.formatted_body or "")
            await olena.send(room, "/mydata")
            summary, document = await olena.wait_for_messages(room, 2)
            assert "/delete" in summary.body and document.msgtype == "m.file"
            assert document.content["file"]["url"].startswith("mxc://")  # encrypted upload


async def test_plain_dm_and_hostile_text_is_shown_literally(
    homeserver: Homeserver, bot_account: BotAccount, clock: FixedClock, tmp_path: Path
) -> None:
    async with running_bot(bot_account, clock):
        sam = await MatrixUser.create(homeserver, unique_name("sam"), tmp_path / "sam")
        async with sam:
            room = await sam.open_dm(bot_account.user_id, encrypted=False)
            [welcome] = await sam.wait_for_messages(room, 1, timeout=60)
            assert not welcome.encrypted
            await sam.send(room, "English")
            await sam.wait_for_messages(room, 2)
            await sam.send(room, "/nosuchcommand <b>&")
            [unknown] = await sam.wait_for_messages(room, 1)
            assert "/help" in unknown.body
            await sam.send(room, " \u200b ")
            [empty] = await sam.wait_for_messages(room, 1)
            assert "as text" in empty.body
            await sam.send_event(
                room,
                "m.room.message",
                {"msgtype": "m.image", "body": "x.png", "url": "mxc://localhost/x"},
            )
            [image] = await sam.wait_for_messages(room, 1)
            assert "as text" in image.body
            await sam.send_event(room, "m.room.message", {"msgtype": "m.notice", "body": "bot"})
            await sam.assert_no_messages(room, wait=1.5)  # other bots' notices: no loops
            await sam.send(room, "I have debts <script>alert(1)</script> in Viersen")
            [answer] = await sam.wait_for_messages(room, 1)
            assert "<script>" not in (answer.formatted_body or "")


async def test_a_restart_answers_what_came_meanwhile_and_nothing_twice(
    homeserver: Homeserver, bot_account: BotAccount, clock: FixedClock, tmp_path: Path
) -> None:
    anna = await MatrixUser.create(homeserver, unique_name("anna"), tmp_path / "anna")
    async with anna:
        async with running_bot(bot_account, clock):
            room = await anna.open_dm(bot_account.user_id, encrypted=True)
            await anna.wait_for_messages(room, 1, timeout=60)
            await anna.send(room, "Deutsch")
            await anna.wait_for_messages(room, 2)
        device = (bot_account.folder / "credentials.json").read_text()
        await anna.send(room, "Ich habe Schulden in Viersen", check_recipients=False)
        async with running_bot(bot_account, clock):
            # The place in the message answers the region question that was open.
            notice, _invite = await anna.wait_for_messages(room, 2, timeout=60)
            assert "/privacy" in notice.body and not notice.undecryptable
            await anna.assert_no_messages(room, wait=3.0)  # nothing old answered again
            await anna.send(room, "Ich habe Schulden")
            [answer] = await anna.wait_for_messages(room, 1)
            assert "Schuldner" in answer.body
        assert (bot_account.folder / "credentials.json").read_text() == device  # same device


async def test_the_bot_recovers_when_the_homeserver_restarts(
    homeserver: Homeserver, bot_account: BotAccount, clock: FixedClock, tmp_path: Path
) -> None:
    async with running_bot(bot_account, clock):
        ben = await MatrixUser.create(homeserver, unique_name("ben"), tmp_path / "ben")
        async with ben:
            room = await ben.open_dm(bot_account.user_id, encrypted=False)
            await ben.wait_for_messages(room, 1, timeout=60)
            await asyncio.to_thread(homeserver.stop)
            await asyncio.sleep(1.0)
            await asyncio.to_thread(homeserver.start)
            await ben.send(room, "Deutsch")
            language, _region = await ben.wait_for_messages(room, 2, timeout=60)
            assert language.body == "Sprache: Deutsch"


async def test_rate_limits_are_waited_out_and_a_resend_is_the_same_event(
    homeserver: Homeserver, bot_account: BotAccount, clock: FixedClock, tmp_path: Path
) -> None:
    async with running_bot(bot_account, clock) as transport:
        lena = await MatrixUser.create(homeserver, unique_name("lena"), tmp_path / "lena")
        async with lena:
            room = await lena.open_dm(bot_account.user_id, encrypted=False)
            await lena.wait_for_messages(room, 1, timeout=60)
            homeserver.override_ratelimit(bot_account.user_id, 1, 1)
            await asyncio.sleep(1.5)
            await lena.send(room, "Deutsch")  # two replies at once: the second gets a 429
            language, region = await lena.wait_for_messages(room, 2, timeout=60)
            assert language.body == "Sprache: Deutsch" and "1. " in region.body

            await asyncio.sleep(1.5)
            notice = Reply.plain("Erinnerung: Arbeitskreis morgen um 17 Uhr")
            first = await transport.send(room, notice, key="notice:41")
            rushed = await transport.send(room, notice, key="notice:42")
            assert rushed.outcome is Outcome.DEFERRED and rushed.retry_after > 0
            await asyncio.sleep(rushed.retry_after + 0.5)
            again = await transport.send(room, notice, key="notice:41")  # a retry of 41
            assert first.outcome is again.outcome is Outcome.SENT
            assert first.message_ids == again.message_ids  # the homeserver saw one event
            [reminder] = await lena.wait_for_messages(room, 1)
            assert reminder.body == notice.text
            await lena.assert_no_messages(room, wait=2.0)
        homeserver.clear_ratelimit_override(bot_account.user_id)


async def test_handover_through_the_matrix_staff_room(
    homeserver: Homeserver, bot_account: BotAccount, clock: FixedClock, tmp_path: Path
) -> None:
    kim = await MatrixUser.create(homeserver, unique_name("kim"), tmp_path / "kim")
    nour = await MatrixUser.create(homeserver, unique_name("nour"), tmp_path / "nour")
    async with kim, nour:
        created = await kim.client.room_create(name="KI Team", invite=[bot_account.user_id])
        staff_room = created.room_id
        async with running_bot(bot_account, clock, staff_room=staff_room):
            await kim.wait_for_member(staff_room, bot_account.user_id, timeout=60)
            room = await nour.open_dm(bot_account.user_id, encrypted=True)
            [welcome] = await nour.wait_for_messages(room, 1, timeout=60)
            await nour.send(room, option(welcome, "العربية"))
            await nour.wait_for_messages(room, 2)
            await nour.send(room, "لدي مشكلة مع جاري بسبب الضجيج في الليل")
            # asked straight away instead of choosing a region: answered, a person offered
            _answer, offer = await nour.wait_for_messages(room, 2)
            assert "1. " in offer.body and "2. " in offer.body
            await nour.send(room, "1")  # yes, pass it on
            [opened] = await nour.wait_for_messages(room, 1)
            assert "#1" in opened.body

            [ticket] = await kim.wait_for_messages(staff_room, 1)
            assert "Ticket #1" in ticket.body and "Arabisch" in ticket.body
            assert "الضجيج" in ticket.body and nour.user_id not in ticket.body
            await kim.send_event(staff_room, "m.room.message", {
                "msgtype": "m.text",
                "body": f"> <{bot_account.user_id}> Ticket #1\n\nKommen Sie bitte am Montag.",
                "m.relates_to": {"m.in_reply_to": {"event_id": ticket.event_id}},
            })  # fmt: skip
            [relayed] = await nour.wait_for_messages(room, 1)
            assert "Kommen Sie bitte am Montag." in relayed.body and ">" not in relayed.body
            await kim.send(staff_room, "Guten Morgen zusammen")  # chatter: no reaction
            await kim.assert_no_messages(staff_room, wait=2.0)
