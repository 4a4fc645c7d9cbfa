"""SMS receipts: the messages gateways took, by their id, for delivery reports.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create `sms_receipts`."""
    op.create_table(
        "sms_receipts",
        sa.Column("gateway", sa.String(length=20), nullable=False),
        sa.Column("message_id", sa.String(length=100), nullable=False),
        sa.Column("txn_id", sa.String(length=36), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("gateway", "message_id", name=op.f("pk_sms_receipts")),
    )
    op.create_index("ix_sms_receipts_sent_at", "sms_receipts", ["sent_at"])


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_sms_receipts_sent_at", table_name="sms_receipts")
    op.drop_table("sms_receipts")
