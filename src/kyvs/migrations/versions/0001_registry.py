"""The vaccination registry: beneficiaries and doses, indexed by mobile.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the registry tables."""
    op.create_table(
        "beneficiaries",
        sa.Column("reference_id", sa.String(14), nullable=False),
        sa.Column("full_name", sa.String(120), nullable=False),
        sa.Column("birth_year", sa.SmallInteger, nullable=False),
        sa.Column("gender", sa.String(1), nullable=False),
        sa.Column("mobile", sa.String(10), nullable=False),
        sa.Column("photo_id_type", sa.String(20)),
        sa.Column("photo_id_number", sa.String(20)),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("reference_id", name="pk_beneficiaries"),
    )
    op.create_index("ix_beneficiaries_mobile", "beneficiaries", ["mobile"])
    op.create_table(
        "doses",
        sa.Column("reference_id", sa.String(14), nullable=False),
        sa.Column("dose_number", sa.SmallInteger, nullable=False),
        sa.Column("vaccine", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("given_on", sa.Date, nullable=False),
        sa.Column("centre", sa.String(200), nullable=False, server_default=""),
        sa.Column("batch", sa.String(200), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("reference_id", "dose_number", name="pk_doses"),
        sa.ForeignKeyConstraint(
            ["reference_id"],
            ["beneficiaries.reference_id"],
            name="fk_doses_reference_id_beneficiaries",
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    """Drop the registry tables."""
    op.drop_table("doses")
    op.drop_index("ix_beneficiaries_mobile", table_name="beneficiaries")
    op.drop_table("beneficiaries")
