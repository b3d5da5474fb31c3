"""Handled platform events, so that none is handled twice across restarts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handled_events",
        sa.Column("transport", sa.String(32), primary_key=True),
        sa.Column("event_id", sa.String(255), primary_key=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_handled_events_handled_at", "handled_events", ["handled_at"])


def downgrade() -> None:
    op.drop_index("ix_handled_events_handled_at", "handled_events")
    op.drop_table("handled_events")
