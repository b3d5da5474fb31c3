"""Two `wegweiser run` workers on one database (webhook workers behind a load balancer):
they share the sending, exactly one schedules, and killing the leader mid-broadcast
neither doubles nor drops a message beyond the rows it had in flight."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.storage.database import Database
from bot.storage.models import DeliveryRow, LeaseRow, UserRow
from tests.botapi import BotApiServer
from tests.homeserver import free_port
from tests.test_broadcast_process import (
    ELSEWHERE,
    FIRST_ID,
    IN_FLIGHT_BOUND,
    RECIPIENTS,
    add_people,
    create_broadcast,
    server,
    unfinished,
)
from tests.test_telegram_process import BotProcess

__all__ = ["server"]  # the fixture, used by name

pytestmark = pytest.mark.slow


def worker(tmp_path: Path, name: str, server: BotApiServer, database_url: str) -> BotProcess:
    """A webhook worker with its own port; both take notices from the same ledger."""
    folder = tmp_path / name
    folder.mkdir()
    port = free_port()
    telegram = (
        f'messages_per_second = 400\nmode = "webhook"\n'
        f'webhook_listen = "127.0.0.1:{port}"\nwebhook_url = "http://127.0.0.1:{port}/tg"\n'
    )
    return BotProcess(folder, server, database_url, level="INFO", telegram=telegram)


async def leader(url: str) -> str | None:
    database = Database(url)
    try:
        async with database.session() as session:
            return await session.scalar(select(LeaseRow.holder))
    finally:
        await database.close()


async def test_two_workers_share_the_work_and_survive_the_leader_s_death(
    server: BotApiServer, tmp_path: Path, database_url: str
) -> None:
    first = worker(tmp_path, "a", server, database_url)
    second = worker(tmp_path, "b", server, database_url)
    await add_people(database_url, server)
    at = (datetime.now(UTC) + timedelta(seconds=6)).isoformat()
    created = create_broadcast(first, server.token, "--at", at)
    assert "scheduled" in created

    await first.start()
    await second.start()
    assert first.process is not None and second.process is not None
    for _ in range(100):  # one of them leads
        holder = await leader(database_url)
        if holder is not None:
            break
        await asyncio.sleep(0.1)
    assert holder is not None
    lead, other = (first, second) if holder.endswith(f":{first.process.pid}") else (second, first)
    assert holder.endswith(f":{lead.process.pid if lead.process else 0}")

    await server.wait_until(lambda: len(server.calls_of("sendMessage")) >= 1200, timeout=90)
    assert await lead.stop(signal.SIGKILL) == -signal.SIGKILL
    for _ in range(900):
        if not await unfinished(database_url):
            break
        await asyncio.sleep(0.2)
    new_leader = await leader(database_url)
    assert other.process is not None and new_leader is not None
    assert new_leader.endswith(f":{other.process.pid}")  # taken over
    assert await other.stop(signal.SIGTERM) == 0, other.log_text

    database = Database(database_url)
    try:
        async with database.session() as session:
            rows = list(await session.execute(
                select(UserRow.external_id, DeliveryRow.status, DeliveryRow.claimed_by)
                .join(UserRow, UserRow.id == DeliveryRow.user_id)
                .where(DeliveryRow.kind == "broadcast")
            ))  # fmt: skip
    finally:
        await database.close()
    assert len(rows) == RECIPIENTS
    status_of = {int(external): status for external, status, _ in rows}
    unknown = {user for user, status in status_of.items() if status == "unknown"}
    assert len(unknown) <= IN_FLIGHT_BOUND  # only what the dead leader had in flight
    assert set(status_of.values()) <= {"sent", "unknown"}
    senders = {claimed_by for _, status, claimed_by in rows if status == "sent"}
    assert len(senders) == 2  # both workers sent

    copies = {
        FIRST_ID + index: len(server.messages_to(FIRST_ID + index))
        for index in range(RECIPIENTS + ELSEWHERE)
    }
    assert [user for user, count in copies.items() if count > 1] == []  # nobody twice
    assert {user for user in status_of if copies[user] == 0} <= unknown
    assert sum(copies.values()) >= RECIPIENTS - IN_FLIGHT_BOUND
    assert "scheduler: leading" in other.log_text
