"""`kyvs registry ...`: add people and doses, show a person, import files, make synthetic data."""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from kyvs.cli.context import container
from kyvs.cli.loading import load_with_progress
from kyvs.cli.output import JsonFlag, console, print_json, reports_errors, shown
from kyvs.cli.views import (
    beneficiary_data,
    dose_data,
    person_view,
    status_data,
    status_text,
)
from kyvs.domain.doses import parse_date
from kyvs.services import registry as use_cases
from kyvs.services.importing.csv_format import parse_csv
from kyvs.services.importing.fhir_format import parse_fhir_bundle
from kyvs.services.importing.load import LoadReport, registrations_as_outcomes
from kyvs.services.synth import generate

app = typer.Typer(help="The vaccination registry: people and their doses.", no_args_is_help=True)


class ImportFormat(StrEnum):
    """File formats `registry import` reads."""

    AUTO = "auto"
    CSV = "csv"
    FHIR = "fhir"


@app.command()
@reports_errors
def add(
    name: Annotated[str, typer.Option("--name", help="Full name as registered (any script).")],
    mobile: Annotated[str, typer.Option("--mobile", help="Registered mobile, e.g. 98765 43210.")],
    birth_year: Annotated[int, typer.Option("--birth-year")],
    gender: Annotated[str, typer.Option("--gender", help="M, F or O.")],
    id_type: Annotated[str | None, typer.Option("--id-type", help="e.g. AADHAAR, PAN.")] = None,
    id_number: Annotated[str | None, typer.Option("--id-number")] = None,
    json_output: JsonFlag = False,
) -> None:
    """Register a person; prints their new 14-digit reference id."""
    c = container()
    person = use_cases.register(
        registry=c.registry,
        full_name=name,
        mobile=mobile,
        birth_year=birth_year,
        gender=gender,
        photo_id_type=id_type,
        photo_id_number=id_number,
        max_per_mobile=c.settings.max_people_per_mobile,
        today=c.clock.today(),
    )
    if json_output:
        print_json(beneficiary_data(person))
    else:
        console.print(f"Registered [bold]{shown(person.full_name)}[/] as {person.reference_id}.")


@app.command()
@reports_errors
def dose(
    reference_id: Annotated[str, typer.Argument(help="The person's 14-digit reference id.")],
    vaccine: Annotated[str, typer.Option("--vaccine", help="e.g. COVISHIELD, COVAXIN.")],
    date: Annotated[str, typer.Option("--date", help="YYYY-MM-DD.")],
    kind: Annotated[str, typer.Option("--kind", help="primary or precaution.")] = "primary",
    centre: Annotated[str, typer.Option("--centre")] = "",
    batch: Annotated[str, typer.Option("--batch")] = "",
    json_output: JsonFlag = False,
) -> None:
    """Record a person's next dose; prints the dose and their new status."""
    c = container()
    recorded, status = use_cases.record_dose(
        registry=c.registry,
        rules=c.rules,
        reference_id=reference_id,
        vaccine=vaccine,
        date=parse_date(date),
        kind=kind,
        centre=centre,
        batch=batch,
        today=c.clock.today(),
    )
    if json_output:
        print_json({"dose": dose_data(recorded), "status": status_data(status)})
        return
    console.print(
        f"Recorded dose {recorded.dose_number} ({recorded.vaccine}, {recorded.date}). Status now:",
        status_text(status),
    )


@app.command()
@reports_errors
def show(
    reference_id: Annotated[str, typer.Argument(help="The person's 14-digit reference id.")],
    json_output: JsonFlag = False,
) -> None:
    """Show a person, their doses and their status today."""
    c = container()
    found = use_cases.show(
        registry=c.registry, rules=c.rules, reference_id=reference_id, today=c.clock.today()
    )
    person, doses = found.registration.beneficiary, found.registration.doses
    if json_output:
        print_json(
            {
                **beneficiary_data(person),
                "doses": [dose_data(d) for d in doses],
                "status": status_data(found.status),
            }
        )
    else:
        console.print(person_view(person, doses, found.status))


@app.command("import")
@reports_errors
def import_file(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or FHIR JSON.")],
    file_format: Annotated[ImportFormat, typer.Option("--format")] = ImportFormat.AUTO,
    json_output: JsonFlag = False,
) -> None:
    """Import people and doses from CSV or a FHIR R4 Bundle; bad rows are reported, not loaded.

    Exit code 0 when every row loaded, 2 when some rows were rejected.
    """
    c = container()
    kind = file_format
    if kind is ImportFormat.AUTO:
        kind = ImportFormat.FHIR if path.suffix.lower() == ".json" else ImportFormat.CSV
    started = time.perf_counter()
    today_year = c.clock.today().year
    if kind is ImportFormat.CSV:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            outcomes = parse_csv(stream, catalogue=c.rules.catalogue, current_year=today_year)
            report = load_with_progress(c, outcomes, total=None, quiet=json_output)
    else:
        outcomes = parse_fhir_bundle(
            path.read_bytes(), catalogue=c.rules.catalogue, current_year=today_year
        )
        report = load_with_progress(c, outcomes, total=None, quiet=json_output)
    _print_report(report, time.perf_counter() - started, json_output=json_output)
    if report.errors:
        raise typer.Exit(code=2)


@app.command()
@reports_errors
def synth(
    count: Annotated[int, typer.Option("--count", min=1, help="How many people to make.")],
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same people.")] = 1,
    json_output: JsonFlag = False,
) -> None:
    """Make realistic synthetic people (households, Indic names, late-2021 dose mix).

    Deterministic by seed: running it twice with the same seed adds nothing the second time.
    """
    c = container()
    started = time.perf_counter()
    people = generate(
        count, seed=seed, rules=c.rules, max_per_mobile=c.settings.max_people_per_mobile
    )
    report = load_with_progress(
        c, registrations_as_outcomes(people), total=count, quiet=json_output
    )
    _print_report(report, time.perf_counter() - started, json_output=json_output)


def _print_report(report: LoadReport, seconds: float, *, json_output: bool) -> None:
    rate = report.rows / seconds if seconds > 0 else 0.0
    summary = {
        "rows": report.rows,
        "imported": report.imported,
        "already_present": report.already_present,
        "doses_added": report.doses_added,
        "rejected": len(report.errors),
        "seconds": round(seconds, 2),
        "rows_per_second": round(rate),
        "errors": [{"line": e.line, "where": e.where, "reason": e.reason} for e in report.errors],
    }
    if json_output:
        print_json(summary)
        return
    console.print(
        f"{report.rows:,} rows in {seconds:.1f} s ({rate:,.0f}/s): {report.imported:,} people "
        f"added, {report.already_present:,} already present, {report.doses_added:,} doses added, "
        f"{len(report.errors):,} rejected."
    )
    if report.errors:
        table = Table(title="Rejected rows (nothing from them was stored)", title_justify="left")
        table.add_column("Line", justify="right")
        table.add_column("Where")
        table.add_column("Reason")
        for error in report.errors[:50]:
            table.add_row(str(error.line), shown(error.where), shown(error.reason))
        console.print(table)
        if len(report.errors) > 50:
            console.print(f"... and {len(report.errors) - 50:,} more (use --json for all).")
