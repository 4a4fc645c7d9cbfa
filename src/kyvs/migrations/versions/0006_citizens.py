"""Citizens: blocks of providers, status corrections, and share links.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 13:51:58.222897
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the citizen tables."""
    op.create_table(
        "blocks",
        sa.Column("beneficiary_ref", sa.String(length=14), nullable=False),
        sa.Column("provider_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("beneficiary_ref", "provider_id", name=op.f("pk_blocks")),
    )
    op.create_table(
        "corrections",
        sa.Column("correction_id", sa.String(length=36), nullable=False),
        sa.Column("beneficiary_ref", sa.String(length=14), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("correction_id", name=op.f("pk_corrections")),
    )
    with op.batch_alter_table("corrections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_corrections_beneficiary_ref"), ["beneficiary_ref"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_corrections_status"), ["status"], unique=False)

    op.create_table(
        "share_links",
        sa.Column("link_id", sa.String(length=32), nullable=False),
        sa.Column("beneficiary_ref", sa.String(length=14), nullable=False),
        sa.Column("claim", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("link_id", name=op.f("pk_share_links")),
    )
    with op.batch_alter_table("share_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_share_links_beneficiary_ref"), ["beneficiary_ref"], unique=False
        )


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("share_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_share_links_beneficiary_ref"))

    op.drop_table("share_links")
    with op.batch_alter_table("corrections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_corrections_status"))
        batch_op.drop_index(batch_op.f("ix_corrections_beneficiary_ref"))

    op.drop_table("corrections")
    op.drop_table("blocks")
