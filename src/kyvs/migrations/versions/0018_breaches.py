"""Personal data breaches: the incidents `kyvs breach report` records, with their steps.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create `breaches`."""
    op.create_table(
        "breaches",
        sa.Column("breach_id", sa.String(length=40), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("became_aware_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("data_kinds", sa.String(length=200), nullable=False),
        sa.Column("provider_ids", sa.Text(), nullable=False),
        sa.Column("key_ids", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("affected_count", sa.Integer(), nullable=False),
        sa.Column("board_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("principals_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("breach_id", name=op.f("pk_breaches")),
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_table("breaches")
