"""Citizen rights: consent withdrawals, grievances, and hosted sessions found by txn.

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create `consent_withdrawals` and `grievances`; index `hosted_sessions.txn_id`."""
    op.create_table(
        "consent_withdrawals",
        sa.Column("consent_id", sa.String(length=36), nullable=False),
        sa.Column("beneficiary_ref", sa.String(length=14), nullable=False),
        sa.Column("txn_id", sa.String(length=36), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consent_id", name=op.f("pk_consent_withdrawals")),
    )
    op.create_index(
        "ix_consent_withdrawals_beneficiary_ref", "consent_withdrawals", ["beneficiary_ref"]
    )
    op.create_index("ix_consent_withdrawals_txn_id", "consent_withdrawals", ["txn_id"])
    op.create_table(
        "grievances",
        sa.Column("grievance_id", sa.String(length=36), nullable=False),
        sa.Column("mobile_key", sa.String(length=64), nullable=False),
        sa.Column("mobile_masked", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("grievance_id", name=op.f("pk_grievances")),
    )
    op.create_index("ix_grievances_mobile_key", "grievances", ["mobile_key"])
    op.create_index("ix_grievances_filed_at", "grievances", ["filed_at"])
    op.create_index("ix_hosted_sessions_txn_id", "hosted_sessions", ["txn_id"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_hosted_sessions_txn_id", table_name="hosted_sessions")
    op.drop_table("grievances")
    op.drop_table("consent_withdrawals")
