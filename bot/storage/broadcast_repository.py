"""Broadcasts: stored, approved, queued into the ledger, cancelled, reported.

Every recipient row is written in the transaction that queues the broadcast,
so a crash leaves either all of them or none. The audience is resolved when
the broadcast is queued (at once, or at its scheduled time).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcasts.audience import Audience
from bot.broadcasts.model import (
    AWAITING_APPROVAL,
    CANCELLED,
    DONE,
    REJECTED,
    SCHEDULED,
    SENDING,
    Broadcast,
    Report,
)
from bot.events.schedule import UTC
from bot.storage import ledger
from bot.storage.database import Database, stored_utc
from bot.storage.models import (
    BroadcastRow,
    DeliveryRow,
    MsoMemberRow,
    MsoRow,
    StaffRow,
    SubscriptionRow,
    UserRow,
)
from bot.storage.staff_repository import record

BROADCAST = "broadcast"
APPROVAL_REQUEST = "bc_approval"
DECISION = "bc_decision"
REPORT = "bc_report"


_IDENTITY = UserRow.transport + ":" + UserRow.external_id  # as staff are listed


class Decision(Enum):
    """What became of an approval, rejection or cancellation."""

    DONE = "done"
    NOT_FOUND = "not found"
    NOT_OPEN = "not open"
    OWN = "own"


@dataclass(frozen=True, slots=True)
class Draft:
    """A broadcast as its author composed it."""

    author: str
    author_user_id: int | None
    texts: dict[str, str]
    audience: Audience
    send_at: datetime | None = None


def _audience_dict(audience: Audience) -> dict[str, Any]:
    return {
        "group": audience.group, "channel": audience.channel, "regions": list(audience.regions),
        "towns": list(audience.towns), "languages": list(audience.languages),
    }  # fmt: skip


def _audience(value: dict[str, Any]) -> Audience:
    return Audience(
        value.get("group", "all"), value.get("channel", ""), tuple(value.get("regions", ())),
        tuple(value.get("towns", ())), tuple(value.get("languages", ())),
    )  # fmt: skip


def _utc(value: datetime | None) -> datetime | None:
    """A stored time as an aware UTC time (SQLite drops the zone)."""
    return None if value is None else stored_utc(value)


def _broadcast(row: BroadcastRow) -> Broadcast:
    return Broadcast(
        id=row.id, author=row.author, texts=dict(row.texts), audience=_audience(row.audience),
        status=row.status, send_at=_utc(row.send_at), created_at=stored_utc(row.created_at),
        approved_by=row.approved_by, queued_at=_utc(row.queued_at),
        finished_at=_utc(row.finished_at), recipients=row.recipients,
    )  # fmt: skip


def audience_query(
    audience: Audience, transports: Iterable[str], default_locale: str, staff: Iterable[str]
) -> Select[int, str, str | None]:
    """Reachable users in the audience: (id, transport, locale). Staff are no newcomers."""
    query = (
        select(UserRow.id, UserRow.transport, UserRow.locale)
        .where(UserRow.active.is_(True), UserRow.chat_id.is_not(None))
        .where(UserRow.transport.in_(list(transports)))
    )
    members = select(MsoMemberRow.user_id)
    if audience.group == "mso":
        if audience.regions:
            in_region = members.join(MsoRow, MsoRow.id == MsoMemberRow.mso_id).where(
                MsoRow.region_key.in_(audience.regions)
            )
            query = query.where(
                or_(UserRow.id.in_(in_region), UserRow.region_key.in_(audience.regions)),
                UserRow.id.in_(members),
            )
        else:
            query = query.where(UserRow.id.in_(members))
    elif audience.group == "newcomers":
        query = query.where(UserRow.id.not_in(members), _IDENTITY.not_in(list(staff)))
    if audience.group == "subscribers":
        subscribed = select(SubscriptionRow.user_id).where(
            SubscriptionRow.channel == audience.channel
        )
        if audience.regions:
            subscribed = subscribed.where(SubscriptionRow.region_key.in_(audience.regions))
        query = query.where(UserRow.id.in_(subscribed))
    elif audience.regions and audience.group != "mso":
        query = query.where(UserRow.region_key.in_(audience.regions))
    if audience.towns:
        query = query.where(UserRow.town.in_(audience.towns))
    if audience.languages:
        language = func.coalesce(UserRow.locale, default_locale)
        query = query.where(language.in_(audience.languages))
    return query.order_by(UserRow.id)


class BroadcastRepository:
    """Stores broadcasts and moves them through approval, sending and reporting."""

    def __init__(
        self,
        database: Database,
        admins: frozenset[str],
        transports: tuple[str, ...],
        default_locale: str,
    ) -> None:
        self._database = database
        self._admins = admins
        self.transports = transports
        self._default_locale = default_locale

    async def count(self, audience: Audience) -> Counter[str]:
        """How many reachable people the audience has now, per language."""
        async with self._database.session() as session:
            query = audience_query(
                audience, self.transports, self._default_locale, await self._staff(session)
            )
            rows = await session.execute(query)
            return Counter(locale or self._default_locale for _id, _t, locale in rows)

    async def create(self, draft: Draft, now: datetime, require_approval: bool) -> Broadcast:
        """Store a broadcast: awaiting approval, scheduled, or queued at once."""
        now = now.astimezone(UTC)
        send_at = draft.send_at.astimezone(UTC) if draft.send_at is not None else None
        async with self._database.session() as session, session.begin():
            row = BroadcastRow(
                author=draft.author, author_user_id=draft.author_user_id, texts=draft.texts,
                audience=_audience_dict(draft.audience), status=AWAITING_APPROVAL,
                send_at=send_at, created_at=now, recipients=0,
            )  # fmt: skip
            session.add(row)
            await session.flush()
            details = {"audience": draft.audience.expression(), "languages": sorted(draft.texts)}
            await record(session, draft.author, "broadcast.create", f"broadcast {row.id}", now,
                         details)  # fmt: skip
            if require_approval:
                await self._ask_for_approval(session, row, now)
            else:
                await self._release(session, row, now)
            return _broadcast(row)

    async def approve(self, broadcast_id: int, approver: str, now: datetime) -> Decision:
        """A second staff member approves: the broadcast is scheduled or queued."""
        return await self._decide(broadcast_id, approver, now, approved=True)

    async def reject(self, broadcast_id: int, approver: str, now: datetime) -> Decision:
        """A second staff member rejects: nothing is sent."""
        return await self._decide(broadcast_id, approver, now, approved=False)

    async def cancel(self, broadcast_id: int, actor: str, now: datetime) -> Decision:
        """Stop a broadcast before or while it is sent; unsent rows are withdrawn."""
        now = now.astimezone(UTC)
        async with self._database.session() as session, session.begin():
            row = await session.get(BroadcastRow, broadcast_id, with_for_update=True)
            if row is None:
                return Decision.NOT_FOUND
            if row.status not in (AWAITING_APPROVAL, SCHEDULED, SENDING):
                return Decision.NOT_OPEN
            await ledger.withdraw(session, (BROADCAST,), broadcast_id=broadcast_id)
            row.status = CANCELLED
            if row.queued_at is None:
                row.finished_at = now
            await record(session, actor, "broadcast.cancel", f"broadcast {broadcast_id}", now)
            return Decision.DONE

    async def release_due(self, now: datetime) -> int:
        """Queue every scheduled broadcast whose time has come; return how many."""
        now = now.astimezone(UTC)
        released = 0
        async with self._database.session() as session, session.begin():
            rows = await session.scalars(
                select(BroadcastRow)
                .where(BroadcastRow.status == SCHEDULED, BroadcastRow.send_at <= now)
                .with_for_update(skip_locked=True)
            )
            for row in rows:
                await self._queue(session, row, now)
                released += 1
        return released

    async def finish(self, now: datetime) -> list[int]:
        """Close broadcasts with nothing left to send; their authors get the report."""
        now = now.astimezone(UTC)
        unfinished = select(DeliveryRow.broadcast_id).where(
            DeliveryRow.broadcast_id == BroadcastRow.id,
            DeliveryRow.kind == BROADCAST,
            DeliveryRow.status.in_((ledger.PENDING, ledger.SENDING)),
        )
        finished: list[int] = []
        async with self._database.session() as session, session.begin():
            rows = await session.scalars(
                select(BroadcastRow)
                .where(
                    BroadcastRow.status.in_((SENDING, CANCELLED)),
                    BroadcastRow.queued_at.is_not(None),
                    BroadcastRow.finished_at.is_(None),
                    ~unfinished.exists(),
                )
                .with_for_update(skip_locked=True)
            )
            for row in rows:
                row.finished_at = now
                if row.status == SENDING:
                    row.status = DONE
                await self._tell_author(session, row, REPORT, {}, now)
                finished.append(row.id)
        return finished

    async def next_due(self) -> datetime | None:
        """When the next scheduled broadcast is due."""
        async with self._database.session() as session:
            value = await session.scalar(
                select(func.min(BroadcastRow.send_at)).where(BroadcastRow.status == SCHEDULED)
            )
        return _utc(value)

    async def get(self, broadcast_id: int) -> Broadcast | None:
        """One broadcast."""
        async with self._database.session() as session:
            row = await session.get(BroadcastRow, broadcast_id)
            return _broadcast(row) if row is not None else None

    async def recent(self, limit: int = 10) -> list[Broadcast]:
        """The newest broadcasts, newest first."""
        async with self._database.session() as session:
            rows = await session.scalars(
                select(BroadcastRow).order_by(BroadcastRow.id.desc()).limit(limit)
            )
            return [_broadcast(row) for row in rows]

    async def report(self, broadcast_id: int) -> Report | None:
        """Counts per delivery status and failure reasons, now."""
        async with self._database.session() as session:
            row = await session.get(BroadcastRow, broadcast_id)
            if row is None:
                return None
            result = await session.execute(
                select(DeliveryRow.status, DeliveryRow.error, func.count())
                .where(DeliveryRow.broadcast_id == broadcast_id, DeliveryRow.kind == BROADCAST)
                .group_by(DeliveryRow.status, DeliveryRow.error)
            )
            counts: Counter[str] = Counter()
            failures: Counter[str] = Counter()
            for status, error, count in result:
                counts[status] += count
                if status in (ledger.FAILED, ledger.BLOCKED) and error:
                    failures[error] += count
            return Report(_broadcast(row), dict(counts), dict(failures))

    async def _decide(
        self, broadcast_id: int, approver: str, now: datetime, approved: bool
    ) -> Decision:
        now = now.astimezone(UTC)
        async with self._database.session() as session, session.begin():
            row = await session.get(BroadcastRow, broadcast_id, with_for_update=True)
            if row is None:
                return Decision.NOT_FOUND
            if row.status != AWAITING_APPROVAL:
                return Decision.NOT_OPEN
            if row.author == approver:
                return Decision.OWN
            row.approved_by = approver
            row.decided_at = now
            action = "broadcast.approve" if approved else "broadcast.reject"
            await record(session, approver, action, f"broadcast {broadcast_id}", now)
            await ledger.withdraw(session, (APPROVAL_REQUEST,), broadcast_id=broadcast_id)
            await self._tell_author(
                session, row, DECISION, {"approved": approved, "by": approver}, now
            )
            if approved:
                await self._release(session, row, now)
            else:
                row.status = REJECTED
                row.finished_at = now
            return Decision.DONE

    async def _staff(self, session: AsyncSession) -> set[str]:
        return set(self._admins) | set(await session.scalars(select(StaffRow.identity)))

    async def _release(self, session: AsyncSession, row: BroadcastRow, now: datetime) -> None:
        send_at = _utc(row.send_at)
        if send_at is not None and send_at > now:
            row.status = SCHEDULED
        else:
            await self._queue(session, row, now)

    async def _queue(self, session: AsyncSession, row: BroadcastRow, now: datetime) -> None:
        query = audience_query(
            _audience(row.audience), self.transports, self._default_locale,
            await self._staff(session),
        )  # fmt: skip
        recipients = [
            ledger.Recipient(user_id, transport)
            for user_id, transport, _l in await session.execute(query)
        ]
        row.recipients = await ledger.enqueue(
            session, recipients, key=f"broadcast:{row.id}", kind=BROADCAST, now=now,
            broadcast_id=row.id,
        )  # fmt: skip
        row.status = SENDING
        row.queued_at = now
        await record(session, "scheduler", "broadcast.queue", f"broadcast {row.id}", now,
                     {"recipients": row.recipients})  # fmt: skip

    async def _ask_for_approval(
        self, session: AsyncSession, row: BroadcastRow, now: datetime
    ) -> None:
        identities = await self._staff(session)
        identities.discard(row.author)
        staff = [
            ledger.Recipient(user_id, transport)
            for user_id, transport in await session.execute(
                select(UserRow.id, UserRow.transport)
                .where(UserRow.active.is_(True), UserRow.chat_id.is_not(None))
                .where(UserRow.transport.in_(list(self.transports)))
                .where(_IDENTITY.in_(list(identities)))
            )
        ]
        await ledger.enqueue(
            session, staff, key=f"bcapproval:{row.id}", kind=APPROVAL_REQUEST, now=now,
            broadcast_id=row.id,
        )  # fmt: skip

    async def _tell_author(
        self,
        session: AsyncSession,
        row: BroadcastRow,
        kind: str,
        details: dict[str, Any],
        now: datetime,
    ) -> None:
        if row.author_user_id is None:
            return
        author = await session.get(UserRow, row.author_user_id)
        if author is None or author.chat_id is None:
            return
        await ledger.enqueue(
            session, [ledger.Recipient(author.id, author.transport)], key=f"{kind}:{row.id}",
            kind=kind, now=now, broadcast_id=row.id, details=details,
        )  # fmt: skip
