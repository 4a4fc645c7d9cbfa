"""`kyvs corrections list|accept|reject`: decide citizens' status corrections."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from kyvs.cli.context import container
from kyvs.cli.output import JsonFlag, console, print_json, reports_errors, shown
from kyvs.cli.views import status_data, status_text
from kyvs.domain.citizen import Correction
from kyvs.services import corrections as use_cases

app = typer.Typer(help="Citizens' status corrections.", no_args_is_help=True)
CorrectionId = Annotated[str, typer.Argument(help="The correction id.")]
Note = Annotated[str, typer.Option("--note", help="Why (shown to the citizen).")]


def correction_data(c: Correction) -> dict[str, Any]:
    """A correction as the CLI prints it."""
    return {
        "correction_id": c.correction_id,
        "reference_id": c.beneficiary_ref,
        "action": c.action.value,
        "dose_number": c.dose_number,
        "vaccine": c.vaccine,
        "date": c.date.isoformat() if c.date else None,
        "kind": c.kind.value if c.kind else None,
        "note": c.note,
        "status": c.status.value,
        "created_at": c.created_at.isoformat(),
        "decision_note": c.decision_note,
    }


@app.command("list")
@reports_errors
def list_open(json_output: JsonFlag = False) -> None:
    """Corrections waiting for a decision, oldest first."""
    found = container().correction_desk.open_corrections()
    if json_output:
        print_json([correction_data(c) for c in found])
        return
    table = Table(title="Open corrections", title_justify="left")
    for column in ("Id", "Reference id", "Asks to", "Dose", "Vaccine", "Date", "Note"):
        table.add_column(column)
    for c in found:
        table.add_row(
            c.correction_id,
            c.beneficiary_ref,
            c.action.value,
            str(c.dose_number or "-"),
            shown(c.vaccine or "-"),
            c.date.isoformat() if c.date else "-",
            shown(c.note),
        )
    console.print(table)


@app.command()
@reports_errors
def accept(correction_id: CorrectionId, note: Note = "", json_output: JsonFlag = False) -> None:
    """Apply the correction to the dose events (logged with the decision)."""
    c = container()
    decided, before, after = use_cases.accept(
        desk=c.correction_desk,
        registry=c.registry,
        rules=c.rules,
        correction_id=correction_id,
        note=note,
        now=c.clock.now(),
    )
    if json_output:
        print_json(
            {
                **correction_data(decided),
                "status_before": status_data(before),
                "status_after": status_data(after),
            }
        )
        return
    console.print("Accepted. Status was", status_text(before), "and is now", status_text(after))


@app.command()
@reports_errors
def reject(correction_id: CorrectionId, note: Note = "", json_output: JsonFlag = False) -> None:
    """Close the correction without changing anything."""
    c = container()
    decided = use_cases.reject(
        desk=c.correction_desk, correction_id=correction_id, note=note, now=c.clock.now()
    )
    if json_output:
        print_json(correction_data(decided))
    else:
        console.print(f"Rejected {decided.correction_id}.")
