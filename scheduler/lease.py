"""A lease in the database: exactly one process schedules when several share it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from bot.events.schedule import UTC
from bot.storage.database import Database
from bot.storage.models import LeaseRow


class Lease:
    """Held by one holder until it expires; renewed by the holder while it lives."""

    def __init__(self, database: Database, name: str, holder: str, ttl: timedelta) -> None:
        self._database = database
        self._name = name
        self.holder = holder
        self._ttl = ttl

    async def acquire(self, now: datetime) -> bool:
        """Take or renew the lease; True while this holder has it."""
        now = now.astimezone(UTC)
        async with self._database.session() as session, session.begin():
            result = await session.execute(
                update(LeaseRow)
                .where(
                    LeaseRow.name == self._name,
                    or_(LeaseRow.holder == self.holder, LeaseRow.expires_at < now),
                )
                .values(holder=self.holder, expires_at=now + self._ttl)
            )
            if getattr(result, "rowcount", 0):
                return True
        try:
            async with self._database.session() as session, session.begin():
                lease = LeaseRow(name=self._name, holder=self.holder, expires_at=now + self._ttl)
                session.add(lease)
            return True
        except IntegrityError:
            return False

    async def release(self) -> None:
        """Give the lease up (at a clean stop), so another process can take it at once."""
        async with self._database.session() as session, session.begin():
            await session.execute(
                update(LeaseRow)
                .where(LeaseRow.name == self._name, LeaseRow.holder == self.holder)
                .values(expires_at=datetime(1970, 1, 1, tzinfo=UTC))
            )
