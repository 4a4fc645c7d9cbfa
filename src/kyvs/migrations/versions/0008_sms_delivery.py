"""SMS delivery: each txn's delivery state, and the outcomes behind the SMS circuit breaker.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add `verifications.delivery` (existing txns read as queued) and `sms_outcomes`."""
    op.add_column(
        "verifications",
        sa.Column("delivery", sa.String(length=12), nullable=False, server_default="queued"),
    )
    op.create_table(
        "sms_outcomes",
        sa.Column("outcome_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("echo", sa.Boolean(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("outcome_id", name=op.f("pk_sms_outcomes")),
    )
    op.create_index("ix_sms_outcomes_ok", "sms_outcomes", ["ok", "at"])
    op.create_index("ix_sms_outcomes_echo", "sms_outcomes", ["echo", "at"])


def downgrade() -> None:
    """Drop them again."""
    op.drop_index("ix_sms_outcomes_echo", table_name="sms_outcomes")
    op.drop_index("ix_sms_outcomes_ok", table_name="sms_outcomes")
    op.drop_table("sms_outcomes")
    with op.batch_alter_table("verifications") as batch:
        batch.drop_column("delivery")
