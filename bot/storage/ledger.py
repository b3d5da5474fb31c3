"""The delivery ledger: every notification is a row before anything is sent.

Rows are written in the same transaction as their cause (a new event, a
change, a due reminder). A sender claims due rows (status ``sending``, with its
worker's name; ``FOR UPDATE SKIP LOCKED`` where the database has it, so several
workers never take the same row) and records the outcome. A row still
``sending`` under a worker that died was in flight during a crash: its outcome
is unknown, so it is marked ``unknown`` and never sent again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events.schedule import UTC
from bot.storage.batch import GroupCommit
from bot.storage.database import Database
from bot.storage.models import DeliveryRow, UserRow

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
BLOCKED = "blocked"
FAILED = "failed"
UNKNOWN = "unknown"
CANCELLED = "cancelled"

_MAX_ATTEMPTS = 5
_CHUNK = 500
_GATHER_SECONDS = 0.005


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
    broadcast_id: int | None = None
    chat_id: str | None = None
    locale: str | None = None


async def enqueue(
    session: AsyncSession,
    recipients: list[Recipient],
    *,
    key: str,
    kind: str,
    now: datetime,
    event_id: int | None = None,
    occurrence: datetime | None = None,
    broadcast_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> int:
    """Add one row per recipient, inside the caller's transaction; ``key`` makes them unique.

    A recipient who already has a row with this key gets no second one.
    Returns the number of rows added.
    """
    now = now.astimezone(UTC)
    keys = {f"{key}:u{recipient.user_id}": recipient for recipient in recipients}
    existing: set[str] = set()
    ordered = list(keys)
    for start in range(0, len(ordered), _CHUNK):
        existing.update(
            await session.scalars(
                select(DeliveryRow.dedupe_key).where(
                    DeliveryRow.dedupe_key.in_(ordered[start : start + _CHUNK])
                )
            )
        )
    rows = [
        {
            "dedupe_key": dedupe_key,
            "user_id": recipient.user_id,
            "transport": recipient.transport,
            "kind": kind,
            "event_id": event_id,
            "occurrence": occurrence,
            "broadcast_id": broadcast_id,
            "details": details or {},
            "status": PENDING,
            "attempts": 0,
            "next_try_at": now,
            "error": "",
            "created_at": now,
        }
        for dedupe_key, recipient in keys.items()
        if dedupe_key not in existing
    ]
    for start in range(0, len(rows), _CHUNK):
        await session.execute(insert(DeliveryRow), rows[start : start + _CHUNK])
    return len(rows)


async def withdraw(
    session: AsyncSession,
    kinds: tuple[str, ...],
    *,
    event_id: int | None = None,
    broadcast_id: int | None = None,
) -> None:
    """Withdraw unsent rows of an event or a broadcast, inside the caller's transaction."""
    cause = (
        DeliveryRow.event_id == event_id
        if broadcast_id is None
        else DeliveryRow.broadcast_id == broadcast_id
    )
    await session.execute(
        update(DeliveryRow)
        .where(cause, DeliveryRow.status == PENDING, DeliveryRow.kind.in_(kinds))
        .values(status=CANCELLED)
    )


