"""The schema comes from Alembic migrations, matches the code's tables, and indexes the mobile."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from kyvs.adapters.sql import migrate
from kyvs.adapters.sql.tables import metadata


def test_upgrading_twice_changes_nothing(engine):
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()


def test_the_migrated_schema_matches_the_table_definitions(engine):
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    assert diff == []


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
    assert "ix_beneficiaries_mobile" in " ".join(str(row) for row in plan)
