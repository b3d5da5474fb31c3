"""Who is staff, and the audit log of what staff did.

Admins are listed in the config (``[staff] admins``) and cannot be revoked in
chat; they grant and revoke staff, who are stored here. Every staff action is
recorded with :func:`record` inside the transaction that makes the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events.schedule import UTC
from bot.storage.database import Database, stored_utc
from bot.storage.models import AuditRow, StaffRow


def identity_of(transport: str, external_id: str) -> str:
    """A person's identity as the config writes it: ``transport:id``."""
    return f"{transport}:{external_id}"


def is_identity(text: str) -> bool:
    """True for ``transport:id`` with both parts present and no spaces."""
    transport, _, external_id = text.partition(":")
    return bool(transport) and bool(external_id) and transport.isalpha() and " " not in text


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A staff identity; admins come from the config."""

    identity: str
    admin: bool
    granted_by: str
    granted_at: datetime | None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the audit log."""

    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    details: dict[str, Any]


async def record(
    session: AsyncSession,
    actor: str,
    action: str,
    subject: str,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> None:
    """Add an audit entry inside the caller's transaction."""
    session.add(
        AuditRow(
            at=now.astimezone(UTC), actor=actor, action=action, subject=subject[:300],
            details=details or {},
        )
    )  # fmt: skip


class StaffRepository:
    """Grants, revokes and lists staff; reads the audit log."""

    def __init__(self, database: Database, admins: frozenset[str]) -> None:
        self._database = database
        self.admins = admins

    def is_admin(self, identity: str) -> bool:
        """True for an admin listed in the config."""
        return identity in self.admins

    async def is_staff(self, identity: str) -> bool:
        """True for admins and granted staff."""
        if identity in self.admins:
            return True
        async with self._database.session() as session:
            return await session.get(StaffRow, identity) is not None

    async def grant(self, identity: str, actor: str, now: datetime) -> bool:
        """Make ``identity`` staff; False when it already is."""
        async with self._database.session() as session, session.begin():
            if identity in self.admins or await session.get(StaffRow, identity) is not None:
                return False
            session.add(
                StaffRow(identity=identity, granted_by=actor, granted_at=now.astimezone(UTC))
            )
            await record(session, actor, "staff.grant", identity, now)
            return True

    async def revoke(self, identity: str, actor: str, now: datetime) -> bool:
        """Take staff rights from ``identity``; False when it had none (admins stay admins)."""
        async with self._database.session() as session, session.begin():
            result = await session.execute(delete(StaffRow).where(StaffRow.identity == identity))
            if not getattr(result, "rowcount", 0):
                return False
            await record(session, actor, "staff.revoke", identity, now)
            return True

    async def members(self) -> list[StaffMember]:
        """Admins first, then granted staff in the order they were granted."""
        admins = [StaffMember(identity, True, "config", None) for identity in sorted(self.admins)]
        async with self._database.session() as session:
            rows = await session.scalars(select(StaffRow).order_by(StaffRow.granted_at))
            granted = [
                StaffMember(row.identity, False, row.granted_by, stored_utc(row.granted_at))
                for row in rows
                if row.identity not in self.admins
            ]
        return admins + granted

    async def audit(self, actor: str, action: str, subject: str, now: datetime,
                    details: dict[str, Any] | None = None) -> None:  # fmt: skip
        """Record an action that changed nothing else in the database."""
        async with self._database.session() as session, session.begin():
            await record(session, actor, action, subject, now, details)

    async def entries(self, limit: int = 100, since: datetime | None = None) -> list[AuditEntry]:
        """The newest audit entries, oldest first."""
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if since is not None:
            query = query.where(AuditRow.at >= since.astimezone(UTC))
        async with self._database.session() as session:
            rows = list(await session.scalars(query))
        return [
            AuditEntry(
                row.id,
                stored_utc(row.at),
                row.actor,
                row.action,
                row.subject,
                dict(row.details),
            )
            for row in reversed(rows)
        ]
