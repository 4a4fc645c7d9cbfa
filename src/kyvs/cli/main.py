"""The `kyvs` command: one group per area."""

from __future__ import annotations

import typer

from kyvs.cli import (
    attestation,
    breach,
    consent,
    corrections,
    db,
    demo,
    grievances,
    provider,
    registry,
    retention,
    sms,
    staff,
)
from kyvs.cli.serve import serve

app = typer.Typer(
    name="kyvs",
    help="kyvs operator commands. Every command takes --json for scripts.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(registry.app, name="registry")
app.add_typer(provider.app, name="provider")
app.add_typer(staff.app, name="staff")  # the same commands as `kyvs provider staff`
app.add_typer(sms.app, name="sms")
app.add_typer(attestation.app, name="attestation")
app.add_typer(corrections.app, name="corrections")
app.add_typer(consent.app, name="consent")
app.add_typer(breach.app, name="breach")
app.add_typer(grievances.app, name="grievances")
app.add_typer(demo.app, name="demo")
app.add_typer(retention.app, name="retention")
app.command()(serve)
