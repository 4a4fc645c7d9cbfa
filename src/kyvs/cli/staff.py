"""`kyvs provider staff ...` (also `kyvs staff ...`): the console logins of providers' staff.

Disabling, enabling and a new password each end the account's console sessions at once (every
console request re-reads the account and its session version).
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from kyvs.cli.context import container
from kyvs.cli.output import JsonFlag, console, print_json, reports_errors, shown
from kyvs.ports import StaffAccount
from kyvs.services import providers as use_cases

app = typer.Typer(help="A provider's staff logins for the hosted console.", no_args_is_help=True)

Username = Annotated[str, typer.Argument(help="The staff login's username.")]


def staff_data(account: StaffAccount) -> dict[str, Any]:
    """A staff login as the CLI prints it (never its password hash)."""
    return {
        "username": account.username,
        "provider_id": account.provider_id,
        "disabled": account.disabled,
    }


@app.command("add")
@reports_errors
def add_staff(
    provider_id: Annotated[str, typer.Argument(help="The provider id (prv_...).")],
    username: Annotated[str, typer.Option("--username")],
    password: Annotated[
        str,
        typer.Option(
            "--password",
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            help="At least 10 characters; asked for when not given.",
        ),
    ],
    json_output: JsonFlag = False,
) -> None:
    """Create a console login for the provider's front-desk staff."""
    c = container()
    account = use_cases.add_staff(
        store=c.provider_store,
        provider_id=provider_id,
        username=username,
        password=password,
        hash_password=c.password_hasher.hash,
        now=c.clock.now(),
    )
    if json_output:
        print_json({"username": account.username, "provider_id": account.provider_id})
    else:
        console.print(f"Staff login {shown(account.username)} created for {shown(provider_id)}.")


@app.command("list")
@reports_errors
def list_staff(
    provider_id: Annotated[
        str | None, typer.Argument(help="Only this provider's logins (prv_...).")
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """Every staff login (or one provider's), with whether it is disabled."""
    found = use_cases.list_staff(store=container().provider_store, provider_id=provider_id)
    if json_output:
        print_json([staff_data(account) for account in found])
        return
    table = Table(title="Staff logins", title_justify="left")
    for column in ("Username", "Provider", "Status"):
        table.add_column(column)
    for account in found:
        status = "DISABLED" if account.disabled else "active"
        table.add_row(shown(account.username), shown(account.provider_id), status)
    console.print(table)


def _set_disabled(username: str, *, disabled: bool, json_output: bool) -> None:
    account = use_cases.set_staff_disabled(
        store=container().provider_store, username=username, disabled=disabled
    )
    if json_output:
        print_json(staff_data(account))
        return
    done = "disabled" if disabled else "enabled"
    console.print(f"Staff login {shown(account.username)} {done}; its console sessions have ended.")


@app.command("disable")
@reports_errors
def disable(username: Username, json_output: JsonFlag = False) -> None:
    """Stop a staff login: its console sessions end at once and it cannot log in."""
    _set_disabled(username, disabled=True, json_output=json_output)


@app.command("enable")
@reports_errors
def enable(username: Username, json_output: JsonFlag = False) -> None:
    """Let a disabled staff login log in again (with a fresh login)."""
    _set_disabled(username, disabled=False, json_output=json_output)


@app.command("reset-password")
@reports_errors
def reset_password(
    username: Username,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the new password (at least 10 characters) from standard input "
            "instead of generating one.",
        ),
    ] = False,
    json_output: JsonFlag = False,
) -> None:
    """A new password (random and shown once, or read with --password-stdin); sessions end."""
    c = container()
    typed = sys.stdin.read().rstrip("\r\n") if password_stdin else None
    account, password = use_cases.reset_staff_password(
        store=c.provider_store,
        username=username,
        hash_password=c.password_hasher.hash,
        password=typed,
    )
    if json_output:
        print_json(staff_data(account) | ({} if password_stdin else {"password": password}))
        return
    if password_stdin:
        console.print(
            f"Password of {shown(account.username)} changed; its console sessions have ended."
        )
    else:
        console.print(
            f"New password of {shown(account.username)} (shown only now): [bold]{password}[/]"
        )
        console.print("Its console sessions have ended.")
