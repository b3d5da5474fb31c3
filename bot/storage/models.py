"""ORM tables. Only what features need; no message text anywhere."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of all tables."""


class DirectoryMetaRow(Base):
    """The directory's file-level settings (one row)."""

    __tablename__ = "directory_meta"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
    topic_definitions: Mapped[dict[str, str]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


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
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    step: Mapped[str | None] = mapped_column(String(32), nullable=True)


class HandledEventRow(Base):
    """A platform event (Telegram update, Matrix event) already handled: never twice."""

    __tablename__ = "handled_events"

    transport: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    handled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
