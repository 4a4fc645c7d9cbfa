"""Re-issue the check digit of every stored reference id under the standard Verhoeff tables.

Until this revision kyvs made reference ids with a Verhoeff permutation table whose row 4 was
wrong (`9 4 5 8 3 6 2 7 1 0` instead of `9 4 5 3 1 2 6 8 7 0`), so about a third of adjacent-digit
swaps went unnoticed. The code now uses the standard tables, which would refuse most stored ids.

What this migration does, in every table that holds a reference id (beneficiaries, doses,
verifications, access_log, blocks, corrections, share_links): an id whose check digit is right
under the old tables and wrong under the standard ones keeps its first 13 digits and gets the
standard check digit as its 14th, so `new = old[:13] + verhoeff(old[:13])`. About four ids in
five change their last digit; the body, which says who the person is, never changes, so the
mapping needs no table and derived ids (`reference_ids.derived`, made from a record's details
when an import gives none) still match their re-imports. Ids that already carry the standard
digit (made by the fixed code, or where both tables agree) and ids that are valid under neither
are left as they are, so running it again changes nothing. If a re-issued id would collide with
an id already stored (a person re-registered by the fixed code before this ran), the migration
stops and changes nothing. Downgrading re-issues the other way, for the old code.

What it cannot change: attestations already signed (they carry the masked id `XXXXXXXXXX1234`,
whose last digit is the check digit, so one signed before shows the old last digit until it
expires, 30 days at most; share-link claims carry no id), and ids already printed or handed
out. Such an id, typed with its old last digit, is refused as mistyped, like any other wrong
check digit: accepting the old digits too would let one typo in ten through. An operator gets
the id as it now is from the old one's first 13 digits (`reference_ids.make(old[:13])`); the
citizen pages never ask for a typed id (they act on the people of the logged-in mobile); CSV or
FHIR files that carry old ids must have them re-issued the same way before being imported
again. Verification by providers starts from the name and mobile, not the reference id, so it
is unaffected. Redis entries of verifications in flight are not rewritten (they live minutes):
run it in a quiet moment.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Each table and column that holds reference ids.
COLUMNS = (
    ("beneficiaries", "reference_id"),
    ("doses", "reference_id"),
    ("verifications", "beneficiary_ref"),
    ("access_log", "beneficiary_ref"),
    ("blocks", "beneficiary_ref"),
    ("corrections", "beneficiary_ref"),
    ("share_links", "beneficiary_ref"),
)
# Tables whose primary key holds the id: a re-issued id must not already be there.
KEYED = ("beneficiaries", "doses", "blocks")
_MAPPING = "reference_id_reissue"
_BATCH = 5000

# The tables are copied here, not imported, so that this migration keeps doing what it did
# whatever later becomes of `kyvs.domain.reference_ids`.
_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P_HEAD = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
)
_P_TAIL = (
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
STANDARD = (*_P_HEAD, (9, 4, 5, 3, 1, 2, 6, 8, 7, 0), *_P_TAIL)
LEGACY = (*_P_HEAD, (9, 4, 5, 8, 3, 6, 2, 7, 1, 0), *_P_TAIL)
_INV = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)

Permutations = Sequence[Sequence[int]]


def _checksum(digits: str, p: Permutations, offset: int) -> int:
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][p[(i + offset) % 8][int(ch)]]
    return c


def _valid(ref: str, p: Permutations) -> bool:
    return _checksum(ref, p, 0) == 0


def reissued(ref: str, *, old: Permutations, new: Permutations) -> str:
    """`ref` with the check digit of `new` when it is valid under `old` only; else `ref`."""
    if len(ref) != 14 or not ref.isascii() or not ref.isdigit():
        return ref
    if not _valid(ref, old) or _valid(ref, new):
        return ref
    return ref[:13] + str(_INV[_checksum(ref[:13], new, 1)])


def upgrade() -> None:
    """Give every stored id valid under the old tables the standard check digit."""
    _reissue(old=LEGACY, new=STANDARD)


def downgrade() -> None:
    """Give them back the old tables' check digit."""
    _reissue(old=STANDARD, new=LEGACY)


def _reissue(*, old: Permutations, new: Permutations) -> None:
    bind = op.get_bind()
    bind.execute(
        sa.text(
            f"CREATE TEMPORARY TABLE {_MAPPING} "
            "(old_ref VARCHAR(14) PRIMARY KEY, new_ref VARCHAR(14) NOT NULL)"
        )
    )
    try:
        for table, column in COLUMNS:
            _map(bind, table, column, old=old, new=new)
        if not bind.execute(sa.text(f"SELECT count(*) FROM {_MAPPING}")).scalar_one():
            return
        _refuse_collisions(bind)
        if bind.dialect.name == "sqlite":
            # doses.reference_id is a foreign key on SQLite: checked at commit, not per row.
            # (Inside the transaction the mapping's inserts opened: outside one it is a no-op.)
            bind.execute(sa.text("PRAGMA defer_foreign_keys = ON"))
        for table, column in COLUMNS:
            bind.execute(
                sa.text(
                    f"UPDATE {table} SET {column} = "
                    f"(SELECT new_ref FROM {_MAPPING} WHERE old_ref = {table}.{column}) "
                    f"WHERE {column} IN (SELECT old_ref FROM {_MAPPING})"
                )
            )
    finally:
        bind.execute(sa.text(f"DROP TABLE {_MAPPING}"))


def _map(
    bind: sa.Connection, table: str, column: str, *, old: Permutations, new: Permutations
) -> None:
    """Add the re-issued ids of `table.column` to the mapping table."""
    refs = bind.execute(
        sa.text(f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL")
    ).scalars()
    insert = sa.text(
        f"INSERT INTO {_MAPPING} (old_ref, new_ref) VALUES (:old, :new) ON CONFLICT DO NOTHING"
    )
    batch: list[dict[str, str]] = []
    for ref in refs.all():
        if (changed := reissued(ref, old=old, new=new)) != ref:
            batch.append({"old": ref, "new": changed})
        if len(batch) >= _BATCH:
            bind.execute(insert, batch)
            batch = []
    if batch:
        bind.execute(insert, batch)


def _refuse_collisions(bind: sa.Connection) -> None:
    for table in KEYED:
        column = dict(COLUMNS)[table]
        taken = bind.execute(
            sa.text(f"SELECT count(*) FROM {table} JOIN {_MAPPING} ON {table}.{column} = new_ref")
        ).scalar_one()
        if taken:
            raise RuntimeError(
                f"{taken} re-issued reference ids are already in {table} (people registered "
                "twice?); resolve them before upgrading"
            )
