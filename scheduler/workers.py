"""Which ``wegweiser run`` processes are alive: each says so in the database every tick."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from bot.events.schedule import UTC
from bot.storage.database import Database
from bot.storage.models import WorkerRow
from scheduler.lease import holder_is_dead


class Workers:
    """Heartbeats of the workers sharing one database."""

    def __init__(self, database: Database, holder: str, ttl: timedelta) -> None:
        self._database = database
        self.holder = holder
        self._ttl = ttl

    async def beat(self, now: datetime) -> None:
        """This worker is alive."""
        now = now.astimezone(UTC)
        async with self._database.session() as session, session.begin():
            result = await session.execute(
                update(WorkerRow).where(WorkerRow.holder == self.holder).values(seen_at=now)
            )
            if not getattr(result, "rowcount", 0):
                session.add(WorkerRow(holder=self.holder, seen_at=now))

    async def alive(self, now: datetime) -> set[str]:
        """Workers seen within the time to live, minus those known dead on this host."""
        cutoff = now.astimezone(UTC) - self._ttl
        async with self._database.session() as session, session.begin():
            await session.execute(delete(WorkerRow).where(WorkerRow.seen_at < cutoff))
            holders = set(await session.scalars(select(WorkerRow.holder)))
        return {holder for holder in holders if not holder_is_dead(holder)} | {self.holder}

    async def leave(self) -> None:
        """A clean stop: this worker is gone."""
        async with self._database.session() as session, session.begin():
            await session.execute(delete(WorkerRow).where(WorkerRow.holder == self.holder))
