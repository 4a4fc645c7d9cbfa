"""`kyvs provider ...`: onboard providers, manage their API keys and staff logins."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from kyvs.cli import staff
from kyvs.cli.context import container
from kyvs.cli.output import JsonFlag, console, print_json, reports_errors, shown
from kyvs.domain.providers import Provider
from kyvs.ports import ApiKeyRecord
from kyvs.services import providers as use_cases

app = typer.Typer(help="Providers: onboarding, API keys, staff logins.", no_args_is_help=True)
key_app = typer.Typer(help="A provider's API keys.", no_args_is_help=True)
app.add_typer(key_app, name="key")
app.add_typer(staff.app, name="staff")

ProviderId = Annotated[str, typer.Argument(help="The provider id (prv_...).")]


def _csv(text: str) -> list[str]:
    return [part for part in text.split(",") if part.strip()]


def provider_data(provider: Provider) -> dict[str, Any]:
    """A provider as the CLI prints it."""
    return {
        "provider_id": provider.provider_id,
        "name": provider.name,
        "category": provider.category,
        "scopes": sorted(provider.scopes),
        "purposes": sorted(provider.purposes),
        "daily_quota": provider.daily_quota,
        "rate_limit": str(provider.rate_limit),
        "active": provider.active,
        "return_urls": list(provider.return_urls),
        "embed_origins": list(provider.embed_origins),
    }


def key_data(key: ApiKeyRecord) -> dict[str, Any]:
    """A key as listed: its id (prefix) and dates, never the key."""
    return {
        "key_id": key.key_id,
        "prefix": f"kyvs_{key.key_id}_",
        "created_at": key.created_at.isoformat(),
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
    }


@app.command()
@reports_errors
def create(
    name: Annotated[str, typer.Option("--name", help="Shown to citizens in the OTP SMS.")],
    category: Annotated[
        str, typer.Option("--category", help="e.g. travel, employer, hospitality.")
    ],
    scopes: Annotated[str, typer.Option("--scopes", help="status,vaccinations,demographics")],
    purposes: Annotated[str, typer.Option("--purposes", help="e.g. travel,employment")],
    quota: Annotated[int, typer.Option("--quota", help="Verifications per day.")] = 10_000,
    rate_limit: Annotated[str, typer.Option("--rate-limit", help="e.g. 100/5min")] = "100/5min",
    return_url: Annotated[
        list[str] | None, typer.Option("--return-url", help="Allowed hosted-flow return URL.")
    ] = None,
    embed_origin: Annotated[
        list[str] | None, typer.Option("--embed-origin", help="Origin allowed to embed the flow.")
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """Onboard a provider; prints its first API key, which is shown only this once."""
    c = container()
    provider, key = use_cases.create_provider(
        store=c.provider_store,
        access=c.access,
        name=name,
        category=category,
        scopes=_csv(scopes),
        purposes=_csv(purposes),
        daily_quota=quota,
        rate_limit=rate_limit,
        return_urls=return_url or (),
        embed_origins=embed_origin or (),
        now=c.clock.now(),
    )
    if json_output:
        print_json({**provider_data(provider), "api_key": key})
        return
    console.print(f"Created provider [bold]{shown(provider.name)}[/] ({provider.provider_id}).")
    console.print(f"API key (shown only now, store it safely): [bold]{key}[/]")


@app.command("list")
@reports_errors
def list_providers(json_output: JsonFlag = False) -> None:
    """Every provider with its scopes, purposes and limits."""
    found = container().provider_store.all()
    if json_output:
        print_json([provider_data(p) for p in found])
        return
    table = Table(title="Providers", title_justify="left")
    for column in ("Id", "Name", "Category", "Scopes", "Purposes", "Quota/day", "Rate", "Status"):
        table.add_column(column)
    for p in found:
        table.add_row(
            p.provider_id,
            shown(p.name),
            shown(p.category),
            ",".join(sorted(p.scopes)),
            ",".join(sorted(p.purposes)),
            f"{p.daily_quota:,}",
            str(p.rate_limit),
            "active" if p.active else "SUSPENDED",
        )
    console.print(table)


def _set_active(provider_id: str, *, active: bool, json_output: bool) -> None:
    provider = use_cases.set_active(
        store=container().provider_store, provider_id=provider_id, active=active
    )
    if json_output:
        print_json(provider_data(provider))
    else:
        console.print(f"{shown(provider.name)} is now {'active' if active else 'suspended'}.")


@app.command()
@reports_errors
def suspend(provider_id: ProviderId, json_output: JsonFlag = False) -> None:
    """Suspend a provider: its keys stop working (within 30 seconds on running servers)."""
    _set_active(provider_id, active=False, json_output=json_output)


@app.command()
@reports_errors
def resume(provider_id: ProviderId, json_output: JsonFlag = False) -> None:
    """Lift a suspension."""
    _set_active(provider_id, active=True, json_output=json_output)


@key_app.command("issue")
@reports_errors
def issue_key(provider_id: ProviderId, json_output: JsonFlag = False) -> None:
    """Issue another API key (shown only once)."""
    c = container()
    key = use_cases.issue_key(store=c.provider_store, provider_id=provider_id, now=c.clock.now())
    if json_output:
        print_json({"provider_id": provider_id, "api_key": key})
    else:
        console.print(f"API key (shown only now): [bold]{key}[/]")


@key_app.command("list")
@reports_errors
def list_keys(provider_id: ProviderId, json_output: JsonFlag = False) -> None:
    """A provider's keys by prefix, with creation and revocation dates."""
    c = container()
    use_cases.get_provider(c.provider_store, provider_id)
    keys = c.provider_store.keys(provider_id)
    if json_output:
        print_json([key_data(k) for k in keys])
        return
    table = Table(title=f"API keys of {provider_id}", title_justify="left")
    for column in ("Key id", "Prefix", "Created", "Revoked"):
        table.add_column(column)
    for k in keys:
        row = key_data(k)
        table.add_row(row["key_id"], row["prefix"], row["created_at"], row["revoked_at"] or "-")
    console.print(table)


@key_app.command("revoke")
@reports_errors
def revoke_key(
    key_id: Annotated[str, typer.Argument(help="The key id (12 hex digits after kyvs_).")],
    json_output: JsonFlag = False,
) -> None:
    """Revoke a key (effective within 30 seconds on running servers)."""
    c = container()
    use_cases.revoke_key(store=c.provider_store, key_id=key_id, now=c.clock.now())
    if json_output:
        print_json({"key_id": key_id, "revoked": True})
    else:
        console.print(f"Key {key_id} revoked.")


@key_app.command("rotate")
@reports_errors
def rotate_key(provider_id: ProviderId, json_output: JsonFlag = False) -> None:
    """Issue a new key and revoke all the provider's other keys."""
    c = container()
    key = use_cases.rotate_key(store=c.provider_store, provider_id=provider_id, now=c.clock.now())
    if json_output:
        print_json({"provider_id": provider_id, "api_key": key})
    else:
        console.print(f"New API key (shown only now): [bold]{key}[/]; older keys are revoked.")
