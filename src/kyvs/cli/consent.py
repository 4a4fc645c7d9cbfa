"""`kyvs consent export|verify`: the operator's proof of each disclosure's consent."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer

from kyvs.cli.context import container
from kyvs.cli.output import JsonFlag, console, fail, print_json, reports_errors, shown
from kyvs.domain.consent import ConsentRecord, artefact
from kyvs.domain.signing_keys import AttestationInvalid
from kyvs.ports import StoredConsent

app = typer.Typer(
    help="Consent records: one signed record per disclosure, kept a year.", no_args_is_help=True
)


def _day(text: str | None, *, default: dt.datetime) -> dt.datetime:
    if text is None:
        return default
    try:
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), dt.UTC)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD).") from None


def _checked(stored: StoredConsent, keys: Any, now: dt.datetime) -> dict[str, Any]:
    try:
        record = container().verify_consent(stored.token, keys, now=now)
    except AttestationInvalid as invalid:
        return {"consent_id": stored.consent_id, "valid": False, "reason": invalid.reason}
    return {"consent_id": stored.consent_id, "valid": True, "record": artefact(record)} | {
        "token": stored.token
    }


@app.command("export")
@reports_errors
def export(
    since: Annotated[
        str | None, typer.Option("--since", help="From this day (UTC, YYYY-MM-DD); default: all.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Before this day (UTC); default: now.")
    ] = None,
    provider: Annotated[
        str | None, typer.Option("--provider", help="Only this provider's records.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the JSON here instead of the terminal.")
    ] = None,
) -> None:
    """Every consent record given in the period, each checked against the signing keys:
    `[{"consent_id", "valid", "record" (the artefact), "token" (the signed JWS)}]`."""
    now = container().clock.now()
    found = container().consent_ledger.between(
        since=_day(since, default=dt.datetime(1970, 1, 1, tzinfo=dt.UTC)),
        until=_day(until, default=now + dt.timedelta(seconds=1)),
        provider_id=provider,
    )
    keys = container().consent_keys(now)
    records = [_checked(stored, keys, now) for stored in found]
    if out is None:
        print_json(records)
        return
    import json  # noqa: PLC0415 - only a file export needs it here

    out.write_text(json.dumps(records, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    invalid = sum(1 for r in records if not r["valid"])
    console.print(f"Wrote {len(records)} consent records to {shown(str(out))} ({invalid} invalid).")


def _token_of(given: str, *, json_mode: bool) -> str:
    try:
        consent_id = str(uuid.UUID(given.strip()))
    except ValueError:
        return given.strip()  # not an id: the signed record itself
    stored = container().consent_ledger.find(consent_id)
    if stored is None:
        detail = f"No consent record {consent_id}; `kyvs consent export` lists them."
        fail("not-found", "No such consent record", detail, json_mode=json_mode)
    return stored.token


@app.command("verify")
@reports_errors
def verify(
    given: Annotated[str, typer.Argument(help="A consent id, or a signed consent record (JWS).")],
    json_output: JsonFlag = False,
) -> None:
    """Check a consent record's signature with this database's keys: exit 0 when it holds,
    1 when it does not."""
    now = container().clock.now()
    token = _token_of(given, json_mode=json_output)
    try:
        record = container().verify_consent(token, container().consent_keys(now), now=now)
    except AttestationInvalid as invalid:
        if json_output:
            print_json({"valid": False, "reason": invalid.reason})
        else:
            console.print(f"[bold red]invalid[/]: {shown(invalid.reason)}")
        raise typer.Exit(code=1) from None
    if json_output:
        print_json({"valid": True, "record": artefact(record)})
        return
    console.print(f"[bold green]valid[/]: {_summary(record)}")
    console.print_json(data=artefact(record))


def _summary(record: ConsentRecord) -> str:
    fields = ", ".join(record.fields)
    return shown(
        f"consent {record.consent_id} to {record.provider_name} ({record.provider_id}) for "
        f"{record.purpose} through {record.channel} at {record.given_at:%Y-%m-%d %H:%M} UTC; "
        f"shared {fields}; notice v{record.notice.version} ({record.notice.language})"
    )
