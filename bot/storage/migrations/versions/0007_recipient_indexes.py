"""Indexes for finding an event's recipients: subscribers of a channel and region, and who
asked to be reminded of the event (both tables are keyed by user first).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_subscriptions_channel_region", "subscriptions", ["channel", "region_key"])
    op.create_index("ix_event_reminders_event", "event_reminders", ["event_id"])


def downgrade() -> None:
    op.drop_index("ix_event_reminders_event", "event_reminders")
    op.drop_index("ix_subscriptions_channel_region", "subscriptions")
