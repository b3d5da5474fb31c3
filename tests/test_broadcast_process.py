"""A county-wide announcement through `wegweiser run` on the local Bot API server:
5,000 recipients, 429s on a share of calls, the process killed mid-way and restarted."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from bot.storage.database import Database
from bot.storage.models import DeliveryRow, UserRow
from tests.botapi import BotApiServer
from tests.test_telegram_process import BotProcess

RECIPIENTS = 5000
ELSEWHERE = 200
FIRST_ID = 700_000
LOCALES = ("de", "ar", "uk", "tr")
TEXTS = {
    "de": "Neues Förderprogramm für Vereine: Anträge bis 15. Januar.",
    "ar": "برنامج دعم جديد للجمعيات: الطلبات حتى 15 يناير.",
    "uk": "Нова програма підтримки для об'єднань: заявки до 15 січня.",
}
IN_FLIGHT_BOUND = 32  # the sender's concurrency: rows a crash can leave unknown


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as running:
        yield running


async def add_people(url: str, server: BotApiServer) -> None:
    """5,000 people in Kreis Steinfurt and 200 in Kreis Viersen, in four languages."""
    database = Database(url)
    await database.upgrade()
    now = datetime.now(UTC)
    rows = []
    for index in range(RECIPIENTS + ELSEWHERE):
        user_id = FIRST_ID + index
        server.add_user(user_id)
        rows.append(
            {
                "transport": "telegram",
                "external_id": str(user_id),
                "chat_id": str(user_id),
                "locale": LOCALES[index % len(LOCALES)],
                "region_key": "steinfurt" if index < RECIPIENTS else "viersen",
                "town": None,
                "region_asked": True,
                "onboarded": True,
                "active": True,
                "created_at": now,
                "last_seen_at": now,
                "step": None,
            }
        )
    async with database.session() as session, session.begin():
        await session.execute(insert(UserRow), rows)
    await database.close()


def create_broadcast(bot: BotProcess, token: str, *extra: str) -> str:
    environment = {**os.environ, "WEGWEISER_TELEGRAM_TOKEN": token}
    environment.pop("WEGWEISER_DATABASE_URL", None)
    texts = [argument for code, text in TEXTS.items() for argument in (f"--text-{code}", text)]
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(bot.config), "broadcast", "create",
         "--audience", "all,region:steinfurt", *texts, *extra, "--yes"],
        capture_output=True, text=True, env=environment, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


async def unfinished(url: str) -> bool:
    database = Database(url)
    try:
        async with database.session() as session:
            statuses = set(await session.scalars(select(DeliveryRow.status)))
    finally:
        await database.close()
    return bool(statuses & {"pending", "sending"})


async def test_a_crash_mid_broadcast_neither_drops_nor_doubles_beyond_the_bound(
    server: BotApiServer, tmp_path: Path, database_url: str
) -> None:
    telegram = "messages_per_second = 500\n"
    first = BotProcess(tmp_path, server, database_url, level="INFO", telegram=telegram)
    await add_people(database_url, server)
    created = create_broadcast(first, server.token)
    assert f"queued for {RECIPIENTS} recipients" in created

    server.reject_share("sendMessage", 0.05, retry_after=1, seed=7)
    await first.start()
    await server.wait_until(lambda: len(server.calls_of("sendMessage")) >= 1500, timeout=60)
    assert await first.stop(signal.SIGKILL) == -signal.SIGKILL
    delivered_before = sum(1 for call in server.calls_of("sendMessage") if call.status == 200)
    assert delivered_before < RECIPIENTS  # killed mid-way

    second = BotProcess(tmp_path, server, database_url, level="INFO", telegram=telegram)
    await second.start()
    for _ in range(600):
        if not await unfinished(database_url):
            break
        await asyncio.sleep(0.2)
    assert await second.stop(signal.SIGTERM) == 0, second.log_text

    database = Database(database_url)
    try:
        async with database.session() as session:
            rows = list(await session.execute(
                select(UserRow.external_id, DeliveryRow.status)
                .join(UserRow, UserRow.id == DeliveryRow.user_id)
                .where(DeliveryRow.kind == "broadcast")
            ))  # fmt: skip
    finally:
        await database.close()
    status_of = {int(external_id): status for external_id, status in rows}
    assert len(status_of) == RECIPIENTS
    unknown = {user for user, status in status_of.items() if status == "unknown"}
    assert len(unknown) <= IN_FLIGHT_BOUND
    assert set(status_of.values()) <= {"sent", "unknown"}

    copies = {}
    for index in range(RECIPIENTS + ELSEWHERE):
        user_id = FIRST_ID + index
        copies[user_id] = [m.text or "" for m in server.messages_to(user_id)]
    doubled = [user for user, texts in copies.items() if len(texts) > 1]
    missing = [user for user in status_of if not copies[user]]
    assert doubled == []  # nobody has two copies
    assert set(missing) <= unknown  # only rows in flight at the crash may be missing
    assert all(copies[FIRST_ID + RECIPIENTS + index] == [] for index in range(ELSEWHERE))
    for index, code in enumerate(LOCALES):
        received = copies[FIRST_ID + index] or copies[FIRST_ID + index + len(LOCALES)]
        assert TEXTS.get(code, TEXTS["de"]) in received[0]

    status = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot", "--config", str(second.config), "broadcast", "status", "1"],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "WEGWEISER_TELEGRAM_TOKEN": server.token},
    )  # fmt: skip
    assert "announcement 1: done" in status.stdout, status.stderr
    assert f"sent:       {RECIPIENTS - len(unknown)}" in status.stdout
    assert f"unknown:    {len(unknown)}" in status.stdout
    assert "pending:    0" in status.stdout
