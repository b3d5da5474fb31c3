"""Which platform events were handled already, so that a restart never handles one twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from bot.storage.database import Database
from bot.storage.models import HandledEventRow


class HandledEvents:
    """A log of handled event ids per transport, pruned after the platform stops resending."""

    def __init__(self, database: Database, transport: str) -> None:
        self._database = database
        self._transport = transport

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

    async def mark(self, event_id: str, now: datetime) -> None:
        """Record ``event_id`` as handled (again is fine)."""
        try:
            async with self._database.session() as session, session.begin():
                session.add(
                    HandledEventRow(transport=self._transport, event_id=event_id, handled_at=now)
                )
        except IntegrityError:
            return

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
