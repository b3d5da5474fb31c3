"""Staff granted in chat, the audit log, broadcasts and their ledger rows.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("identity", sa.String(300), primary_key=True),
        sa.Column("granted_by", sa.String(300), nullable=False),
        _when("granted_at"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _when("at"),
        sa.Column("actor", sa.String(300), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("author", sa.String(300), nullable=False),
        sa.Column(
            "author_user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _when("send_at", nullable=True),
        _when("created_at"),
        sa.Column("approved_by", sa.String(300), nullable=True),
        _when("decided_at", nullable=True),
        _when("queued_at", nullable=True),
        _when("finished_at", nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
    )
    op.create_index("ix_broadcasts_status", "broadcasts", ["status"])
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("broadcast_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_deliveries_broadcast_id", "broadcasts", ["broadcast_id"], ["id"],
            ondelete="CASCADE",
        )  # fmt: skip
        batch.create_index("ix_deliveries_broadcast_id", ["broadcast_id"])
    op.create_index("ix_deliveries_due", "deliveries", ["status", "next_try_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_due", "deliveries")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_index("ix_deliveries_broadcast_id")
        batch.drop_constraint("fk_deliveries_broadcast_id", type_="foreignkey")
        batch.drop_column("broadcast_id")
    op.drop_index("ix_broadcasts_status", "broadcasts")
    op.drop_table("broadcasts")
    op.drop_index("ix_audit_log_at", "audit_log")
    op.drop_table("audit_log")
    op.drop_table("staff")
