"""The schema comes from Alembic migrations, matches the code's tables, and indexes the mobile."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, select, text

from kyvs.adapters.sql import migrate
from kyvs.adapters.sql.engine import make_engine
from kyvs.adapters.sql.providers import SqlProviderStore
from kyvs.adapters.sql.registry import SqlRegistry
from kyvs.adapters.sql.tables import access_log, metadata, staff_accounts
from tests.factories.people import fully_vaccinated
from tests.factories.providers import a_provider


def test_upgrading_twice_changes_nothing(engine):
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()


def _partition(name, type_, *_):
    # PostgreSQL's registry is hash-partitioned (migration 0007); the partitions are not in
    # the table definitions, which describe the logical tables.
    return not (type_ == "table" and re.fullmatch(r"(beneficiaries|doses)_p\d\d", name or ""))


def test_the_migrated_schema_matches_the_table_definitions(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": _partition})
        diff = compare_metadata(context, metadata)
    if engine.dialect.name == "postgresql":
        # A partitioned table cannot be the target of a foreign key on reference_id alone.
        diff = [d for d in diff if not (d[0] == "add_fk" and d[1].parent.name == "doses")]
    assert diff == []


def test_on_postgresql_the_registry_is_hash_partitioned_by_mobile(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("partitioning is the PostgreSQL scale layout; SQLite keeps plain tables")
    with engine.connect() as connection:
        strategy = connection.execute(
            text(
                "SELECT c.relname, p.partstrat FROM pg_partitioned_table p "
                "JOIN pg_class c ON c.oid = p.partrelid "
                "WHERE c.relnamespace = current_schema()::regnamespace ORDER BY c.relname"
            )
        ).all()
        plan = connection.execute(
            text("EXPLAIN SELECT * FROM beneficiaries WHERE mobile = '9000000001'")
        ).all()
    assert [tuple(row) for row in strategy] == [("beneficiaries", "h"), ("doses", "h")]
    scanned = [str(row) for row in plan if "beneficiaries_p" in str(row)]
    assert len({s.split("beneficiaries_p")[1][:2] for s in scanned}) == 1  # one partition


def test_lookup_by_mobile_uses_the_index(engine):
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            plan = connection.execute(
                text("EXPLAIN QUERY PLAN SELECT * FROM beneficiaries WHERE mobile = '9000000001'")
            ).all()
        else:
            connection.execute(text("SET enable_seqscan = off"))
            plan = connection.execute(
                text("EXPLAIN SELECT * FROM beneficiaries WHERE mobile = '9000000001'")
            ).all()
    shown = " ".join(str(row) for row in plan)
    # On PostgreSQL each hash partition carries its own copy of the index (`…_p04_mobile_idx`).
    assert "ix_beneficiaries_mobile" in shown or "_mobile_idx" in shown


def test_partitioning_keeps_the_registry_both_ways(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("partitioning is the PostgreSQL scale layout; SQLite keeps plain tables")
    registry = SqlRegistry(engine)
    stored = fully_vaccinated(mobile="9000000077")
    registry.add(stored)
    config = Config()
    config.set_main_option("script_location", "kyvs:migrations")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
    assert registry.get(stored.beneficiary.reference_id) == stored
    migrate.upgrade(engine)
    assert registry.get(stored.beneficiary.reference_id) == stored
    assert registry.on_mobile(stored.beneficiary.mobile) == [stored]


def test_access_entries_logged_twice_before_0009_are_kept_once(database_url):
    fresh = make_engine(database_url)
    migrate.upgrade(fresh, "0008")
    row = {
        "beneficiary_ref": "12345678901234",
        "provider_id": "prv_a",
        "provider_name": "Yatra Travels",
        "purpose": "travel",
        "scopes": "status",
        "txn_id": "t1",
        "at": dt.datetime(2026, 11, 23, tzinfo=dt.UTC),
    }
    with fresh.begin() as connection:
        for outcome in ("requested", "verified", "verified", "verified"):
            connection.execute(insert(access_log), {**row, "outcome": outcome})
    migrate.upgrade(fresh)
    with fresh.connect() as connection:
        kept = connection.execute(
            select(access_log.c.entry_id, access_log.c.outcome).order_by(access_log.c.entry_id)
        ).all()
    fresh.dispose()
    assert [tuple(r) for r in kept] == [(1, "requested"), (2, "verified")]


def test_staff_accounts_made_before_0012_start_at_session_version_0(database_url):
    fresh = make_engine(database_url)
    migrate.upgrade(fresh, "0011")
    store = SqlProviderStore(fresh)
    store.add(a_provider(provider_id="prv_a"), created_at=dt.datetime(2026, 11, 23, tzinfo=dt.UTC))
    with fresh.begin() as connection:
        connection.execute(
            insert(staff_accounts),
            {
                "username": "desk-1",
                "provider_id": "prv_a",
                "password_hash": "$argon2id$...",
                "disabled": False,
                "created_at": dt.datetime(2026, 11, 23, tzinfo=dt.UTC),
            },
        )
    migrate.upgrade(fresh)
    before = store.staff("desk-1")
    changed = store.change_staff("desk-1", disabled=True)
    fresh.dispose()
    assert before is not None
    assert before.session_version == 0
    assert changed is not None
    assert changed.session_version == 1
