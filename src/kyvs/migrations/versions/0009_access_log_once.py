"""The access log holds one entry per txn and outcome, so replays of the outbox are idempotent.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Drop entries recorded twice (keeping the first), then make (txn_id, outcome) unique."""
    log = sa.table("access_log", sa.column("entry_id"), sa.column("txn_id"), sa.column("outcome"))
    first = sa.select(sa.func.min(log.c.entry_id)).group_by(log.c.txn_id, log.c.outcome)
    op.execute(sa.delete(log).where(log.c.entry_id.not_in(first)))
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.create_index("ux_access_log_txn_id_outcome", ["txn_id", "outcome"], unique=True)


def downgrade() -> None:
    """Allow duplicates again."""
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.drop_index("ux_access_log_txn_id_outcome")
