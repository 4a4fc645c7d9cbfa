"""`kyvs retention purge|policy`: erase what is past its retention period, and say the policy."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from kyvs.cli.context import container
from kyvs.cli.output import JsonFlag, console, print_json, reports_errors
from kyvs.domain.retention import RETENTION, RecordKind, RetentionPolicy

app = typer.Typer(help="How long records are kept; erase those past it.", no_args_is_help=True)
DryRun = Annotated[bool, typer.Option("--dry-run", help="Count what is due; erase nothing.")]


@app.command()
@reports_errors
def purge(dry_run: DryRun = False, json_output: JsonFlag = False) -> None:
    """Erase every record past its retention period, in batches (safe beside running
    servers, which purge on their own every KYVS_RETENTION_INTERVAL_S); counts per kind."""
    counts = container().retention.purge(dry_run=dry_run)
    if json_output:
        print_json(
            {
                "dry_run": dry_run,
                "counts": {kind.value: n for kind, n in counts.items()},
                "total": sum(counts.values()),
            }
        )
        return
    table = Table(title="Due for erasure" if dry_run else "Erased", title_justify="left")
    table.add_column("Kind")
    table.add_column("Records", justify="right")
    for kind, n in counts.items():
        table.add_row(kind.value, str(n))
    table.add_row("total", str(sum(counts.values())), style="bold")
    console.print(table)
    if dry_run:
        console.print("A dry run: nothing was erased.")


@app.command()
@reports_errors
def policy(json_output: JsonFlag = False) -> None:
    """What each kind of record erases, after how long, and the setting that changes it."""
    periods = container().settings.retention_policy
    if json_output:
        print_json([_rule_data(kind, periods) for kind in RETENTION])
        return
    table = Table(title="Retention", title_justify="left")
    for column in ("Kind", "Erased", "Kept for", "Counted from", "Setting"):
        table.add_column(column)
    for kind in RETENTION:
        data = _rule_data(kind, periods)
        table.add_row(
            kind.value, data["erased"], data["kept_for"], data["counted_from"], data["setting"]
        )
    console.print(table)


def _rule_data(kind: RecordKind, periods: RetentionPolicy) -> dict[str, str]:
    rule = RETENTION[kind]
    return {
        "kind": kind.value,
        "erased": rule.erased,
        "kept_for": rule.in_unit(periods.periods[kind]),
        "counted_from": rule.counted_from,
        "setting": rule.setting,
    }
