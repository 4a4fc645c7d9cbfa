"""`kyvs breach report|list|show|mark`: personal data breaches (DPDP Rules 2025, rule 7).

Mobiles and reference ids are printed masked, in tables and in JSON alike. The full numbers the
notices need go only to a file named by `--reveal-contacts`, created for its owner alone (0600)
and never over an existing file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.table import Table

from kyvs.cli.context import container
from kyvs.cli.output import JsonFlag, console, print_json, reports_errors, shown
from kyvs.domain.breach import DATA_KINDS, Breach, BreachStep, parse_moment
from kyvs.domain.breach_exposure import AffectedPerson, Exposure
from kyvs.domain.breach_notices import CONTACT, board_report, principal_notice
from kyvs.domain.errors import InvalidInput
from kyvs.services.breaches import BreachReport

app = typer.Typer(help="Personal data breaches: record, notify, close.", no_args_is_help=True)
BreachId = Annotated[str, typer.Argument(help="The breach id (breach-...).")]
RevealContacts = Annotated[
    Path | None,
    typer.Option(
        "--reveal-contacts",
        help="Write the affected people's full reference ids and mobiles to this new file "
        "(readable by you only), for the notification run. Nothing full is printed.",
    ),
]


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _when(moment: dt.datetime | None) -> str:
    return f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC" if moment else "-"


def breach_data(breach: Breach, now: dt.datetime) -> dict[str, Any]:
    """An incident as the CLI prints it, with its Board deadline."""
    return {
        "breach_id": breach.breach_id,
        "status": breach.status.value,
        "reported_at": breach.reported_at.isoformat(),
        "became_aware_at": breach.became_aware_at.isoformat(),
        "window_start": breach.window_start.isoformat(),
        "window_end": breach.window_end.isoformat(),
        "description": breach.description,
        "data_kinds": list(breach.data_kinds),
        "provider_ids": list(breach.provider_ids),
        "key_ids": list(breach.key_ids),
        "affected_count": breach.affected_count,
        "board_deadline": breach.board_deadline.isoformat(),
        "board_overdue": breach.overdue(now),
        "board_notified_at": _iso(breach.board_notified_at),
        "principals_notified_at": _iso(breach.principals_notified_at),
        "closed_at": _iso(breach.closed_at),
    }


def person_data(person: AffectedPerson) -> dict[str, Any]:
    """An affected person, masked: what was disclosed, to whom, when."""
    return {
        "reference_id_masked": person.reference_id_masked,
        "mobile_masked": person.mobile_masked,
        "disclosures": [
            {
                "provider_id": d.provider_id,
                "provider_name": d.provider_name,
                "scopes": sorted(d.scopes),
                "at": d.at.isoformat(),
                "consent_id": d.consent_id,
            }
            for d in person.disclosures
        ],
    }


def report_data(report: BreachReport, now: dt.datetime) -> dict[str, Any]:
    """An incident with the people and the API activity of its window."""
    exposure = report.exposure
    return {
        **breach_data(report.breach, now),
        "affected_now": len(exposure.people),
        "asked_only": exposure.asked_only,
        "affected": [person_data(p) for p in exposure.people],
        "api_activity": [
            {
                "provider_id": a.provider_id,
                "route": a.route,
                "calls": a.calls,
                "first_at": a.first_at.isoformat(),
                "last_at": a.last_at.isoformat(),
            }
            for a in exposure.api_activity
        ],
    }


def _deadline_text(breach: Breach, now: dt.datetime) -> str:
    if breach.board_notified_at:
        return f"Board notified {_when(breach.board_notified_at)}"
    left = breach.time_left(now)
    hours, minutes = divmod(int(abs(left).total_seconds()) // 60, 60)
    if left.total_seconds() < 0:
        return f"[bold red]OVERDUE by {hours} h {minutes} min[/]"
    return f"{hours} h {minutes} min left"


def _print_breach(breach: Breach, now: dt.datetime) -> None:
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    rows = (
        ("Breach", f"{breach.breach_id} ({breach.status.value})"),
        ("Description", shown(breach.description)),
        ("Aware at", _when(breach.became_aware_at)),
        ("Board report due", f"{_when(breach.board_deadline)} ({_deadline_text(breach, now)})"),
        ("Window", f"{_when(breach.window_start)} to {_when(breach.window_end)}"),
        ("Providers", shown(", ".join(breach.provider_ids) or "every provider")),
        ("API keys", ", ".join(breach.key_ids) or "-"),
        ("Data", ", ".join(breach.data_kinds) or "not determined"),
        ("Affected", str(breach.affected_count)),
        ("People notified", _when(breach.principals_notified_at)),
        ("Closed", _when(breach.closed_at)),
    )
    for label, value in rows:
        facts.add_row(label, value)
    console.print(facts)


def _print_exposure(exposure: Exposure) -> None:
    _print_people(exposure)
    _print_calls(exposure)


def _print_people(exposure: Exposure) -> None:
    if exposure.people:
        people = Table(title="Affected people", title_justify="left")
        for column in ("Reference id", "Mobile", "Disclosed", "To", "When"):
            people.add_column(column)
        for person in exposure.people:
            for d in person.disclosures:
                people.add_row(
                    person.reference_id_masked,
                    person.mobile_masked or "(no longer registered)",
                    ", ".join(sorted(d.scopes)),
                    shown(f"{d.provider_name} ({d.provider_id})"),
                    _when(d.at),
                )
        console.print(people)
    else:
        console.print("The access log shows no disclosure in the window.")
    if exposure.asked_only:
        console.print(
            f"{exposure.asked_only} more were sent an OTP request with nothing disclosed."
        )


def _print_calls(exposure: Exposure) -> None:
    if not exposure.api_activity:
        console.print("The API audit shows no call in the window.")
        return
    calls = Table(title="API calls in the window", title_justify="left")
    for column in ("Provider", "Route", "Calls", "First", "Last"):
        calls.add_column(column)
    for a in exposure.api_activity:
        calls.add_row(
            shown(a.provider_id or "(no key)"),
            shown(a.route),
            str(a.calls),
            _when(a.first_at),
            _when(a.last_at),
        )
    console.print(calls)


def _refuse_existing(path: Path) -> NoReturn:
    raise InvalidInput(f"{path} exists; name a new file for the contacts.")


def _reveal(path: Path, people: tuple[AffectedPerson, ...]) -> None:
    """Write the full contacts to a new file only its owner can read."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["reference_id", "mobile", "scopes", "providers", "first_disclosed_at"])
    for p in people:
        providers = sorted({d.provider_id for d in p.disclosures})
        mobile = p.mobile.e164 if p.mobile else ""
        first = p.disclosures[0].at.isoformat()
        writer.writerow(
            [p.reference_id, mobile, " ".join(sorted(p.scopes)), " ".join(providers), first]
        )
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        _refuse_existing(path)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as out:
        out.write(text.getvalue())


