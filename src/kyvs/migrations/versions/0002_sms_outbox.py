"""The SMS outbox: where the demo/dev SMS adapter stores messages instead of sending them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the outbox table."""
    op.create_table(
        "sms_outbox",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("to_mobile", sa.String(10), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sms_outbox"),
    )


def downgrade() -> None:
    """Drop the outbox table."""
    op.drop_table("sms_outbox")
