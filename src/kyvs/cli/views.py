"""How registry objects look to an operator: JSON-ready dicts and Rich renderables."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from kyvs.cli.output import printable, shown
from kyvs.domain.doses import Dose
from kyvs.domain.people import Beneficiary
from kyvs.domain.status import Status, StatusCode

STATUS_TEXT = {
    StatusCode.NOT_VACCINATED: "Not vaccinated",
    StatusCode.PARTIALLY_VACCINATED: "Partially vaccinated",
    StatusCode.FULLY_VACCINATED: "Fully vaccinated",
}
_STATUS_STYLE = {
    StatusCode.NOT_VACCINATED: "bold red",
    StatusCode.PARTIALLY_VACCINATED: "bold yellow",
    StatusCode.FULLY_VACCINATED: "bold green",
}


def beneficiary_data(person: Beneficiary) -> dict[str, Any]:
    """A beneficiary as the CLI prints it: mobile and photo-ID number masked."""
    photo = person.photo_id
    return {
        "reference_id": person.reference_id,
        "full_name": person.full_name,
        "birth_year": person.birth_year,
        "gender": person.gender.value,
        "mobile_masked": person.mobile.masked,
        "photo_id": {"type": photo.kind.value, "number_masked": photo.masked} if photo else None,
    }


def dose_data(dose: Dose) -> dict[str, Any]:
    """A dose as the CLI prints it."""
    return {
        "dose_number": dose.dose_number,
        "vaccine": dose.vaccine,
        "kind": dose.kind.value,
        "date": dose.date.isoformat(),
        "centre": dose.centre,
        "batch": dose.batch,
    }


def status_data(status: Status) -> dict[str, Any]:
    """A status as the CLI prints it."""
    return {
        "code": int(status.code),
        "label": status.code.name,
        "text": STATUS_TEXT[status.code],
        "precaution_dose": status.precaution,
        "primary_completed_on": _iso(status.primary_completed_on),
        "precaution_due_on": _iso(status.precaution_due_on),
        "warnings": [
            {"code": w.code, "dose_number": w.dose_number, "detail": w.detail}
            for w in status.warnings
        ],
        "rules_version": status.rules_version,
    }


def _iso(value: object) -> str | None:
    return value.isoformat() if value is not None else None  # type: ignore[attr-defined]


def status_text(status: Status) -> Text:
    """A one-line status with its label (never colour alone)."""
    line = Text(f"{int(status.code)} {STATUS_TEXT[status.code]}", style=_STATUS_STYLE[status.code])
    if status.precaution:
        line.append(" + precaution dose", style="green")
    return line


def person_view(person: Beneficiary, doses: tuple[Dose, ...], status: Status) -> Group:
    """A person card: details, status, doses and the engine's warnings."""
    details = Table.grid(padding=(0, 2))
    details.add_column(style="dim")
    details.add_column()
    photo = person.photo_id
    for label, value in (
        ("Reference id", person.reference_id),
        ("Name", person.full_name),
        ("Born", str(person.birth_year)),
        ("Gender", person.gender.value),
        ("Mobile", person.mobile.masked),
        ("Photo ID", f"{photo.kind.value} {photo.masked}" if photo else "-"),
    ):
        details.add_row(label, shown(value))
    details.add_row("Status", status_text(status))
    if status.precaution_due_on and not status.precaution:
        details.add_row("Precaution due", status.precaution_due_on.isoformat())
    parts: list[Table | Text] = [details]
    if doses:
        parts.append(doses_table(doses))
    for warning in status.warnings:
        parts.append(
            Text(printable(f"! dose {warning.dose_number}: {warning.detail}"), style="yellow")
        )
    return Group(*parts)


def doses_table(doses: tuple[Dose, ...]) -> Table:
    """The doses of one person, in order."""
    table = Table(title="Doses", title_justify="left")
    for column in ("#", "Vaccine", "Kind", "Date", "Centre", "Batch"):
        table.add_column(column)
    for d in doses:
        table.add_row(
            str(d.dose_number),
            shown(d.vaccine),
            d.kind.value,
            d.date.isoformat(),
            shown(d.centre),
            shown(d.batch),
        )
    return table
