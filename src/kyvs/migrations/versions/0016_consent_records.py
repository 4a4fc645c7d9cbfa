"""Consent records: each disclosure's signed consent record beside its access-log line.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add `consent_id` (unique) and `consent` (the JWS) to `access_log`."""
    with op.batch_alter_table("access_log") as batch:
        batch.add_column(sa.Column("consent_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("consent", sa.Text(), nullable=True))
        batch.create_index("ux_access_log_consent_id", ["consent_id"], unique=True)


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("access_log") as batch:
        batch.drop_index("ux_access_log_consent_id")
        batch.drop_column("consent")
        batch.drop_column("consent_id")
