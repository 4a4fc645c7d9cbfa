"""OTP channels: each citizen's choice of SMS or WhatsApp, under a keyed hash of the mobile.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create `otp_channels`."""
    op.create_table(
        "otp_channels",
        sa.Column("mobile_key", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("mobile_key", name=op.f("pk_otp_channels")),
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_table("otp_channels")
