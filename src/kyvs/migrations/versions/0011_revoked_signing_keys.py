"""Signing keys can be revoked: `revoked_at` unpublishes a compromised key at once.

A retired key stays in the JWKS until its attestations expire; a revoked one leaves it the
moment running servers re-read their keys (`kyvs attestation revoke KID`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add `signing_keys.revoked_at`."""
    with op.batch_alter_table("signing_keys") as batch:
        batch.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Drop `signing_keys.revoked_at` (revoked keys become merely retired)."""
    with op.batch_alter_table("signing_keys") as batch:
        batch.drop_column("revoked_at")
