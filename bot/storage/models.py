"""ORM tables. Only what features need; no message text anywhere."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    event,
)
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, mapped_column
from sqlalchemy.types import TypeDecorator

from bot.storage.database import stored_utc


class UtcDateTime(TypeDecorator[datetime]):
    """A point in time: stored in UTC, read back aware in UTC, on SQLite and PostgreSQL alike.

    SQLite keeps no zone: it would store an aware time's wall clock (10:30 in Berlin as
    10:30) and read times back naive; asyncpg would take a naive time as the process's local
    time. So times are turned into UTC before they are stored (a naive one counts as UTC,
    as SQLite always read it back), and come back aware. The schema is the same as for
    ``DateTime(timezone=True)`` (``timestamp with time zone`` on PostgreSQL).
    """

    impl = DateTime
    cache_ok = True

    def __init__(self) -> None:
        super().__init__(timezone=True)

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else stored_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else stored_utc(value)


class Base(DeclarativeBase):
    """Declarative base of all tables."""


class ValueTooLongError(ValueError):
    """A text does not fit its column. PostgreSQL refuses it; SQLite would keep it whole, so
    it is refused before it reaches either."""

    def __init__(self, column: str, limit: int, length: int) -> None:
        super().__init__(f"{column}: {length} characters are too long; at most {limit} fit")
        self.column = column
        self.limit = limit


@event.listens_for(Base, "before_insert", propagate=True)
@event.listens_for(Base, "before_update", propagate=True)
def _refuse_texts_too_long(mapper: Mapper[Any], _connection: Connection, row: Base) -> None:
    for attribute in mapper.column_attrs:
        column = attribute.columns[0]
        limit = getattr(column.type, "length", None)
        value = getattr(row, attribute.key, None)
        if limit and isinstance(value, str) and len(value) > limit:
            raise ValueTooLongError(str(column), limit, len(value))  # "table.column"


class DirectoryMetaRow(Base):
    """The directory's file-level settings (one row)."""

    __tablename__ = "directory_meta"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
    topic_definitions: Mapped[dict[str, str]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RegionRow(Base):
    """A region (Kreis) and its towns."""

    __tablename__ = "regions"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    towns: Mapped[list[str]] = mapped_column(JSON)


class CentreRow(Base):
    """An advice centre."""

    __tablename__ = "centres"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    organisation: Mapped[str] = mapped_column(String(300), default="")
    region_key: Mapped[str] = mapped_column(
        String(64), ForeignKey("regions.key", ondelete="CASCADE"), index=True
    )
    town: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    website: Mapped[str] = mapped_column(String(500), default="")
    topics: Mapped[list[str]] = mapped_column(JSON)
    languages: Mapped[list[str]] = mapped_column(JSON)
    age_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    age_max: Mapped[int | None] = mapped_column(Integer, nullable=True)
    opening_hours: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    appointment_only: Mapped[bool] = mapped_column(Boolean, default=False)
    descriptions: Mapped[dict[str, str]] = mapped_column(JSON)


class UserRow(Base):
    """A person on one transport, with preferences. No names, no message text."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("transport", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    transport: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(255))
    chat_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    locale: Mapped[str | None] = mapped_column(String(16), nullable=True)
    region_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    town: Mapped[str | None] = mapped_column(String(200), nullable=True)
    region_asked: Mapped[bool] = mapped_column(Boolean, default=False)
    onboarded: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    step: Mapped[str | None] = mapped_column(String(32), nullable=True)
    consent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class HandledEventRow(Base):
    """A platform event (Telegram update, Matrix event) already handled: never twice."""

    __tablename__ = "handled_events"

    transport: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    handled_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class EventRow(Base):
    """A meeting, conference or network event that the KI announces."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uid: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    audience: Mapped[str] = mapped_column(String(16))
    region_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    titles: Mapped[dict[str, str]] = mapped_column(JSON)
    descriptions: Mapped[dict[str, str]] = mapped_column(JSON)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    timezone: Mapped[str] = mapped_column(String(64))
    location: Mapped[str] = mapped_column(String(500), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    registration: Mapped[str] = mapped_column(String(500), default="")
    rrule: Mapped[str] = mapped_column(String(500), default="")
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ReminderSlotRow(Base):
    """One reminder time of one occurrence of an event; fans out to recipients when due."""

    __tablename__ = "reminder_slots"
    __table_args__ = (UniqueConstraint("event_id", "occurrence", "offset_minutes"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    occurrence: Mapped[datetime] = mapped_column(UtcDateTime())
    offset_minutes: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    fired_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class MsoRow(Base):
    """A migrant organisation (MSO) registered by KI staff, with its invite code."""

    __tablename__ = "msos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    region_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class MsoMemberRow(Base):
    """A contact person linked to an MSO through its invite code."""

    __tablename__ = "mso_members"

    mso_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("msos.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SubscriptionRow(Base):
    """A user's subscription to a channel (arbeitskreis, events) of a region."""

    __tablename__ = "subscriptions"
    __table_args__ = (Index("ix_subscriptions_channel_region", "channel", "region_key"),)

    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    region_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class EventReminderRow(Base):
    """A user pressed "remind me" on an event."""

    __tablename__ = "event_reminders"
    __table_args__ = (Index("ix_event_reminders_event", "event_id"),)

    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DeliveryRow(Base):
    """One notification to one recipient: the delivery ledger. Text is rendered when sent."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_due", "status", "next_try_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    transport: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("events.id", ondelete="CASCADE"), nullable=True
    )
    occurrence: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    broadcast_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("broadcasts.id", ondelete="CASCADE"), nullable=True, index=True
    )
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    platform_message_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)


class WorkerRow(Base):
    """A running ``wegweiser run`` process and when it last said it was alive."""

    __tablename__ = "workers"

    holder: Mapped[str] = mapped_column(String(128), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LeaseRow(Base):
    """A named lock with an expiry: which process is the scheduler leader."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class StaffRow(Base):
    """A staff member granted by an admin (admins themselves are listed in the config)."""

    __tablename__ = "staff"

    identity: Mapped[str] = mapped_column(String(300), primary_key=True)
    granted_by: Mapped[str] = mapped_column(String(300))
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AuditRow(Base):
    """One staff action: who did what to what, and when. Never a newcomer's words."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(300), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON)


class BroadcastRow(Base):
    """An announcement by staff: its texts per language, audience, state and timing."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    author: Mapped[str] = mapped_column(String(300))
    author_user_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    texts: Mapped[dict[str, str]] = mapped_column(JSON)
    audience: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)
    send_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    approved_by: Mapped[str | None] = mapped_column(String(300), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    queued_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    recipients: Mapped[int] = mapped_column(Integer, default=0)


class TicketRow(Base):
    """A question handed over to KI staff. Its text lives only in the staff room."""

    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_user_status", "user_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(16))
    region_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_activity_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class TicketPostRow(Base):
    """A message of the bot in the staff room that belongs to a ticket (replies to it count)."""

    __tablename__ = "ticket_posts"

    transport: Mapped[str] = mapped_column(String(32), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )


class QuestionStatRow(Base):
    """How many questions of one topic, language and region came in one week. No person."""

    __tablename__ = "question_stats"

    week: Mapped[date] = mapped_column(Date, primary_key=True)
    topic: Mapped[str] = mapped_column(String(64), primary_key=True)
    locale: Mapped[str] = mapped_column(String(16), primary_key=True)
    region_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
