"""`wegweiser run` as a real process on Telegram: restarts, crashes, signals, logs."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.botapi import BotApiServer
from tests.telegram_support import ask_everyone, onboard_by_buttons

QUESTION = "Ich brauche Hilfe mit meinen Schulden"


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as running:
        yield running


class BotProcess:
    """One `wegweiser run` process with its own log file."""

    def __init__(
        self,
        tmp_path: Path,
        server: BotApiServer,
        database_url: str,
        token: str | None = None,
        *,
        level: str = "DEBUG",
        telegram: str = "",
        extra: str = "",
    ) -> None:
        self.config = tmp_path / "wegweiser.toml"
        self.config.write_text(
            f'[database]\nurl = "{database_url}"\n'
            f'[telegram]\nenabled = true\nbase_url = "{server.base_url}"\npoll_timeout = 1\n'
            f'{telegram}[logging]\nlevel = "{level}"\n{extra}',
            encoding="utf-8",
        )
        self.token = token or server.token
        self.log = tmp_path / f"bot-{len(list(tmp_path.glob('bot-*.log')))}.log"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        environment = {**os.environ, "WEGWEISER_TELEGRAM_TOKEN": self.token}
        environment.pop("WEGWEISER_DATABASE_URL", None)
        with self.log.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "--config",
                str(self.config),
                "run",
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                env=environment,
            )

    async def stop(self, how: signal.Signals) -> int:
        assert self.process is not None
        self.process.send_signal(how)
        return await asyncio.wait_for(self.process.wait(), timeout=30)

    @property
    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8")


async def test_wegweiser_run_onboards_answers_and_stops_cleanly(
    server: BotApiServer, tmp_path: Path, database_url: str
) -> None:
    server.add_user(1, "Amal", language_code="ar")
    bot = BotProcess(tmp_path, server, database_url)
    await bot.start()
    await onboard_by_buttons(server, 1, "العربية", "Kreis Steinfurt", "Rheine")
    server.send_text(1, "وين الجوب سنتر؟")
    answer = (await server.wait_for_messages(1, 7))[-1]
    assert "Jobcenter Kreis Steinfurt" in (answer.text or "")
    await ask_everyone(server)  # four more users, in Ukrainian, Turkish, Farsi and German

    assert await bot.stop(signal.SIGTERM) == 0
    assert "stopped" in bot.log_text
    assert server.pending_update_ids() == []  # every handled update was confirmed
    assert server.token.split(":")[1] not in bot.log_text  # DEBUG logs, and still no token
    assert "وين الجوب" not in bot.log_text  # nor what the user wrote


async def started_in_german(
    tmp_path: Path, server: BotApiServer, database_url: str, chat: int
) -> BotProcess:
    """A running bot with one user onboarded (German, Kreis Viersen) by a deep link."""
    server.add_user(chat, "User", language_code="uk")
    bot = BotProcess(tmp_path, server, database_url)
    await bot.start()
    server.start_deep_link(chat, "lang-de_region-viersen")
    await server.wait_for_messages(chat, 3, timeout=60)
    return bot


async def test_a_crash_after_answering_does_not_answer_twice(
    server: BotApiServer, tmp_path: Path, database_url: str
) -> None:
    bot = await started_in_german(tmp_path, server, database_url, 2)
    # Hold back the next poll, so the answered question stays unconfirmed at the crash.
    server.delay("getUpdates", 5)
    question = server.send_text(2, QUESTION)
    await server.wait_for_messages(2, 4)
    assert question in server.pending_update_ids()
    await bot.stop(signal.SIGKILL)

    server.clear_faults()
    restarted = BotProcess(tmp_path, server, database_url)
    await restarted.start()
    server.send_text(2, "/help")
    messages = await server.wait_for_messages(2, 5, timeout=60)
    await restarted.stop(signal.SIGTERM)
    answers = [m for m in messages if "Schuldner" in (m.text or "")]
    assert len(answers) == 1, [m.text for m in messages]
    assert "Wegweiser" in (messages[-1].text or "") or "/start" in (messages[-1].text or "")
    assert len(server.messages_to(2)) == 5


async def test_a_crash_before_the_reply_loses_nothing(
    server: BotApiServer, tmp_path: Path, database_url: str
) -> None:
    bot = await started_in_german(tmp_path, server, database_url, 3)
    server.fail_next("sendMessage", 429, retry_after=60)  # the reply must wait a minute
    server.send_text(3, QUESTION)
    await server.wait_until(
        lambda: any(call.status == 429 for call in server.calls_of("sendMessage"))
    )
    await asyncio.sleep(1)  # the bot is now waiting out the 429
    await bot.stop(signal.SIGKILL)
    assert len(server.messages_to(3)) == 3

    restarted = BotProcess(tmp_path, server, database_url)
    await restarted.start()
    messages = await server.wait_for_messages(3, 4, timeout=60)
    await asyncio.sleep(0.5)
    await restarted.stop(signal.SIGTERM)
    assert "Schuldner" in (messages[3].text or "")
    assert len(server.messages_to(3)) == 4


async def test_a_refused_token_is_a_clear_error(
    server: BotApiServer, tmp_path: Path, database_url: str
) -> None:
    bot = BotProcess(tmp_path, server, database_url, token="999:not-the-right-token")
    await bot.start()
    assert bot.process is not None
    assert await asyncio.wait_for(bot.process.wait(), timeout=60) == 1
    text = bot.log_text
    assert "Telegram refused the bot token" in text
    assert "not-the-right-token" not in text
