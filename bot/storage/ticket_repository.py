"""Handover tickets: which person a staff-room message belongs to. No text is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update

from bot.storage.database import Database
from bot.storage.models import TicketPostRow, TicketRow

OPEN = "open"
CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Ticket:
    """A handed-over question: its number, whose it is, in which language."""

    id: int
    user_id: int
    locale: str
    region: str | None
    status: str

    @property
    def is_open(self) -> bool:
        """True until staff or the person close it."""
        return self.status == OPEN


def _ticket(row: TicketRow) -> Ticket:
    return Ticket(row.id, row.user_id, row.locale, row.region_key, row.status)


class TicketRepository:
    """Opens, finds and closes tickets; forgets closed ones after the retention time."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def open(self, user_id: int, locale: str, region: str | None, now: datetime) -> Ticket:
        """A new open ticket for the person."""
        async with self._database.session() as session, session.begin():
            row = TicketRow(
                user_id=user_id, locale=locale, region_key=region, status=OPEN,
                opened_at=now, last_activity_at=now,
            )  # fmt: skip
            session.add(row)
            await session.flush()
            return _ticket(row)

    async def discard(self, ticket_id: int) -> None:
        """Remove a ticket that never reached the staff room."""
        async with self._database.session() as session, session.begin():
            await session.execute(delete(TicketRow).where(TicketRow.id == ticket_id))

    async def record_post(
        self, ticket_id: int, transport: str, chat_id: str, message_id: str, now: datetime
    ) -> None:
        """A bot message in the staff room belongs to the ticket: staff may reply to it."""
        async with self._database.session() as session, session.begin():
            await session.merge(TicketPostRow(
                transport=transport, chat_id=chat_id, message_id=message_id, ticket_id=ticket_id
            ))  # fmt: skip
            await session.execute(
                update(TicketRow).where(TicketRow.id == ticket_id).values(last_activity_at=now)
            )

    async def by_post(self, transport: str, chat_id: str, message_id: str) -> Ticket | None:
        """The ticket a staff-room message belongs to."""
        async with self._database.session() as session:
            row = await session.scalar(
                select(TicketRow)
                .join(TicketPostRow, TicketPostRow.ticket_id == TicketRow.id)
                .where(
                    TicketPostRow.transport == transport,
                    TicketPostRow.chat_id == chat_id,
                    TicketPostRow.message_id == message_id,
                )
            )
            return _ticket(row) if row else None

    async def open_for(self, user_id: int) -> Ticket | None:
        """The person's open ticket, if any."""
        async with self._database.session() as session:
            row = await session.scalar(
                select(TicketRow)
                .where(TicketRow.user_id == user_id, TicketRow.status == OPEN)
                .order_by(TicketRow.id.desc())
            )
            return _ticket(row) if row else None

    async def touch(self, ticket_id: int, now: datetime) -> None:
        """Something happened on the ticket."""
        async with self._database.session() as session, session.begin():
            await session.execute(
                update(TicketRow).where(TicketRow.id == ticket_id).values(last_activity_at=now)
            )

    async def close(self, ticket_id: int, now: datetime) -> bool:
        """Close the ticket; False when it was closed already."""
        async with self._database.session() as session, session.begin():
            result = await session.execute(
                update(TicketRow)
                .where(TicketRow.id == ticket_id, TicketRow.status == OPEN)
                .values(status=CLOSED, closed_at=now, last_activity_at=now)
            )
        return bool(getattr(result, "rowcount", 0))

    async def purge(self, closed_before: datetime, idle_before: datetime) -> int:
        """Forget tickets closed before ``closed_before`` and any idle since ``idle_before``."""
        async with self._database.session() as session, session.begin():
            result = await session.execute(
                delete(TicketRow).where(
                    ((TicketRow.status == CLOSED) & (TicketRow.closed_at < closed_before))
                    | (TicketRow.last_activity_at < idle_before)
                )
            )
        return int(getattr(result, "rowcount", 0) or 0)
