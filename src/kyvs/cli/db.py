"""`kyvs db ...`: schema upgrades."""

from __future__ import annotations

import typer

from kyvs.cli.context import container
from kyvs.cli.output import JsonFlag, console, print_json, reports_errors

app = typer.Typer(help="The database schema.", no_args_is_help=True)


@app.command()
@reports_errors
def upgrade(json_output: JsonFlag = False) -> None:
    """Create or upgrade the database schema to the newest revision (safe to repeat)."""
    wired = container()
    before = wired.schema_revision()
    wired.upgrade_schema()
    after = wired.schema_revision()
    if json_output:
        print_json({"from_revision": before, "to_revision": after})
    elif before == after:
        console.print(f"Database is up to date (revision {after}).")
    else:
        console.print(f"Database upgraded from {before or 'empty'} to revision {after}.")


@app.command()
@reports_errors
def current(json_output: JsonFlag = False) -> None:
    """Show the schema revision of the database and the newest this version knows."""
    wired = container()
    data = {"revision": wired.schema_revision(), "head": wired.newest_schema_revision()}
    if json_output:
        print_json(data)
    else:
        console.print(f"revision {data['revision'] or '(empty)'}; newest {data['head']}")
