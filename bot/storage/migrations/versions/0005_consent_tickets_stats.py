"""Consent at onboarding, handover tickets to the staff room, anonymous question statistics.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(_when("consent_at", nullable=True))
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("locale", sa.String(16), nullable=False),
        sa.Column("region_key", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        _when("opened_at"),
        _when("last_activity_at"),
        _when("closed_at", nullable=True),
    )
    op.create_index("ix_tickets_user_status", "tickets", ["user_id", "status"])
    op.create_table(
        "ticket_posts",
        sa.Column("transport", sa.String(32), primary_key=True),
        sa.Column("chat_id", sa.String(255), primary_key=True),
        sa.Column("message_id", sa.String(255), primary_key=True),
        sa.Column(
            "ticket_id",
            sa.Integer(),
            sa.ForeignKey("tickets.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
    )
    op.create_table(
        "question_stats",
        sa.Column("week", sa.Date(), primary_key=True),
        sa.Column("topic", sa.String(64), primary_key=True),
        sa.Column("locale", sa.String(16), primary_key=True),
        sa.Column("region_key", sa.String(64), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("question_stats")
    op.drop_table("ticket_posts")
    op.drop_index("ix_tickets_user_status", "tickets")
    op.drop_table("tickets")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("consent_at")
