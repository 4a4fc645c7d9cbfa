"""`kyvs demo ...`: load the demo data and show the people to try."""

from __future__ import annotations

import typer
from rich.panel import Panel
from rich.table import Table

from kyvs.cli.context import container
from kyvs.cli.output import JsonFlag, console, print_json, reports_errors, shown
from kyvs.cli.views import STATUS_TEXT, status_data
from kyvs.domain.errors import InvalidInput
from kyvs.domain.status import status_of
from kyvs.services.demo import (
    DEMO_PEOPLE,
    DEMO_STAFF,
    demo_api_key,
    ensure_demo_provider,
    is_loaded,
    load_demo_data,
)
from kyvs.settings import DEMO_SETTINGS_FILE, write_demo_settings

app = typer.Typer(help="Demo data for trying kyvs locally.", no_args_is_help=True)


@app.command()
def init() -> None:
    """Write demo settings (KYVS_DEMO=1, a generated secret) to var/kyvs.env, once."""
    if write_demo_settings(DEMO_SETTINGS_FILE):
        console.print(f"Wrote demo settings to {DEMO_SETTINGS_FILE} (a new secret; keep the file).")


@app.command()
@reports_errors
def load(json_output: JsonFlag = False) -> None:
    """Load the demo people and synthetic households (skipped when already loaded)."""
    c = container()
    if not c.settings.demo:
        raise InvalidInput(
            "Demo data goes only into a demo database: set KYVS_DEMO=1 "
            "(`make run` or `kyvs demo init` writes it to var/kyvs.env)."
        )
    ensure_demo_provider(
        store=c.provider_store,
        access=c.access,
        secret=c.secret_keys.tokens,
        now=c.clock.now(),
        hash_password=c.password_hasher.hash,
    )
    if is_loaded(c.registry):
        if json_output:
            print_json({"loaded": False, "reason": "already loaded"})
        else:
            console.print("Demo data already loaded.")
        return
    report = load_demo_data(
        registry=c.registry, rules=c.rules, max_per_mobile=c.settings.max_people_per_mobile
    )
    if json_output:
        print_json({"loaded": True, "imported": report.imported, "doses_added": report.doses_added})
    else:
        console.print(f"Loaded {report.imported:,} demo people with {report.doses_added:,} doses.")


@app.command()
@reports_errors
def people(json_output: JsonFlag = False) -> None:
    """The demo people to try: full name, mobile and status today."""
    c = container()
    today = c.clock.today()
    rows = []
    for person in DEMO_PEOPLE:
        registration = person.registration()
        status = status_of(registration.doses, c.rules, today)
        rows.append((person, registration.beneficiary.reference_id, status))
    if json_output:
        print_json(
            [
                {
                    "full_name": p.full_name,
                    "mobile_number": p.mobile,
                    "reference_id": ref,
                    "status": status_data(s),
                }
                for p, ref, s in rows
            ]
        )
        return
    table = Table(title="Demo people to try (type the full name and mobile)", title_justify="left")
    for column in ("Full name", "Mobile", "Reference id", "Status"):
        table.add_column(column)
    for p, ref, s in rows:
        label = STATUS_TEXT[s.code] + (" + precaution" if s.precaution else "")
        table.add_row(shown(p.full_name), p.mobile, ref, label)
    console.print(table)


def banner(url: str) -> None:
    """What `make run` shows before serving: where to go, the demo key, and people to try."""
    key = demo_api_key(container().secret_keys.tokens)
    curl = (
        f"curl -s -X POST {url}/api/v1/verifications -H 'X-Api-Key: {key}' "
        "-H 'Content-Type: application/json' "
        '-d \'{"full_name": "Asha Patel", "mobile_number": "9000000001", '
        '"purpose": "travel"}\''
    )
    console.print(
        Panel.fit(
            f"[bold]kyvs is running at {url}[/]\n"
            f"API docs: {url}/docs   Health: {url}/healthz\n"
            f"Demo provider 'Demo Travels' API key:\n  [bold]{key}[/]\n"
            f"Provider console: {url}/console  "
            f"(username {DEMO_STAFF[0]}, password {DEMO_STAFF[1]})\n"
            f"Demo SMS outbox (OTPs land here): {url}/dev/outbox  or  .venv/bin/kyvs sms outbox",
            title="kyvs demo",
        )
    )
    console.print("Try it (then read the OTP in the outbox and POST it to .../{txn_id}/confirm):")
    console.print(curl, soft_wrap=True, highlight=False)
    people()
