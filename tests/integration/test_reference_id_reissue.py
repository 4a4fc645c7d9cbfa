"""Migration 0010: ids stored with the old, wrong Verhoeff table get the standard check digit, in
every table that holds them, keeping their first 13 digits; downgrading gives the old ones back."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, insert, select
from stdnum import verhoeff

from kyvs.adapters.sql import migrate
from kyvs.adapters.sql.engine import make_engine
from kyvs.adapters.sql.registry import SqlRegistry
from kyvs.adapters.sql.tables import (
    access_log,
    beneficiaries,
    blocks,
    corrections,
    doses,
    share_links,
    verifications,
)
from kyvs.domain import reference_ids

AT = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
# Made by kyvs before 0010 (row 4 of its permutation table was wrong): valid then, not now.
OLD_IDS = ("23456789012341", "55555555555556", "29141777631705", "80636083778355")
# Where the old and the standard tables agree: valid before and after, left alone.
AGREEING = "12345678901230"
COLUMNS = {
    beneficiaries: beneficiaries.c.reference_id,
    doses: doses.c.reference_id,
    verifications: verifications.c.beneficiary_ref,
    access_log: access_log.c.beneficiary_ref,
    blocks: blocks.c.beneficiary_ref,
    corrections: corrections.c.beneficiary_ref,
    share_links: share_links.c.beneficiary_ref,
}


def standard(ref: str) -> str:
    """`ref` with python-stdnum's Verhoeff check digit."""
    return ref[:13] + verhoeff.calc_check_digit(ref[:13])


def rows_of(ref: str, n: int) -> dict:
    """One row per table for the person `ref` (the `n`-th stored)."""
    return {
        beneficiaries: {
            "reference_id": ref,
            "full_name": f"Asha Patel {n}",
            "birth_year": 1988,
            "gender": "F",
            "mobile": f"98765432{n:02d}",
            "created_at": AT,
        },
        doses: {
            "reference_id": ref,
            "dose_number": 1,
            "vaccine": "COVISHIELD",
            "kind": "primary",
            "given_on": dt.date(2021, 5, 3),
        },
        verifications: {
            "txn_id": f"txn-{n}",
            "provider_id": "prov-yatra",
            "purpose": "travel",
            "language": "en",
            "mobile_key": f"key-{n}",
            "beneficiary_ref": ref,
            "otp_hash": "0" * 64,
            "created_at": AT,
            "expires_at": AT,
            "last_sent_at": AT,
            "state": "verified",
            "attempts": 0,
            "resends": 0,
            "version": 1,
        },
        access_log: {
            "beneficiary_ref": ref,
            "provider_id": "prov-yatra",
            "provider_name": "Yatra Travels",
            "purpose": "travel",
            "scopes": "status",
            "outcome": "verified",
            "txn_id": f"txn-{n}",
            "at": AT,
        },
        blocks: {"beneficiary_ref": ref, "provider_id": "prov-yatra", "created_at": AT},
        corrections: {
            "correction_id": f"cor-{n}",
            "beneficiary_ref": ref,
            "action": "add-dose",
            "details": "{}",
            "note": "",
            "status": "open",
            "created_at": AT,
        },
        share_links: {
            "link_id": f"link-{n}",
            "beneficiary_ref": ref,
            "claim": "x.y.z",
            "language": "en",
            "created_at": AT,
            "expires_at": AT,
        },
    }


def store(engine: Engine, refs: tuple[str, ...]) -> None:
    with engine.begin() as connection:
        for n, ref in enumerate(refs):
            for table, row in rows_of(ref, n).items():
                connection.execute(insert(table), row)


def stored(engine: Engine) -> dict[str, list[str]]:
    with engine.connect() as connection:
        return {
            table.name: sorted(connection.execute(select(column)).scalars())
            for table, column in COLUMNS.items()
        }


def downgrade(engine: Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", "kyvs:migrations")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


@pytest.fixture
def at_0009(database_url):
    engine = make_engine(database_url)
    migrate.upgrade(engine, "0009")
    yield engine
    engine.dispose()


def test_the_old_ids_were_valid_then_and_are_refused_now():
    assert all(standard(ref) != ref and not reference_ids.is_valid(ref) for ref in OLD_IDS)
    assert standard(AGREEING) == AGREEING


def test_upgrading_gives_every_stored_id_the_standard_check_digit_in_every_table(at_0009):
    fresh = reference_ids.make("7000000000001")  # made by the fixed code before upgrading
    store(at_0009, (*OLD_IDS, AGREEING, fresh))
    migrate.upgrade(at_0009)
    expected = sorted(standard(ref) for ref in (*OLD_IDS, AGREEING, fresh))
    assert stored(at_0009) == {table.name: expected for table in COLUMNS}
    registry = SqlRegistry(at_0009)
    for ref in OLD_IDS:
        found = registry.get(standard(ref))
        assert found is not None
        assert [dose.dose_number for dose in found.doses] == [1]
        assert registry.get(ref) is None


def test_upgrading_again_changes_nothing(at_0009):
    store(at_0009, OLD_IDS)
    migrate.upgrade(at_0009)
    before = stored(at_0009)
    migrate.upgrade(at_0009)
    assert stored(at_0009) == before


def test_downgrading_gives_the_old_check_digits_back(at_0009):
    store(at_0009, (*OLD_IDS, AGREEING))
    before = stored(at_0009)
    migrate.upgrade(at_0009)
    downgrade(at_0009, "0009")
    assert stored(at_0009) == before


def test_an_id_that_would_collide_stops_the_upgrade_and_changes_nothing(at_0009):
    old = OLD_IDS[0]
    store(at_0009, (old, standard(old)))  # the same body stored twice, under both digits
    before = stored(at_0009)
    with pytest.raises(RuntimeError, match="already in beneficiaries"):
        migrate.upgrade(at_0009)
    assert migrate.current_revision(at_0009) == "0009"
    assert stored(at_0009) == before
