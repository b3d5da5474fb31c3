"""Running the bot's Telegram transport against the local Bot API server, in process."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

from bot.app import App, open_app
from bot.config import (
    BroadcastConfig,
    Config,
    DatabaseConfig,
    LimitsConfig,
    StaffConfig,
    TelegramConfig,
)
from bot.core.clock import Clock
from bot.core.transport import Transport
from bot.serve import connect_relay, enabled_transports
from tests.botapi import BotApiServer, SentMessage


@dataclass(frozen=True)
class RunningBot:
    """The bot's services and its Telegram transport, while it serves."""

    app: App
    transport: Transport


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def telegram_config(server: BotApiServer, **changes: object) -> TelegramConfig:
    """Telegram settings pointing at ``server``, with short polls for quick tests."""
    config = TelegramConfig(
        enabled=True,
        token=server.token,
        base_url=server.base_url,
        poll_timeout=1,
        messages_per_second=200.0,
        messages_per_chat_per_second=20.0,
    )
    return replace(config, **changes)  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def telegram_bot(
    server: BotApiServer,
    database_url: str,
    clock: Clock,
    limits: LimitsConfig | None = None,
    staff: StaffConfig | None = None,
    broadcast: BroadcastConfig | None = None,
    **changes: object,
) -> AsyncIterator[RunningBot]:
    """The whole bot (database, directory, router) serving Telegram until the block ends."""
    config = Config(
        database=DatabaseConfig(url=database_url),
        limits=limits or LimitsConfig(),
        staff=staff or StaffConfig(),
        broadcast=broadcast or BroadcastConfig(),
        telegram=telegram_config(server, **changes),
    )
    async with open_app(config, clock) as app:
        [transport] = enabled_transports(app)
        connect_relay(app, [transport])
        task = asyncio.create_task(transport.run(app.handle))
        try:
            yield RunningBot(app, transport)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


def last(messages: list[SentMessage]) -> SentMessage:
    """The newest message of a chat."""
    assert messages, "no message arrived"
    return messages[-1]


def press(server: BotApiServer, chat: int, message: SentMessage, label: str) -> None:
    """Press the button labelled ``label`` on ``message``."""
    server.press_button(chat, message.message_id, message.button_data(label))


async def onboard_by_buttons(
    server: BotApiServer, chat: int, language: str, region: str, town: str | None = None
) -> None:
    """/start, then the language, region and town buttons (the last town button skips)."""
    server.send_text(chat, "/start")
    press(server, chat, last(await server.wait_for_messages(chat, 1, timeout=60)), language)
    press(server, chat, last(await server.wait_for_messages(chat, 3)), region)
    town_prompt = last(await server.wait_for_messages(chat, 4))
    press(server, chat, town_prompt, town or town_prompt.buttons()[-1][0])
    await server.wait_for_messages(chat, 6)


# (chat, Telegram language, language button, region button, question, a centre it must name)
QUESTIONS = [
    (2001, "uk", "Українська", "Kreis Viersen", "Мені потрібна допомога з боргами",
     "Schuldner- und Insolvenzberatung"),
    (2002, "tr", "Türkçe", "Rhein-Sieg-Kreis", "Oturum izni için nereye gitmeliyim?",
     "Ausländerbehörde Rhein-Sieg-Kreis"),
    (2003, "fa", "فارسی", "Kreis Steinfurt", "برای شناسایی مدرک دانشگاهی کجا بروم؟",
     "Anerkennungsberatung (IQ Netzwerk)"),
    (2004, "de", "Deutsch", "Kreis Viersen", "Wo finde ich einen Deutschkurs?",
     "Integrations- und Sprachkurse"),
]  # fmt: skip


async def ask_everyone(server: BotApiServer) -> None:
    """Onboard the QUESTIONS users by buttons, all at once; each gets the right centre."""
    for chat, code, *_ in QUESTIONS:
        server.add_user(chat, "User", language_code=code)
    await asyncio.gather(
        *(
            onboard_by_buttons(server, chat, button, region)
            for chat, _, button, region, *_ in QUESTIONS
        )
    )
    for chat, _, _, _, question, _ in QUESTIONS:
        server.send_text(chat, question)
    for chat, code, _, _, _, centre in QUESTIONS:
        answer = last(await server.wait_for_messages(chat, 7))
        assert answer.text is not None and centre in answer.text, (code, answer.text)
