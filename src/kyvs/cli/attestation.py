"""`kyvs attestation ...`: list, rotate and revoke signing keys, check an attestation offline."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from kyvs.cli.context import container
from kyvs.cli.output import JsonFlag, console, fail, print_json, reports_errors, shown
from kyvs.domain.attestations import ATTESTATION_LIFETIME
from kyvs.domain.signing_keys import AttestationInvalid, KeyRecord, jwks_of
from kyvs.ports import SigningKeyStore

app = typer.Typer(
    help="Attestations: the keys that sign them, and offline checks.", no_args_is_help=True
)


def _store() -> SigningKeyStore:
    return container().signing_key_store


def _key_data(record: KeyRecord, *, now: datetime, active_kid: str | None) -> dict[str, Any]:
    return {
        "kid": record.kid,
        "created_at": record.created_at.isoformat(),
        "retired_at": record.retired_at.isoformat() if record.retired_at else None,
        "revoked_at": record.revoked_at.isoformat() if record.revoked_at else None,
        "active": record.kid == active_kid,
        "published": record.published(now, ATTESTATION_LIFETIME),
    }


@app.command()
@reports_errors
def keys(json_output: JsonFlag = False) -> None:
    """List every signing key: created, retired, and whether the JWKS still publishes it."""
    store, now = _store(), container().clock.now()
    active = store.active_key()
    rows = [
        _key_data(r, now=now, active_kid=active.kid if active else None) for r in store.all_keys()
    ]
    if json_output:
        print_json(rows)
        return
    if not rows:
        console.print("No signing key yet: the server makes one at start, or run `rotate`.")
        return
    table = Table(caption="Times in UTC; published keys are in /.well-known/jwks.json.")
    for heading in ("created", "retired", "state", "kid"):
        table.add_column(heading, no_wrap=True)
    for row in rows:
        state = "active" if row["active"] else "published" if row["published"] else "expired"
        state = "revoked" if row["revoked_at"] else state
        table.add_row(_minute(row["created_at"]), _minute(row["retired_at"]), state, row["kid"])
    console.print(table)


def _minute(iso: str | None) -> str:
    return iso[:16].replace("T", " ") if iso else "-"


@app.command()
@reports_errors
def rotate(json_output: JsonFlag = False) -> None:
    """Make a new signing key; the old one stops signing but stays published until its
    attestations expire. Running servers pick the new key up within a minute."""
    store, now = _store(), container().clock.now()
    previous = store.active_key()
    record = store.rotate(now)
    data = {
        "kid": record.kid,
        "created_at": record.created_at.isoformat(),
        "retired_kid": previous.kid if previous else None,
        "retired_published_until": (now + ATTESTATION_LIFETIME).isoformat() if previous else None,
    }
    if json_output:
        print_json(data)
        return
    console.print(f"New signing key [bold]{record.kid}[/].")
    if previous:
        until = data["retired_published_until"]
        console.print(f"Retired {previous.kid}; it stays published until {until}.")


@app.command()
@reports_errors
def revoke(
    kid: Annotated[str, typer.Argument(help="The compromised key's kid (see `keys`).")],
    json_output: JsonFlag = False,
) -> None:
    """Revoke a compromised key: it leaves the JWKS at once and its attestations stop checking.
    Revoking the active key makes a new one first. Running servers re-read their keys within
    KYVS_SIGNING_KEY_REFRESH_S (30 seconds)."""
    record = _store().revoke(kid, container().clock.now())
    if record is None:
        detail = f"No signing key {kid}; `kyvs attestation keys` lists them."
        fail("not-found", "No such key", detail, json_mode=json_output)
    if json_output:
        print_json({"revoked_kid": kid, "active_kid": record.kid})
        return
    console.print(f"Revoked {kid}; the active signing key is [bold]{record.kid}[/].")


def _load_jwks(source: str) -> Any:
    if source.startswith(("https://", "http://")):
        import httpx  # noqa: PLC0415 - only this option needs an HTTP client

        try:
            answer = httpx.get(source, timeout=10.0, follow_redirects=True)
            answer.raise_for_status()
        except httpx.HTTPError as error:
            raise OSError(str(error)) from error
        return answer.json()
    return json.loads(Path(source).read_text(encoding="utf-8"))


def _jwks(source: str | None, *, now: datetime, json_output: bool) -> Any:
    if source is None:
        return jwks_of(_store().all_keys(), now=now, lifetime=ATTESTATION_LIFETIME)
    try:
        return _load_jwks(source)
    except (OSError, ValueError) as error:
        detail = f"Cannot read the JWKS from {source}: {error}"
        fail("jwks-unavailable", "No JWKS", detail, json_mode=json_output, code=2)


@app.command(name="verify")
@reports_errors
def verify_command(
    token: Annotated[str, typer.Argument(help="The attestation (a compact JWS).")],
    jwks: Annotated[
        str | None,
        typer.Option("--jwks", help="A JWKS file or URL; default: this database's keys."),
    ] = None,
    audience: Annotated[
        str | None, typer.Option("--audience", help="Also require this provider id as `aud`.")
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """Check an attestation offline: exit 0 when valid, 1 when not (2 when no JWKS is readable)."""
    now = container().clock.now()
    key_set = _jwks(jwks, now=now, json_output=json_output)
    try:
        claims = container().verify_attestation(token.strip(), key_set, now=now, audience=audience)
    except AttestationInvalid as invalid:
        if json_output:
            print_json({"valid": False, "reason": invalid.reason})
        else:
            console.print(f"[bold red]invalid[/]: {shown(invalid.reason)}")
        raise typer.Exit(code=1) from None
    if json_output:
        print_json({"valid": True, "claims": claims})
    else:
        issued, expires = _when(claims.get("iat")), _when(claims.get("exp"))
        console.print(f"[bold green]valid[/]: issued {issued}, expires {expires}")
        console.print_json(data=claims)


def _when(seconds: object) -> str:
    if isinstance(seconds, int | float) and not isinstance(seconds, bool):
        with contextlib.suppress(ValueError, OverflowError, OSError):
            return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return str(seconds)
