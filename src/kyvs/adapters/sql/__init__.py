"""SQLAlchemy 2 adapters: embedded SQLite by default, PostgreSQL at scale, one code path."""