class Ledger:
    """Claims due rows and records how sending them ended."""

    def __init__(self, database: Database, holder: str = "") -> None:
        self._database = database
        self._holder = holder
        # A row stays in flight (its sending slot taken) until its outcome is stored.
        self._sent = GroupCommit(self._store_sent, _GATHER_SECONDS)

    async def recover(self, alive: set[str]) -> int:
        """Rows in flight under a worker not in ``alive`` become ``unknown``; return how many."""
        async with self._database.session() as session, session.begin():
            result = await session.execute(
                update(DeliveryRow)
                .where(
                    DeliveryRow.status == SENDING,
                    or_(DeliveryRow.claimed_by.is_(None), DeliveryRow.claimed_by.not_in(alive)),
                )
                .values(status=UNKNOWN, error="in flight during a crash; not sent again")
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def claim(self, transports: set[str], now: datetime, limit: int) -> list[Notice]:
        """Take up to ``limit`` due rows for these transports and mark them ``sending``.

        One statement takes them, so two workers never claim the same row: on
        PostgreSQL rows locked by another worker are skipped, on SQLite the
        statement holds the write lock.
        """
        now = now.astimezone(UTC)
        # Materialised once: PostgreSQL would re-run an IN (subquery) per row and let
        # LIMIT slip; a CTE takes exactly the rows it locked.
        due = (
            select(DeliveryRow.id)
            .where(
                DeliveryRow.status == PENDING,
                DeliveryRow.next_try_at <= now,
                DeliveryRow.transport.in_(transports),
            )
            .order_by(DeliveryRow.next_try_at, DeliveryRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("due")
            .prefix_with("MATERIALIZED", dialect="postgresql")
        )
        columns = (
            DeliveryRow.id, DeliveryRow.user_id, DeliveryRow.transport, DeliveryRow.kind,
            DeliveryRow.event_id, DeliveryRow.occurrence, DeliveryRow.details,
            DeliveryRow.attempts, DeliveryRow.broadcast_id, DeliveryRow.next_try_at,
        )  # fmt: skip
        async with self._database.session() as session, session.begin():
            claimed = (
                await session.execute(
                    update(DeliveryRow)
                    .where(DeliveryRow.id.in_(select(due.c.id)), DeliveryRow.status == PENDING)
                    .values(
                        status=SENDING,
                        attempts=DeliveryRow.attempts + 1,
                        claimed_by=self._holder or None,
                    )
                    .returning(*columns)
                    .execution_options(synchronize_session=False)
                )
            ).all()
            if not claimed:
                return []
            users = {
                user_id: (chat_id, locale)
                for user_id, chat_id, locale in await session.execute(
                    select(UserRow.id, UserRow.chat_id, UserRow.locale).where(
                        UserRow.id.in_({row.user_id for row in claimed})
                    )
                )
            }
        return [
            Notice(
                id=row.id,
                user_id=row.user_id,
                transport=row.transport,
                kind=row.kind,
                event_id=row.event_id,
                occurrence=row.occurrence,
                details=dict(row.details),
                attempts=row.attempts,
                broadcast_id=row.broadcast_id,
                chat_id=users.get(row.user_id, (None, None))[0],
                locale=users.get(row.user_id, (None, None))[1],
            )
            for row in sorted(claimed, key=lambda row: (row.next_try_at, row.id))
        ]

    async def sent(self, notice_id: int, message_id: str | None, now: datetime) -> None:
        """The platform accepted the message (stored with others sent at the same time)."""
        row = {"id": notice_id, "status": SENT, "platform_message_id": message_id,
               "sent_at": now.astimezone(UTC)}  # fmt: skip
        await self._sent.add(row)

    async def _store_sent(self, rows: list[dict[str, Any]]) -> None:
        async with self._database.session() as session, session.begin():
            await session.execute(update(DeliveryRow), rows)

    async def unknown(self, notice_id: int, reason: str) -> None:
        """The platform did not answer in time after the message was sent: it may have
        arrived, so it is never sent again (like a row in flight during a crash)."""
        await self._set(notice_id, status=UNKNOWN, error=reason[:300])

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

    async def deferred(self, notice: Notice, retry_at: datetime, reason: str) -> None:
        """The platform asked to wait before anything went out: due again at ``retry_at``.

        Not counted as an attempt; the row is not in flight while it waits.
        """
        await self._set(
            notice.id, status=PENDING, attempts=notice.attempts - 1, error=reason[:300],
            next_try_at=retry_at.astimezone(UTC),
        )  # fmt: skip

    async def _set(self, notice_id: int, **values: Any) -> None:
        async with self._database.session() as session, session.begin():
            await session.execute(
                update(DeliveryRow).where(DeliveryRow.id == notice_id).values(**values)
            )
