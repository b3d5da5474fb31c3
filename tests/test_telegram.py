"""The bot on Telegram: the real python-telegram-bot stack over HTTP, against a local server.

The server (tests/botapi) speaks the Bot API wire format and rejects what
Telegram rejects; these tests read what a user's Telegram app would show.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from bot.config import LimitsConfig
from bot.core.clock import FixedClock
from bot.directory.loader import parse_directory
from bot.events.model import Event
from bot.events.schedule import UTC
from bot.serve import notice_sender
from bot.storage.database import Database
from bot.storage.directory_repository import DirectoryRepository
from bot.storage.models import UserRow
from bot.transports.telegram.webhook import SECRET_HEADER
from scheduler.reminders import fire_due_reminders
from tests.botapi import BotApiServer
from tests.telegram_support import (
    RunningBot,
    ask_everyone,
    free_port,
    last,
    press,
    telegram_bot,
)

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as running:
        yield running


async def test_onboarding_by_buttons_then_an_arabic_question(
    server: BotApiServer, database_url: str, clock: FixedClock
) -> None:
    server.add_user(1001, "Amal", language_code="ar")
    async with telegram_bot(server, database_url, clock):
        server.send_text(1001, "/start")
        prompt = last(await server.wait_for_messages(1001, 1))
        labels = [label for label, _ in prompt.buttons()]
        assert labels[0] == "العربية"  # the user's Telegram language first
        assert {"Українська", "Türkçe", "فارسی", "Deutsch"} <= set(labels)
        press(server, 1001, prompt, "العربية")
        confirmation, region_prompt = (await server.wait_for_messages(1001, 3))[1:]
        assert confirmation.text == "اللغة: العربية"
        await server.wait_until(lambda: server.callback_answers)  # the spinner stops
        assert prompt.buttons() == []  # the used keyboard is taken away
        press(server, 1001, region_prompt, "Kreis Steinfurt")
        town_prompt = last(await server.wait_for_messages(1001, 4))
        press(server, 1001, town_prompt, "Rheine")
        await server.wait_for_messages(1001, 6)

        server.send_text(1001, "وين الجوب سنتر؟")
        answer = last(await server.wait_for_messages(1001, 7))
    assert answer.text is not None
    assert "Jobcenter Kreis Steinfurt" in answer.text
    assert answer.text.startswith("\u200f")  # laid out right to left
    phones = [e for e in answer.entities if e["type"] == "phone_number"]
    assert phones, "the phone number is tappable"
    assert [e for e in answer.entities if e["type"] == "bold"]


async def test_four_users_in_four_languages_at_once_get_the_right_centres(
    server: BotApiServer, database_url: str, clock: FixedClock
) -> None:
    async with telegram_bot(server, database_url, clock):
        await ask_everyone(server)


async def test_a_deep_link_onboards_in_one_step(
    server: BotApiServer, database_url: str, clock: FixedClock
) -> None:
    server.add_user(3001, "Olena", language_code="ru")
    async with telegram_bot(server, database_url, clock):
        server.start_deep_link(3001, "lang-uk_region-viersen_topic-debt")
        messages = await server.wait_for_messages(3001, 3)
    assert messages[0].text == "Мова: Українська"
    assert "Schuldner- und Insolvenzberatung" in (messages[2].text or "")
    buttons = [[data for _label, data in message.buttons()] for message in messages]
    assert buttons == [[], ["consent:yes", "consent:no"], []]  # only consent is asked


async def test_commands_and_descriptions_are_set_in_every_language(
    server: BotApiServer, database_url: str, clock: FixedClock
) -> None:
    async with telegram_bot(server, database_url, clock):
        await server.wait_until(lambda: len(server.short_descriptions) >= 10)
    commands = {code: entries for (_, code), entries in server.commands.items()}
    assert set(commands) >= {"", "de", "en", "ar", "uk", "fa", "tr", "ru", "fr", "ku"}
    assert [c["command"] for c in commands["uk"]][:2] == ["start", "language"]
    assert commands["uk"] != commands["en"]  # translated descriptions
    assert commands[""] == commands["de"]  # the default list is in the default locale
    assert "Wegweiser" in server.descriptions["ar"]


HOSTILE_DIRECTORY = """\
version: 1
timezone: Europe/Berlin
regions:
  viersen:
    name: "Kreis <Viersen> & Co"
    towns: [Viersen]
