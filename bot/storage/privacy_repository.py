"""What is stored about one person, all of it, and erasing it.

Erasing a user row removes, through the foreign keys, their subscriptions, MSO
links, "remind me" marks, ledger rows and handover tickets; announcements they wrote keep their
text but lose the link to them. The audit log of staff actions is kept: it
records staff, not the people they serve.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from bot.events.schedule import UTC
from bot.storage.database import Database, stored_utc
from bot.storage.models import (
    DeliveryRow,
    EventReminderRow,
    EventRow,
    MsoMemberRow,
    MsoRow,
    SubscriptionRow,
    TicketRow,
    UserRow,
)


def _stamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    return stored_utc(value).isoformat(timespec="seconds")


class PrivacyRepository:
    """Exports and erases one person's data; purges people who left long ago."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def export(self, user_id: int) -> dict[str, Any]:
        """Everything stored about the user, as plain data."""
        async with self._database.session() as session:
            user = await session.get(UserRow, user_id)
            if user is None:
                return {}
            msos = await session.execute(
                select(MsoRow.name, MsoMemberRow.joined_at)
                .join(MsoMemberRow, MsoMemberRow.mso_id == MsoRow.id)
                .where(MsoMemberRow.user_id == user_id)
            )
            subscriptions = await session.execute(
                select(SubscriptionRow.channel, SubscriptionRow.region_key).where(
                    SubscriptionRow.user_id == user_id
                )
            )
            reminders = await session.execute(
                select(EventRow.titles, EventReminderRow.created_at)
                .join(EventReminderRow, EventReminderRow.event_id == EventRow.id)
                .where(EventReminderRow.user_id == user_id)
            )
            deliveries = await session.execute(
                select(DeliveryRow.kind, DeliveryRow.status).where(DeliveryRow.user_id == user_id)
            )
            notices = Counter(f"{kind} ({status})" for kind, status in deliveries)
            tickets = await session.execute(
                select(TicketRow.id, TicketRow.status, TicketRow.opened_at, TicketRow.closed_at)
                .where(TicketRow.user_id == user_id)
                .order_by(TicketRow.id)
            )
            return {
                "account": {
                    "platform": user.transport, "id": user.external_id, "chat": user.chat_id,
                    "language": user.locale, "region": user.region_key, "town": user.town,
                    "reachable": user.active, "first_contact": _stamp(user.created_at),
                    "last_contact": _stamp(user.last_seen_at),
                    "consent_given": _stamp(user.consent_at),
                },
                "mso_links": [{"mso": name, "since": _stamp(at)} for name, at in msos],
                "subscriptions": [
                    {"channel": channel, "region": region} for channel, region in subscriptions
                ],
                "reminders_asked_for": [
                    {"event": titles.get("de", ""), "since": _stamp(at)}
                    for titles, at in reminders
                ],
                "notices_sent_or_planned": dict(sorted(notices.items())),
                "questions_passed_to_staff": [
                    {"ticket": number, "status": status, "opened": _stamp(opened),
                     "closed": _stamp(closed)}
                    for number, status, opened, closed in tickets
                ],
            }  # fmt: skip

    async def erase(self, user_id: int) -> bool:
        """Delete the user and everything linked to them; False if there was nothing."""
        async with self._database.session() as session, session.begin():
            result = await session.execute(delete(UserRow).where(UserRow.id == user_id))
            return bool(getattr(result, "rowcount", 0))

    async def purge_inactive(self, last_seen_before: datetime) -> int:
        """Erase everyone not seen since ``last_seen_before``; return how many."""
        async with self._database.session() as session, session.begin():
            result = await session.execute(
                delete(UserRow).where(UserRow.last_seen_at < last_seen_before.astimezone(UTC))
            )
            return int(getattr(result, "rowcount", 0) or 0)
