"""Events, reminder slots, MSOs, subscriptions, the delivery ledger and leases.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _user_key() -> sa.Column:
    return sa.Column(
        "user_id",
        sa.Integer(),
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        primary_key=True,
    )


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("uid", sa.String(255), nullable=False, unique=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("audience", sa.String(16), nullable=False),
        sa.Column("region_key", sa.String(64), nullable=True),
        sa.Column("titles", sa.JSON(), nullable=False),
        sa.Column("descriptions", sa.JSON(), nullable=False),
        _when("starts_at"),
        _when("ends_at", nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("location", sa.String(500), nullable=False),
        sa.Column("online_url", sa.String(500), nullable=False),
        sa.Column("registration", sa.String(500), nullable=False),
        sa.Column("rrule", sa.String(500), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        _when("created_at"),
        _when("updated_at"),
    )
    op.create_table(
        "reminder_slots",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "event_id",
            sa.Integer(),
            sa.ForeignKey("events.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        _when("occurrence"),
        sa.Column("offset_minutes", sa.Integer(), nullable=False),
        _when("due_at"),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        _when("fired_at", nullable=True),
        sa.UniqueConstraint("event_id", "occurrence", "offset_minutes"),
    )
    op.create_index("ix_reminder_slots_due_at", "reminder_slots", ["due_at"])
    op.create_table(
        "msos",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("region_key", sa.String(64), nullable=False),
        _when("created_at"),
    )
    op.create_table(
        "mso_members",
        sa.Column(
            "mso_id", sa.Integer(), sa.ForeignKey("msos.id", ondelete="CASCADE"), primary_key=True
        ),
        _user_key(),
        _when("joined_at"),
    )
    op.create_table(
        "subscriptions",
        _user_key(),
        sa.Column("channel", sa.String(32), primary_key=True),
        sa.Column("region_key", sa.String(64), primary_key=True),
        _when("created_at"),
    )
    op.create_table(
        "event_reminders",
        _user_key(),
        sa.Column(
            "event_id",
            sa.Integer(),
            sa.ForeignKey("events.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        _when("created_at"),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("dedupe_key", sa.String(255), nullable=False, unique=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("transport", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column(
            "event_id",
            sa.Integer(),
            sa.ForeignKey("events.id", ondelete="CASCADE"),
            nullable=True,
        ),
        _when("occurrence", nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("next_try_at"),
        sa.Column("platform_message_id", sa.String(64), nullable=True),
        sa.Column("error", sa.String(300), nullable=False),
        _when("created_at"),
        _when("sent_at", nullable=True),
    )
    op.create_index("ix_deliveries_next_try_at", "deliveries", ["next_try_at"])
    op.create_table(
        "leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(128), nullable=False),
        _when("expires_at"),
    )


def downgrade() -> None:
    for table in (
        "leases",
        "deliveries",
        "event_reminders",
        "subscriptions",
        "mso_members",
        "msos",
        "reminder_slots",
        "events",
    ):
        op.drop_table(table)
