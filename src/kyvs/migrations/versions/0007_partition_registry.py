"""PostgreSQL: the registry partitioned by hash of the mobile (doses by hash of the reference id).

A verification starts from the mobile number, so hash partitions on `mobile` keep each lookup in
one small partition (and its own small index), and let partitions be moved to other tablespaces
or, with a PostgreSQL-compatible distributed engine such as Citus, to other machines.
Trade-offs, recorded here: a partitioned table's primary key must include the partition key, so
beneficiaries are keyed by (reference_id, mobile) — reference ids are still unique by how they are
made (random with a check digit, derived, or synthetic by seed), and every write path checks for
an existing id first; and a foreign key from doses to beneficiaries would need a unique key on
reference_id alone, so on PostgreSQL the doses-to-person link is kept by the application (doses
are written in the same transaction as their person). SQLite keeps the plain tables.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

PARTITIONS = 16
PERSON_COLUMNS = ", ".join(
    (
        "reference_id",
        "full_name",
        "birth_year",
        "gender",
        "mobile",
        "photo_id_type",
        "photo_id_number",
        "created_at",
    )
)
DOSE_COLUMNS = "reference_id, dose_number, vaccine, kind, given_on, centre, batch"


def upgrade() -> None:
    """Move the registry into hash-partitioned tables (PostgreSQL only)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    _rename_old()
    op.execute(
        """CREATE TABLE beneficiaries (
            reference_id VARCHAR(14) NOT NULL,
            full_name VARCHAR(120) NOT NULL,
            birth_year SMALLINT NOT NULL,
            gender VARCHAR(1) NOT NULL,
            mobile VARCHAR(10) NOT NULL,
            photo_id_type VARCHAR(20),
            photo_id_number VARCHAR(20),
            created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
            CONSTRAINT pk_beneficiaries PRIMARY KEY (reference_id, mobile)
        ) PARTITION BY HASH (mobile)"""
    )
    op.execute(
        """CREATE TABLE doses (
            reference_id VARCHAR(14) NOT NULL,
            dose_number SMALLINT NOT NULL,
            vaccine VARCHAR(20) NOT NULL,
            kind VARCHAR(10) NOT NULL,
            given_on DATE NOT NULL,
            centre VARCHAR(200) DEFAULT '' NOT NULL,
            batch VARCHAR(200) DEFAULT '' NOT NULL,
            CONSTRAINT pk_doses PRIMARY KEY (reference_id, dose_number)
        ) PARTITION BY HASH (reference_id)"""
    )
    for table in ("beneficiaries", "doses"):
        for n in range(PARTITIONS):
            op.execute(
                f"CREATE TABLE {table}_p{n:02d} PARTITION OF {table} "
                f"FOR VALUES WITH (MODULUS {PARTITIONS}, REMAINDER {n})"
            )
    op.execute("CREATE INDEX ix_beneficiaries_mobile ON beneficiaries (mobile)")
    op.execute(
        f"INSERT INTO beneficiaries ({PERSON_COLUMNS}) "
        f"SELECT {PERSON_COLUMNS} FROM beneficiaries_unpartitioned"
    )
    op.execute(f"INSERT INTO doses ({DOSE_COLUMNS}) SELECT {DOSE_COLUMNS} FROM doses_unpartitioned")
    op.execute("DROP TABLE doses_unpartitioned")
    op.execute("DROP TABLE beneficiaries_unpartitioned")


def _rename_old() -> None:
    op.execute("ALTER TABLE doses RENAME TO doses_unpartitioned")
    op.execute("ALTER TABLE doses_unpartitioned RENAME CONSTRAINT pk_doses TO pk_doses_old")
    op.execute("ALTER TABLE beneficiaries RENAME TO beneficiaries_unpartitioned")
    op.execute(
        "ALTER TABLE beneficiaries_unpartitioned "
        "RENAME CONSTRAINT pk_beneficiaries TO pk_beneficiaries_old"
    )
    op.execute("ALTER INDEX ix_beneficiaries_mobile RENAME TO ix_beneficiaries_mobile_old")


def downgrade() -> None:
    """Back to plain tables (PostgreSQL only)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE beneficiaries RENAME TO beneficiaries_partitioned")
    op.execute("ALTER TABLE doses RENAME TO doses_partitioned")
    op.execute("ALTER INDEX ix_beneficiaries_mobile RENAME TO ix_beneficiaries_mobile_part")
    op.execute(
        "ALTER TABLE beneficiaries_partitioned RENAME CONSTRAINT pk_beneficiaries TO pk_b_part"
    )
    op.execute("ALTER TABLE doses_partitioned RENAME CONSTRAINT pk_doses TO pk_d_part")
    op.execute(
        "CREATE TABLE beneficiaries (LIKE beneficiaries_partitioned INCLUDING DEFAULTS, "
        "CONSTRAINT pk_beneficiaries PRIMARY KEY (reference_id))"
    )
    op.execute("CREATE INDEX ix_beneficiaries_mobile ON beneficiaries (mobile)")
    op.execute(
        "CREATE TABLE doses (LIKE doses_partitioned INCLUDING DEFAULTS, "
        "CONSTRAINT pk_doses PRIMARY KEY (reference_id, dose_number), "
        "CONSTRAINT fk_doses_reference_id_beneficiaries FOREIGN KEY (reference_id) "
        "REFERENCES beneficiaries (reference_id) ON DELETE CASCADE)"
    )
    op.execute(
        f"INSERT INTO beneficiaries ({PERSON_COLUMNS}) "
        f"SELECT {PERSON_COLUMNS} FROM beneficiaries_partitioned"
    )
    op.execute(f"INSERT INTO doses ({DOSE_COLUMNS}) SELECT {DOSE_COLUMNS} FROM doses_partitioned")
    op.execute("DROP TABLE doses_partitioned")
    op.execute("DROP TABLE beneficiaries_partitioned")
