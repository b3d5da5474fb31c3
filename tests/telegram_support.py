"""Running the bot's Telegram transport against the local Bot API server, in process."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import replace

from bot.app import App, open_app
from bot.config import Config, DatabaseConfig, LimitsConfig, TelegramConfig
from bot.core.clock import Clock
from bot.serve import enabled_transports
from tests.botapi import BotApiServer, SentMessage


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
    **changes: object,
) -> AsyncIterator[App]:
    """The whole bot (database, directory, router) serving Telegram until the block ends."""
    config = Config(
        database=DatabaseConfig(url=database_url),
        limits=limits or LimitsConfig(),
        telegram=telegram_config(server, **changes),
    )
    async with open_app(config, clock) as app:
        [transport] = enabled_transports(app)
        task = asyncio.create_task(transport.run(app.handle))
        try:
            yield app
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