def _print_report(report: BreachReport, reveal: Path | None, *, json_output: bool) -> None:
    now = container().clock.now()
    if reveal is not None:
        _reveal(reveal, report.exposure.people)
    if json_output:
        print_json({**report_data(report, now), "contacts_file": str(reveal) if reveal else None})
        return
    _print_breach(report.breach, now)
    _print_exposure(report.exposure)
    if reveal is not None:
        console.print(
            f"Wrote {len(report.exposure.people)} contact(s) to {shown(reveal)} (mode 0600)."
        )


@app.command()
@reports_errors
def report(
    aware_at: Annotated[
        str, typer.Option("--aware-at", help="When you became aware (ISO 8601 with zone).")
    ],
    window_from: Annotated[str, typer.Option("--from", help="Start of the exposure window.")],
    window_to: Annotated[str, typer.Option("--to", help="End of the exposure window.")],
    description: Annotated[str, typer.Option("--description", help="What happened, as known now.")],
    provider: Annotated[
        list[str] | None, typer.Option("--provider", help="A provider whose key or data leaked.")
    ] = None,
    key: Annotated[
        list[str] | None,
        typer.Option("--key", help="A leaked API key's id or prefix (kyvs_<id>_): its provider."),
    ] = None,
    data_kind: Annotated[
        list[str] | None, typer.Option("--data-kind", help=f"One of: {', '.join(DATA_KINDS)}.")
    ] = None,
    reveal_contacts: RevealContacts = None,
    json_output: JsonFlag = False,
) -> None:
    """Record a breach; print it with its 72-hour deadline and the people its window exposed."""
    if reveal_contacts is not None and reveal_contacts.exists():
        _refuse_existing(reveal_contacts)  # before anything is recorded
    found = container().breach_desk.report(
        became_aware_at=parse_moment(aware_at, "--aware-at"),
        window_start=parse_moment(window_from, "--from"),
        window_end=parse_moment(window_to, "--to"),
        description=description,
        provider_ids=provider or (),
        key_ids=key or (),
        data_kinds=data_kind or (),
    )
    _print_report(found, reveal_contacts, json_output=json_output)


