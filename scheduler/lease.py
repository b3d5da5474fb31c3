"""A lease in the database: exactly one process schedules when several share it."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.events.schedule import UTC
from bot.storage.database import Database
from bot.storage.models import LeaseRow


def holder_name() -> str:
    """This process as a lease holder: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def holder_is_dead(holder: str) -> bool:
    """True when ``holder`` is a process on this host that no longer runs (a crash, a kill).

    Then its lease is taken over at once instead of after the expiry.
    """
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # it exists, under another user
    return False


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
            holder = await session.scalar(
                select(LeaseRow.holder).where(LeaseRow.name == self._name)
            )
            if holder is not None and holder_is_dead(holder):
                taken = await session.execute(
                    update(LeaseRow)
                    .where(LeaseRow.name == self._name, LeaseRow.holder == holder)
                    .values(holder=self.holder, expires_at=now + self._ttl)
                )
                return bool(getattr(taken, "rowcount", 0))
            if holder is not None:
                return False
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
