"""Hosted sessions are bound: starts counted, the browser's digest, the result shown once, and
the provider's nonce for the attestation.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add `starts`, `browser_digest`, `result_shown_at` and `nonce` to `hosted_sessions`."""
    with op.batch_alter_table("hosted_sessions") as batch:
        batch.add_column(sa.Column("starts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("browser_digest", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("result_shown_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("nonce", sa.String(length=128), nullable=True))


def downgrade() -> None:
    """Drop them (sessions then run unbound, as before)."""
    with op.batch_alter_table("hosted_sessions") as batch:
        for column in ("nonce", "result_shown_at", "browser_digest", "starts"):
            batch.drop_column(column)