@app.command("list")
@reports_errors
def list_all(json_output: JsonFlag = False) -> None:
    """Every recorded breach, newest first, with its Board deadline."""
    now = container().clock.now()
    found = container().breach_desk.all()
    if json_output:
        print_json([breach_data(b, now) for b in found])
        return
    table = Table(title="Breaches", title_justify="left")
    for column in ("Id", "Status", "Aware at", "Board report due", "Affected", "Description"):
        table.add_column(column)
    for b in found:
        due = f"{_when(b.board_deadline)} ({_deadline_text(b, now)})"
        table.add_row(
            b.breach_id,
            b.status.value,
            _when(b.became_aware_at),
            due,
            str(b.affected_count),
            shown(b.description[:60]),
        )
    console.print(table)


@app.command()
@reports_errors
def show(
    breach_id: BreachId,
    draft: Annotated[
        bool, typer.Option("--draft", help="Print drafts of the Board report and the notice.")
    ] = False,
    contact: Annotated[
        str, typer.Option("--contact", help="Who answers people's questions (for --draft).")
    ] = CONTACT,
    reveal_contacts: RevealContacts = None,
    json_output: JsonFlag = False,
) -> None:
    """A breach with the people its window exposed (read from the logs again)."""
    desk = container().breach_desk
    found = desk.show(breach_id)
    if not draft:
        _print_report(found, reveal_contacts, json_output=json_output)
        return
    now = container().clock.now()
    texts = {
        "board_report": board_report(found.breach, found.exposure, now=now),
        "principal_notice": principal_notice(found.breach, contact=contact),
    }
    if json_output:
        print_json(texts)
        return
    for line in [*texts["board_report"].splitlines(), "", *texts["principal_notice"].splitlines()]:
        # Line by line: the texts' own line breaks stay, while a control character in what the
        # operator typed is still replaced; no wrapping, so the text copies as it is.
        console.print(shown(line), soft_wrap=True, highlight=False)


@app.command()
@reports_errors
def mark(
    breach_id: BreachId,
    board_notified: Annotated[
        bool, typer.Option("--board-notified", help="The Board has the report.")
    ] = False,
    principals_notified: Annotated[
        bool, typer.Option("--principals-notified", help="The affected people were told.")
    ] = False,
    closed: Annotated[bool, typer.Option("--closed", help="Nothing more to do.")] = False,
    json_output: JsonFlag = False,
) -> None:
    """Mark one step of a breach done now."""
    chosen = [
        step
        for step, wanted in (
            (BreachStep.BOARD_NOTIFIED, board_notified),
            (BreachStep.PRINCIPALS_NOTIFIED, principals_notified),
            (BreachStep.CLOSED, closed),
        )
        if wanted
    ]
    if len(chosen) != 1:
        raise InvalidInput("Give one of --board-notified, --principals-notified, --closed.")
    done = container().breach_desk.mark(breach_id, chosen[0])
    if json_output:
        print_json(breach_data(done, container().clock.now()))
    else:
        console.print(f"Marked {done.breach_id} {chosen[0].value} ({done.status.value}).")
