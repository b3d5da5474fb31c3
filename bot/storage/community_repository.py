"""MSOs with their invite codes and contacts, and users' channel subscriptions."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from bot.storage.database import Database, stored_utc
from bot.storage.models import MsoMemberRow, MsoRow, SubscriptionRow, UserRow

_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud, typed by hand


@dataclass(frozen=True, slots=True)
class Mso:
    """A registered migrant organisation."""

    id: int
    code: str
    name: str
    region: str
    members: int = 0


@dataclass(frozen=True, slots=True)
class Member:
    """A contact linked to an MSO: a transport identity, no name."""

    transport: str
    external_id: str
    joined_at: datetime


def new_code(length: int = 8) -> str:
    """A random invite code that is easy to read and type."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(length))


class CommunityRepository:
    """Registers MSOs, links their contacts, and keeps subscriptions."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def add_mso(self, name: str, region: str, now: datetime) -> Mso:
        """Register an MSO with a fresh invite code."""
        for _ in range(10):
            try:
                async with self._database.session() as session, session.begin():
                    row = MsoRow(code=new_code(), name=name, region_key=region, created_at=now)
                    session.add(row)
                    await session.flush()
                    return Mso(row.id, row.code, row.name, row.region_key)
            except IntegrityError:
                continue
        raise RuntimeError("could not find a free invite code")

    async def msos(self) -> list[Mso]:
        """All MSOs with their number of linked contacts."""
        async with self._database.session() as session:
            rows = await session.execute(
                select(MsoRow, func.count(MsoMemberRow.user_id))
                .outerjoin(MsoMemberRow, MsoMemberRow.mso_id == MsoRow.id)
                .group_by(MsoRow.id)
                .order_by(MsoRow.name)
            )
            return [Mso(row.id, row.code, row.name, row.region_key, count) for row, count in rows]

    async def mso_by_code(self, code: str) -> Mso | None:
        """The MSO with this invite code."""
        async with self._database.session() as session:
            row = await session.scalar(select(MsoRow).where(MsoRow.code == code.strip().lower()))
            return Mso(row.id, row.code, row.name, row.region_key) if row else None

    async def members(self, mso_id: int) -> list[Member]:
        """Who is linked to an MSO (transport ids only)."""
        async with self._database.session() as session:
            rows = await session.execute(
                select(UserRow.transport, UserRow.external_id, MsoMemberRow.joined_at)
                .join(MsoMemberRow, MsoMemberRow.user_id == UserRow.id)
                .where(MsoMemberRow.mso_id == mso_id)
                .order_by(MsoMemberRow.joined_at)
            )
            return [
                Member(transport, external_id, stored_utc(joined_at))
                for transport, external_id, joined_at in rows
            ]

    async def remove_mso(self, code: str) -> bool:
        """Remove an MSO and its links; False if there is none with this code."""
        async with self._database.session() as session, session.begin():
            row = await session.scalar(select(MsoRow).where(MsoRow.code == code.strip().lower()))
            if row is None:
                return False
            await session.delete(row)
            return True

    async def join(self, mso: Mso, user_id: int, now: datetime) -> bool:
        """Link a user to an MSO and subscribe them to its region's Arbeitskreis.

        Returns False when the user was linked already.
        """
        async with self._database.session() as session, session.begin():
            if await session.get(MsoMemberRow, (mso.id, user_id)) is not None:
                return False
            session.add(MsoMemberRow(mso_id=mso.id, user_id=user_id, joined_at=now))
            key = (user_id, "arbeitskreis", mso.region)
            if await session.get(SubscriptionRow, key) is None:
                session.add(
                    SubscriptionRow(
                        user_id=user_id, channel="arbeitskreis", region_key=mso.region,
                        created_at=now,
                    )
                )  # fmt: skip
            return True

    async def is_member(self, user_id: int) -> bool:
        """True when the user is a contact of any MSO."""
        async with self._database.session() as session:
            found = await session.scalar(
                select(func.count())
                .select_from(MsoMemberRow)
                .where(MsoMemberRow.user_id == user_id)
            )
            return bool(found)

    async def subscriptions(self, user_id: int) -> list[tuple[str, str]]:
        """The user's (channel, region) subscriptions."""
        async with self._database.session() as session:
            rows = await session.execute(
                select(SubscriptionRow.channel, SubscriptionRow.region_key)
                .where(SubscriptionRow.user_id == user_id)
                .order_by(SubscriptionRow.channel, SubscriptionRow.region_key)
            )
            return list(rows)

    async def subscribe(self, user_id: int, channel: str, region: str, now: datetime) -> bool:
        """Subscribe; False if already subscribed."""
        async with self._database.session() as session, session.begin():
            if await session.get(SubscriptionRow, (user_id, channel, region)) is not None:
                return False
            session.add(
                SubscriptionRow(
                    user_id=user_id, channel=channel, region_key=region, created_at=now
                )
            )
            return True

    async def unsubscribe(self, user_id: int, channel: str, region: str) -> bool:
        """Unsubscribe; False if there was no such subscription."""
        async with self._database.session() as session, session.begin():
            result = await session.execute(
                delete(SubscriptionRow).where(
                    SubscriptionRow.user_id == user_id,
                    SubscriptionRow.channel == channel,
                    SubscriptionRow.region_key == region,
                )
            )
            return bool(getattr(result, "rowcount", 0))
