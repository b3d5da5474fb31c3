"""Directory and users.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "directory_meta",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("topic_definitions", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "regions",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("towns", sa.JSON(), nullable=False),
    )
    op.create_table(
        "centres",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("organisation", sa.String(300), nullable=False),
        sa.Column(
            "region_key",
            sa.String(64),
            sa.ForeignKey("regions.key", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("town", sa.String(200), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("phone", sa.String(100), nullable=False),
        sa.Column("email", sa.String(200), nullable=False),
        sa.Column("website", sa.String(500), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("age_min", sa.Integer(), nullable=True),
        sa.Column("age_max", sa.Integer(), nullable=True),
        sa.Column("opening_hours", sa.JSON(), nullable=False),
        sa.Column("appointment_only", sa.Boolean(), nullable=False),
        sa.Column("descriptions", sa.JSON(), nullable=False),
    )
    op.create_index("ix_centres_region_key", "centres", ["region_key"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("transport", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("chat_id", sa.String(255), nullable=True),
        sa.Column("locale", sa.String(16), nullable=True),
        sa.Column("region_key", sa.String(64), nullable=True),
        sa.Column("town", sa.String(200), nullable=True),
        sa.Column("region_asked", sa.Boolean(), nullable=False),
        sa.Column("onboarded", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("step", sa.String(32), nullable=True),
        sa.UniqueConstraint("transport", "external_id"),
    )


def downgrade() -> None:
    op.drop_table("users")
    op.drop_index("ix_centres_region_key", "centres")
    op.drop_table("centres")
    op.drop_table("regions")
    op.drop_table("directory_meta")
