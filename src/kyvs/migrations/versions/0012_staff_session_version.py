"""Staff sessions can be ended: `staff_accounts.session_version`, checked on every console page.

A console session remembers the version its login read; `kyvs provider staff disable`, `enable`
and `reset-password` raise it, so the sessions of that account stop working at their next
request. Existing accounts start at 0 (sessions made before this revision carry no version and
are asked to log in again).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add `staff_accounts.session_version` (0 for every existing account)."""
    with op.batch_alter_table("staff_accounts") as batch:
        batch.add_column(
            sa.Column("session_version", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    """Drop `staff_accounts.session_version` (sessions are then checked by provider only)."""
    with op.batch_alter_table("staff_accounts") as batch:
        batch.drop_column("session_version")
