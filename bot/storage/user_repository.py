"""Users keyed by (transport, external id), with their preferences."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select, update

from bot.storage.database import Database, stored_utc
from bot.storage.models import UserRow


@dataclass(frozen=True, slots=True)
class User:
    """What the bot knows about a person on one transport."""

    id: int
    transport: str
    external_id: str
    chat_id: str | None
    locale: str | None
    region: str | None
    town: str | None
    region_asked: bool
    onboarded: bool
    step: str | None
    consent_at: datetime | None = None

    def with_changes(self, **changes: object) -> User:
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


def _user(row: UserRow) -> User:
    return User(
        id=row.id,
        transport=row.transport,
        external_id=row.external_id,
        chat_id=row.chat_id,
        locale=row.locale,
        region=row.region_key,
        town=row.town,
        region_asked=row.region_asked,
        onboarded=row.onboarded,
        step=row.step,
        consent_at=stored_utc(row.consent_at) if row.consent_at else None,
    )


_SEEN_PRECISION = timedelta(hours=1)


def _needs_touch(row: UserRow, chat_id: str, now: datetime) -> bool:
    """Whether the row must be written: the chat changed, it was unreachable, or seen long ago."""
    if row.chat_id != chat_id or not row.active:
        return True
    return now - row.last_seen_at >= _SEEN_PRECISION  # read back aware (UtcDateTime)


class UserRepository:
    """Finds, creates and updates users."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def get_or_create(
        self, transport: str, external_id: str, chat_id: str, now: datetime
    ) -> User:
        """The user for this identity, created on first contact; marks them seen.

        "Seen" is kept to the hour (it only decides when an inactive person's data
        is purged), so most messages read the row without writing it.
        """
        async with self._database.session() as session:
            row = await session.scalar(
                select(UserRow).where(
                    UserRow.transport == transport, UserRow.external_id == external_id
                )
            )
            if row is not None and not _needs_touch(row, chat_id, now):
                return _user(row)
        async with self._database.session() as session, session.begin():
            row = await session.scalar(
                select(UserRow).where(
                    UserRow.transport == transport, UserRow.external_id == external_id
                )
            )
            if row is None:
                row = UserRow(
                    transport=transport,
                    external_id=external_id,
                    chat_id=chat_id,
                    region_asked=False,
                    onboarded=False,
                    active=True,
                    created_at=now,
                    last_seen_at=now,
                )
                session.add(row)
            else:
                row.last_seen_at = now
                row.chat_id = chat_id
                row.active = True
            await session.flush()
            return _user(row)

    async def get(self, user_id: int) -> User | None:
        """The user with this id."""
        async with self._database.session() as session:
            row = await session.get(UserRow, user_id)
            return _user(row) if row else None

    async def save(self, user: User) -> None:
        """Store the user's preferences and conversation step."""
        async with self._database.session() as session, session.begin():
            row = await session.get(UserRow, user.id)
            if row is None:
                return
            row.locale = user.locale
            row.region_key = user.region
            row.town = user.town
            row.region_asked = user.region_asked
            row.onboarded = user.onboarded
            row.step = user.step
            row.consent_at = user.consent_at

    async def mark_unreachable(self, transport: str, chat_id: str) -> None:
        """The platform refuses messages to this chat (blocked, deactivated): stop sending.

        The user becomes active again with their next message.
        """
        async with self._database.session() as session, session.begin():
            await session.execute(
                update(UserRow)
                .where(UserRow.transport == transport, UserRow.chat_id == chat_id)
                .values(active=False)
            )

    async def is_reachable(self, transport: str, chat_id: str) -> bool:
        """False when the chat was marked unreachable."""
        async with self._database.session() as session:
            active = await session.scalar(
                select(UserRow.active).where(
                    UserRow.transport == transport, UserRow.chat_id == chat_id
                )
            )
        return active is not False
