"""Which platform events were handled already, so that a restart never handles one twice.

Marks made at the same moment (many users writing at once) share one
transaction; each caller still returns only once its own mark is stored.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, cast, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from bot.storage.batch import GroupCommit
from bot.storage.database import Database
from bot.storage.models import HandledEventRow


class HandledEvents:
    """A log of handled event ids per transport, pruned after the platform stops resending."""

    def __init__(self, database: Database, transport: str) -> None:
        self._database = database
        self._transport = transport
        self._marks: GroupCommit[tuple[str, datetime]] = GroupCommit(self._store)

    async def was_handled(self, event_id: str) -> bool:
        """True when ``event_id`` was handled before."""
        async with self._database.session() as session:
            found = await session.scalar(
                select(func.count())
                .select_from(HandledEventRow)
                .where(
                    HandledEventRow.transport == self._transport,
                    HandledEventRow.event_id == event_id,
                )
            )
        return bool(found)

    async def newest_number(self) -> int:
        """The highest numeric event id handled (Telegram update ids grow); -1 when none."""
        async with self._database.session() as session:
            found = await session.scalar(
                select(func.max(cast(HandledEventRow.event_id, BigInteger))).where(
                    HandledEventRow.transport == self._transport
                )
            )
        return -1 if found is None else int(found)

    async def mark(self, event_id: str, now: datetime) -> None:
        """Record ``event_id`` as handled (again is fine)."""
        await self._marks.add((event_id, now))

    async def _store(self, marks: list[tuple[str, datetime]]) -> None:
        rows = [
            {"transport": self._transport, "event_id": event_id, "handled_at": now}
            for event_id, now in dict(marks).items()
        ]
        dialect = postgresql if self._database.backend == "postgresql" else sqlite
        statement = dialect.insert(HandledEventRow).values(rows).on_conflict_do_nothing()
        async with self._database.session() as session, session.begin():
            await session.execute(statement)

    async def unmark(self, event_id: str) -> None:
        """Take back a record: the event is to be handled again after a restart."""
        async with self._database.session() as session, session.begin():
            await session.execute(
                delete(HandledEventRow).where(
                    HandledEventRow.transport == self._transport,
                    HandledEventRow.event_id == event_id,
                )
            )

    async def forget_before(self, cutoff: datetime) -> int:
        """Drop records older than ``cutoff``; return how many."""
        async with self._database.session() as session, session.begin():
            result = await session.execute(
                delete(HandledEventRow).where(
                    HandledEventRow.transport == self._transport,
                    HandledEventRow.handled_at < cutoff,
                )
            )
        return int(getattr(result, "rowcount", 0) or 0)
