"""`kyvs grievances list|answer`: answer citizens' grievances within 90 days (DPDP Rules 2025)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from kyvs.cli.context import container
from kyvs.cli.output import JsonFlag, console, print_json, reports_errors, shown
from kyvs.domain.rights import Grievance
from kyvs.services import grievances as use_cases

app = typer.Typer(help="Citizens' grievances (answered within 90 days).", no_args_is_help=True)
GrievanceId = Annotated[str, typer.Argument(help="The grievance id.")]
Text = Annotated[str, typer.Option("--text", help="The answer (shown to the citizen on /me).")]
OpenOnly = Annotated[bool, typer.Option("--open", help="Only grievances not yet answered.")]
Overdue = Annotated[bool, typer.Option("--overdue", help="Only open ones past their due date.")]
PREVIEW = 60  # characters of a grievance's text in the table (--json has all of it)


def grievance_data(g: Grievance, *, days_left: int) -> dict[str, Any]:
    """A grievance as the CLI prints it: the mobile only masked, no ID number."""
    return {
        "grievance_id": g.grievance_id,
        "mobile": g.mobile_masked,
        "subject": g.subject.value,
        "text": g.text,
        "reference": g.reference,
        "status": "open" if g.open else "answered",
        "filed_at": g.filed_at.isoformat(),
        "due_on": g.due_on.isoformat(),
        "days_left": days_left,
        "answer": g.answer,
        "answered_at": g.answered_at.isoformat() if g.answered_at else None,
    }


@app.command("list")
@reports_errors
def list_grievances(
    open_only: OpenOnly = False, overdue: Overdue = False, json_output: JsonFlag = False
) -> None:
    """Grievances oldest first, with the days left until each is due."""
    c = container()
    today = c.clock.today()
    found = use_cases.listed(
        c.grievance_desk, open_only=open_only, overdue_on=today if overdue else None
    )
    if json_output:
        print_json([grievance_data(g, days_left=g.days_left(today)) for g in found])
        return
    table = Table(title="Grievances", title_justify="left")
    for column in ("Id", "Mobile", "About", "Filed", "Due", "Days left", "Status", "Text"):
        table.add_column(column)
    for g in found:
        text = g.text if len(g.text) <= PREVIEW else g.text[:PREVIEW] + "…"
        table.add_row(
            g.grievance_id,
            g.mobile_masked,
            g.subject.value,
            g.filed_at.date().isoformat(),
            g.due_on.isoformat(),
            str(g.days_left(today)) if g.open else "-",
            "open" if g.open else "answered",
            shown(text),
        )
    console.print(table)


@app.command()
@reports_errors
def answer(grievance_id: GrievanceId, text: Text, json_output: JsonFlag = False) -> None:
    """Answer a grievance, closing it (the citizen reads the answer on /me)."""
    c = container()
    done = use_cases.answer(
        c.grievance_desk, grievance_id=grievance_id, text=text, now=c.clock.now()
    )
    if json_output:
        print_json(grievance_data(done, days_left=done.days_left(c.clock.today())))
    else:
        console.print(f"Answered {shown(done.grievance_id)}.")
