"""The delivery ledger: every notification is a row before anything is sent.

Rows are written in the same transaction as their cause (a new event, a
change, a due reminder). A sender claims due rows (status ``sending``) and
records the outcome. A row found ``sending`` at start-up was in flight during a
crash: its outcome is unknown, so it is marked ``unknown`` and never sent again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events.schedule import UTC
from bot.storage.database import Database
from bot.storage.models import DeliveryRow

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
BLOCKED = "blocked"
FAILED = "failed"
UNKNOWN = "unknown"
CANCELLED = "cancelled"

_MAX_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who gets a notification, and through which transport and chat."""

    user_id: int
    transport: str


@dataclass(frozen=True, slots=True)
class Notice:
    """A claimed ledger row: what to render and send to whom."""

    id: int
    user_id: int
    transport: str
    kind: str
    event_id: int | None
    occurrence: datetime | None
    details: dict[str, Any]
    attempts: int


async def enqueue(
    session: AsyncSession,
    recipients: list[Recipient],
    *,
    key: str,
    kind: str,
    now: datetime,
    event_id: int | None = None,
    occurrence: datetime | None = None,
    details: dict[str, Any] | None = None,
) -> int:
    """Add one row per recipient, inside the caller's transaction; ``key`` makes them unique.

    A recipient who already has a row with this key gets no second one.
    """
    now = now.astimezone(UTC)
    keys = {f"{key}:u{recipient.user_id}": recipient for recipient in recipients}
    if not keys:
        return 0
    existing = set(
        await session.scalars(
            select(DeliveryRow.dedupe_key).where(DeliveryRow.dedupe_key.in_(keys))
        )
    )
    for dedupe_key, recipient in keys.items():
        if dedupe_key in existing:
            continue
        session.add(
            DeliveryRow(
                dedupe_key=dedupe_key,
                user_id=recipient.user_id,
                transport=recipient.transport,
                kind=kind,
                event_id=event_id,
                occurrence=occurrence,
                details=details or {},
                status=PENDING,
                attempts=0,
                next_try_at=now,
                error="",
                created_at=now,
            )
        )
    return len(keys) - len(existing)


async def withdraw(session: AsyncSession, event_id: int, kinds: tuple[str, ...]) -> None:
    """Withdraw unsent rows of an event, inside the caller's transaction."""
    await session.execute(
        update(DeliveryRow)
        .where(
            DeliveryRow.event_id == event_id,
            DeliveryRow.status == PENDING,
            DeliveryRow.kind.in_(kinds),
        )
        .values(status=CANCELLED)
    )


class Ledger:
    """Claims due rows and records how sending them ended."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def recover(self) -> int:
        """Rows caught in flight by a crash become ``unknown``; return how many."""
        async with self._database.session() as session, session.begin():
            result = await session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.status == SENDING)
                .values(status=UNKNOWN, error="in flight during a crash; not sent again")
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def claim(self, transports: set[str], now: datetime, limit: int) -> list[Notice]:
        """Take up to ``limit`` due rows for these transports and mark them ``sending``."""
        now = now.astimezone(UTC)
        async with self._database.session() as session, session.begin():
            rows = list(
                await session.scalars(
                    select(DeliveryRow)
                    .where(
                        DeliveryRow.status == PENDING,
                        DeliveryRow.next_try_at <= now,
                        DeliveryRow.transport.in_(transports),
                    )
                    .order_by(DeliveryRow.next_try_at, DeliveryRow.id)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
            )
            for row in rows:
                row.status = SENDING
                row.attempts += 1
            return [
                Notice(
                    row.id,
                    row.user_id,
                    row.transport,
                    row.kind,
                    row.event_id,
                    row.occurrence,
                    dict(row.details),
                    row.attempts,
                )
                for row in rows
            ]

    async def sent(self, notice_id: int, message_id: str | None, now: datetime) -> None:
        """The platform accepted the message."""
        sent_at = now.astimezone(UTC)
        await self._set(notice_id, status=SENT, platform_message_id=message_id, sent_at=sent_at)

    async def blocked(self, notice_id: int, reason: str) -> None:
        """The recipient cannot be reached (blocked the bot): never retried."""
        await self._set(notice_id, status=BLOCKED, error=reason[:300])

    async def failed(self, notice: Notice, reason: str, now: datetime, retry: bool) -> None:
        """Sending failed; retried later with backoff while attempts remain."""
        if retry and notice.attempts < _MAX_ATTEMPTS:
            retry_at = now.astimezone(UTC) + timedelta(seconds=30 * 2 ** (notice.attempts - 1))
            await self._set(notice.id, status=PENDING, error=reason[:300], next_try_at=retry_at)
        else:
            await self._set(notice.id, status=FAILED, error=reason[:300])

    async def _set(self, notice_id: int, **values: Any) -> None:
        async with self._database.session() as session, session.begin():
            await session.execute(
                update(DeliveryRow).where(DeliveryRow.id == notice_id).values(**values)
            )
