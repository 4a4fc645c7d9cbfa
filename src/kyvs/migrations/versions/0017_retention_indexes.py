"""Retention: indexes for the purge's scans of records past their retention period.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# (index, table, column): each purge scans one of them by time.
_BY_TIME = (
    ("ix_verifications_expires_at", "verifications", "expires_at"),
    ("ix_hosted_sessions_expires_at", "hosted_sessions", "expires_at"),
    ("ix_access_log_at", "access_log", "at"),
    ("ix_sms_outbox_sent_at", "sms_outbox", "sent_at"),
    ("ix_share_links_expires_at", "share_links", "expires_at"),
    ("ix_share_links_revoked_at", "share_links", "revoked_at"),
)
UNERASED = "mobile_key <> ''"  # as `kyvs.adapters.sql.tables.UNERASED` was at this revision


def upgrade() -> None:
    """Create the indexes (the verifications' unerased ones as a partial index)."""
    for name, table, column in _BY_TIME:
        op.create_index(name, table, [column])
    op.create_index(
        "ix_verifications_unerased",
        "verifications",
        ["expires_at"],
        postgresql_where=sa.text(UNERASED),
        sqlite_where=sa.text(UNERASED),
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_verifications_unerased", table_name="verifications")
    for name, table, _ in reversed(_BY_TIME):
        op.drop_index(name, table_name=table)
