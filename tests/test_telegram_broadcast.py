"""The announcement of the "done" scenario on Telegram, by buttons, through the real
python-telegram-bot stack and the local Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import BroadcastConfig, StaffConfig
from bot.core.clock import FixedClock
from bot.i18n import _
from tests.botapi import BotApiServer
from tests.telegram_support import RunningBot, last, press, telegram_bot
from tests.test_telegram import send_due_notices

ADMIN, SECOND = 9600, 9601
ARABIC, UKRAINIAN, GERMAN_MSO, TURKISH, NEWCOMER = 9610, 9611, 9612, 9613, 9620
GERMAN = "Förderprogramm „Vereine stärken“: Anträge bis 15.01.2027 <beim KI>."
ARABIC_TEXT = "برنامج دعم الجمعيات: الطلبات حتى 15.01.2027."
UKRAINIAN_TEXT = "Програма підтримки об'єднань: заявки до 15.01.2027."


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as running:
        yield running


async def button_step(server: BotApiServer, chat: int, label: str) -> None:
    count = len(server.messages_to(chat))
    press(server, chat, last(server.messages_to(chat)), label)
    await server.wait_for_messages(chat, count + 1)


async def type_step(server: BotApiServer, chat: int, text: str) -> None:
    count = len(server.messages_to(chat))
    server.send_text(chat, text)
    await server.wait_for_messages(chat, count + 1)


async def people(server: BotApiServer, bot: RunningBot, clock: FixedClock) -> None:
    mso = await bot.app.services.community.add_mso("Kulturverein Rheine", "steinfurt", clock.now())
    links = {ADMIN: "lang-en", SECOND: "lang-en", ARABIC: f"lang-ar_mso-{mso.code}",
             UKRAINIAN: f"lang-uk_mso-{mso.code}", GERMAN_MSO: f"lang-de_mso-{mso.code}",
             TURKISH: f"lang-tr_mso-{mso.code}", NEWCOMER: "lang-ar_region-steinfurt"}  # fmt: skip
    for chat, link in links.items():
        server.add_user(chat, "Someone")
        server.start_deep_link(chat, link)
    # The whole onboarding: language (+ region question), or MSO welcome, language,
    # privacy notice and invitation to ask.
    onboarding = {ADMIN: 2, SECOND: 2, NEWCOMER: 3}
    for chat in links:
        await server.wait_for_messages(chat, onboarding.get(chat, 4), timeout=30)


async def test_compose_approve_and_deliver_on_telegram(
    server: BotApiServer, database_url: str, clock: FixedClock
) -> None:
    staff = StaffConfig((f"telegram:{ADMIN}",))
    async with telegram_bot(
        server, database_url, clock, staff=staff, broadcast=BroadcastConfig(require_approval=True)
    ) as bot:
        await people(server, bot, clock)
        await type_step(server, ADMIN, f"/staff grant telegram:{SECOND}")
        assert "is now staff" in (last(server.messages_to(ADMIN)).text or "")

        await type_step(server, NEWCOMER, "/broadcast")  # not staff: the command does not exist
        assert "/broadcast" not in (last(server.messages_to(NEWCOMER)).text or "")

        await type_step(server, ADMIN, "/broadcast")
        await type_step(server, ADMIN, GERMAN)
        await button_step(server, ADMIN, "العربية")
        await type_step(server, ADMIN, ARABIC_TEXT)
        await button_step(server, ADMIN, "Українська")
        await type_step(server, ADMIN, UKRAINIAN_TEXT)
        await button_step(server, ADMIN, "➡️ Continue")
        await button_step(server, ADMIN, "MSO contacts")
        await button_step(server, ADMIN, "Kreis Steinfurt")
        await button_step(server, ADMIN, "The whole region")
        await button_step(server, ADMIN, "All languages")
        before = len(server.messages_to(ADMIN))
        press(server, ADMIN, last(server.messages_to(ADMIN)), "Send now")
        messages = await server.wait_for_messages(ADMIN, before + 5)  # 4 previews + summary
        previews = [message.text or "" for message in messages[before:-1]]
        assert "Recipients now: 4" in (messages[-1].text or "")
        await button_step(server, ADMIN, "Ask for approval")

        await send_due_notices(bot)
        request = last(server.messages_to(SECOND))
        assert "Please approve this announcement" in (request.text or "") and GERMAN in (
            request.text or ""
        )
        press(server, SECOND, request, "Approve")
        await server.wait_until(
            lambda: "Approved" in (last(server.messages_to(SECOND)).text or "")
        )
        await send_due_notices(bot)
        await bot.app.services.broadcasts.finish(clock.now())
        await send_due_notices(bot)

    received = {
        chat: [
            message.text or ""
            for message in server.messages_to(chat)
            if "📢" in (message.text or "")
        ]
        for chat in (ARABIC, UKRAINIAN, GERMAN_MSO, TURKISH, NEWCOMER)
    }
    assert len(received[ARABIC]) == 1 and ARABIC_TEXT in received[ARABIC][0]
    assert len(received[UKRAINIAN]) == 1 and UKRAINIAN_TEXT in received[UKRAINIAN][0]
    assert len(received[GERMAN_MSO]) == 1 and GERMAN in received[GERMAN_MSO][0]
    assert len(received[TURKISH]) == 1 and GERMAN in received[TURKISH][0]
    with bot.app.services.catalogs.use("tr"):
        assert _("This announcement is only available in German.") in received[TURKISH][0]
    assert received[NEWCOMER] == []
    for chat in (ARABIC, UKRAINIAN, GERMAN_MSO, TURKISH):  # each was previewed exactly
        assert any(received[chat][0] in preview for preview in previews), chat

    reports = [message.text or "" for message in server.messages_to(ADMIN)[-2:]]
    assert f"approved by telegram:{SECOND}" in reports[0]
    assert "Delivery report" in reports[1] and "sent: 4" in reports[1]
