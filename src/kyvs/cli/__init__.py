"""The operator CLI: `kyvs db|registry|demo|serve ...`; tables for people, `--json` for scripts."""