centres:
  - id: hostile
    name: "Beratung <b>Süd</b> & \\"Partner\\" &amp; 🙂 \\u200b\\u200f עברית"
    kreis: viersen
    town: Viersen
    address: "Straße <1> & 2"
    phone: "02162 12345"
    topics: [debt]
    languages: [de]
    opening_hours:
      - {days: [mo, tu, we, th, fr], open: "08:00", close: "16:00"}
    description_de: "</b><script>alert(1)</script> & mehr"
"""


async def import_directory(database_url: str, text: str, clock: FixedClock) -> None:
    """Store a directory before the bot starts, as `wegweiser directory import` does."""
    database = Database(database_url)
    await database.upgrade()
    await DirectoryRepository(database).replace(parse_directory(text), clock.now())
    await database.close()


async def test_hostile_text_arrives_exactly_as_written(
    server: BotApiServer, database_url: str, clock: FixedClock
) -> None:
    await import_directory(database_url, HOSTILE_DIRECTORY, clock)
    server.add_user(4001, "Test", language_code="de")
    async with telegram_bot(server, database_url, clock):
        server.start_deep_link(4001, "lang-de_region-viersen")
        await server.wait_for_messages(4001, 3)
        server.send_text(4001, "Ich habe Schulden <b>&amp;</b>")
        answer = last(await server.wait_for_messages(4001, 4))
    assert answer.text is not None
    assert 'Beratung <b>Süd</b> & "Partner" &amp; 🙂 \u200b\u200f עברית' in answer.text
    assert "Straße <1> & 2" in answer.text
    assert "</b><script>alert(1)</script> & mehr" in answer.text
    assert "+49 2162 12345" in answer.text


async def test_a_long_answer_is_split_below_telegrams_limit(
    server: BotApiServer, database_url: str, clock: FixedClock
) -> None:
    long_text = " ".join(f"Satz {n} über Schulden und Hilfe." for n in range(260))
    directory = HOSTILE_DIRECTORY.replace("</b><script>alert(1)</script> & mehr", long_text)
    await import_directory(database_url, directory, clock)
    server.add_user(4101, "Test", language_code="de")
    async with telegram_bot(server, database_url, clock):
        server.start_deep_link(4101, "lang-de_region-viersen")
        await server.wait_for_messages(4101, 3)
        server.send_text(4101, "Ich habe Schulden")
        await server.wait_for_messages(4101, 5)
        await asyncio.sleep(0.2)
    parts = server.messages_to(4101)[3:]
    assert len(parts) >= 2
    assert all(len(part.text or "") <= 4096 for part in parts)
    joined = " ".join((part.text or "").strip() for part in parts)
    assert "Satz 0 über" in joined and "Satz 259 über Schulden und Hilfe." in joined
    rejected = [call for call in server.calls_of("sendMessage") if call.status != 200]
    assert rejected == []


async def test_429_is_waited_out_and_the_reply_arrives_once(
    server: BotApiServer, database_url: str, clock: FixedClock
) -> None:
    server.add_user(5001, "Test", language_code="de")
    async with telegram_bot(server, database_url, clock):
        server.fail_next("sendMessage", 429, retry_after=1)
        server.send_text(5001, "/help")
        await server.wait_for_messages(5001, 1)
        await asyncio.sleep(0.3)
    calls = [call.status for call in server.calls_of("sendMessage")]
    assert calls == [429, 200]
    assert len(server.messages_to(5001)) == 1


async def user_row(database_url: str, external_id: str) -> UserRow:
    database = Database(database_url)
    async with database.session() as session:
        row = await session.scalar(select(UserRow).where(UserRow.external_id == external_id))
    await database.close()
    assert row is not None
    return row


async def test_a_user_who_blocked_the_bot_is_marked_inactive_and_not_retried(
    server: BotApiServer, database_url: str, clock: FixedClock
) -> None:
    server.add_user(6001, "Test", language_code="de")
    async with telegram_bot(server, database_url, clock) as bot:
        app = bot.app
        server.send_text(6001, "/start")
        server.block(6001)  # before the bot answers
        await server.wait_until(lambda: server.calls_of("sendMessage"))
        await asyncio.sleep(0.3)
        assert [call.status for call in server.calls_of("sendMessage")] == [403]
        assert not (await user_row(database_url, "6001")).active
        assert not await app.services.users.is_reachable("telegram", "6001")
        server.send_text(6001, "/help")  # writing again unblocks, as in Telegram
        await server.wait_for_messages(6001, 1)
    assert (await user_row(database_url, "6001")).active


async def test_400_is_logged_with_the_reason_and_not_retried(
    server: BotApiServer,
    database_url: str,
    clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server.add_user(7001, "Test", language_code="de")
    caplog.set_level(logging.INFO)
    async with telegram_bot(server, database_url, clock):
        server.fail_next("sendMessage", 400, description="Bad Request: chat not found")
        server.send_text(7001, "/help")
        await server.wait_until(lambda: server.calls_of("sendMessage"))
        await asyncio.sleep(0.5)
    assert [call.status for call in server.calls_of("sendMessage")] == [400]
    assert "chat not found" in caplog.text.lower()


async def test_network_errors_are_retried(
    server: BotApiServer, database_url: str, clock: FixedClock
) -> None:
    server.add_user(7101, "Test", language_code="de")
    async with telegram_bot(server, database_url, clock):
        server.fail_next("sendMessage", 502, count=2)
        server.send_text(7101, "/help")
        await server.wait_for_messages(7101, 1)
    assert [call.status for call in server.calls_of("sendMessage")] == [502, 502, 200]


async def test_an_unreadable_update_is_skipped_and_the_next_one_answered(
    server: BotApiServer, database_url: str, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    server.add_user(7102, "Test", language_code="de")
    async with telegram_bot(server, database_url, clock):
        broken = server._enqueue("message", {"message_id": "not a message", "chat": 5})
        server.send_text(7102, "/help")
        await server.wait_for_messages(7102, 1)
        for _ in range(50):  # the offset moves past the broken update too
            if broken not in server.pending_update_ids():
                break
            await asyncio.sleep(0.1)
    assert broken not in server.pending_update_ids()
    assert f"update {broken} could not be read; skipped" in caplog.text


async def test_a_second_poller_is_reported_and_the_bot_recovers(
    server: BotApiServer,
    database_url: str,
    clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server.add_user(8001, "Test", language_code="de")
    url = f"{server.base_url}{server.token}/getUpdates"
    async with telegram_bot(server, database_url, clock), httpx.AsyncClient() as rival:
        await server.wait_until(lambda: server.calls_of("getUpdates"))
        for _ in range(3):  # another process polls the same token
            await rival.post(url, data={"timeout": "1"}, timeout=5)
        await server.wait_until(lambda: "409 Conflict" in caplog.text)
        server.send_text(8001, "/help")
        await server.wait_for_messages(8001, 1, timeout=15)
    assert caplog.text.count("Another process is receiving updates") >= 1
    assert "only one poller may use a token" in caplog.text.lower()


async def test_a_flooding_user_is_slowed_down_without_slowing_others(
    server: BotApiServer, database_url: str, clock: FixedClock
) -> None:
    server.add_user(9001, "Flood", language_code="de")
    server.add_user(9002, "Calm", language_code="de")
    limits = LimitsConfig(messages_burst=5, messages_per_minute=6)
    async with telegram_bot(
        server, database_url, clock, limits=limits, messages_per_chat_per_second=2.0
    ):
        for number in range(40):
            server.send_text(9001, f"/help {number}")
        server.send_text(9002, "/help")
        await server.wait_for_messages(9002, 1)
        flood = await server.wait_for_messages(9001, 6)
        await asyncio.sleep(0.5)
    flood = server.messages_to(9001)
    assert len(flood) == 6  # five answers, one request to slow down, the rest ignored
    assert "sehr schnell" in (flood[-1].text or "")
    order = [message.chat_id for message in server.messages]
    assert order.index(9002) < len(order) - 1  # the calm user did not wait for the flood


async def test_webhook_mode_checks_the_secret_and_answers(
    server: BotApiServer, database_url: str, clock: FixedClock
) -> None:
    port = free_port()
    server.add_user(9101, "Hook", language_code="fr")
    async with telegram_bot(
        server,
        database_url,
        clock,
        mode="webhook",
        webhook_listen=f"127.0.0.1:{port}",
        webhook_url=f"http://127.0.0.1:{port}/telegram/hook",
        webhook_secret="s3cret-token_1",
    ):
        await server.wait_until(lambda: server.webhook is not None)
        assert server.webhook is not None and server.webhook.secret_token == "s3cret-token_1"
        server.send_text(9101, "/start lang-fr")
        messages = await server.wait_for_messages(9101, 2)
        async with httpx.AsyncClient() as stranger:
            forged = await stranger.post(
                f"http://127.0.0.1:{port}/telegram/hook",
                json={"update_id": 1, "message": {}},
                headers={SECRET_HEADER: "wrong"},
            )
    assert messages[0].text == "Langue\u00a0: Français"
    assert forged.status_code == 401


async def send_due_notices(bot: RunningBot) -> None:
    """What the scheduler does when woken: fire due reminders, drain the ledger."""
    await fire_due_reminders(bot.app.database, bot.app.services.clock.now())
    await notice_sender(bot.app, [bot.transport]).drain()


async def test_an_mso_contact_gets_the_announcement_and_both_reminders_through_restarts(
    server: BotApiServer, database_url: str, clock: FixedClock
) -> None:
    server.add_user(9301, "Leyla", language_code="tr")
    async with telegram_bot(server, database_url, clock) as bot:
        mso = await bot.app.services.community.add_mso(
            "Türk Kültür Derneği", "viersen", clock.now()
        )
        server.start_deep_link(9301, f"mso-{mso.code}")
        welcome, prompt = await server.wait_for_messages(9301, 2)
        assert "Türk Kültür Derneği" in (welcome.text or "")
        press(server, 9301, prompt, "Türkçe")
        await server.wait_for_messages(9301, 5)  # confirmation, privacy note, invitation
        starts = datetime(2026, 12, 3, 17, 0, tzinfo=BERLIN)
        await bot.app.services.events.add(
            Event(
                id=0, uid="", kind="arbeitskreis", audience="mso", region="viersen",
                titles={"de": "Arbeitskreis MSO", "tr": "MSO Çalışma Grubu"}, descriptions={},
                starts_at=starts, ends_at=None, timezone="Europe/Berlin",
            ),
            clock.now(),
        )  # fmt: skip
        await send_due_notices(bot)
        announcement = last(await server.wait_for_messages(9301, 6))
        buttons = announcement.buttons()
        server.press_button(9301, announcement.message_id, buttons[1][1] or "")
        calendar = last(await server.wait_for_messages(9301, 8))  # a line, then the file
    assert calendar.document is not None and calendar.document.file_name == "event-1.ics"
    assert b"SUMMARY:MSO \xc3\x87al\xc4\xb1\xc5\x9fma Grubu" in calendar.document.content
    assert b"TZID=Europe/Berlin" in calendar.document.content
    assert "MSO Çalışma Grubu" in (announcement.text or "")
    assert "3 Aralık 2026 Perşembe" in (announcement.text or "")
    assert buttons[0][0].startswith("⏰") and buttons[1][0].startswith("📅")

    for due, count in ((datetime(2026, 11, 26, 16, 0, tzinfo=UTC), 9),
                       (datetime(2026, 12, 2, 16, 0, tzinfo=UTC), 10)):  # fmt: skip
        clock.set(due)
        async with telegram_bot(server, database_url, clock) as bot:  # a restart each time
            await send_due_notices(bot)
            await send_due_notices(bot)  # woken twice: still one reminder
            reminder = last(await server.wait_for_messages(9301, count))
        assert "⏰" in (reminder.text or "") and "MSO Çalışma Grubu" in (reminder.text or "")
    assert len(server.messages_to(9301)) == 10
