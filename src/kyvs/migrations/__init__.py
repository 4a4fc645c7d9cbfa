"""Alembic migrations of the kyvs schema (run with `kyvs db upgrade`)."""
