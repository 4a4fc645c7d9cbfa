"""Hosted sessions: the website flow a provider starts and the person's browser completes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 13:43:55.732425
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the hosted-sessions table."""
    op.create_table(
        "hosted_sessions",
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("provider_id", sa.String(length=32), nullable=False),
        sa.Column("return_url", sa.Text(), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("txn_id", sa.String(length=36), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_hosted_sessions")),
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_table("hosted_sessions")
