"""`kyvs sms ...`: read the SMS outbox, the demo/dev carrier."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from kyvs.cli import sms_templates
from kyvs.cli.context import container
from kyvs.cli.output import JsonFlag, console, print_json, reports_errors, shown
from kyvs.domain.errors import DomainError
from kyvs.domain.mobile import MobileNumber
from kyvs.ports import OutboxEntry
from kyvs.services.delivery_reports import report_token
from kyvs.web.public_urls import public_base_url

app = typer.Typer(help="SMS kyvs sends (the outbox in demo and development).", no_args_is_help=True)
app.add_typer(sms_templates.app, name="templates")


class OutboxUnavailable(DomainError):
    """SMS go to a real gateway, so there is no outbox to read."""

    slug = "sms-outbox-unavailable"
    title = "The SMS outbox is not in use"


@app.command()
@reports_errors
def outbox(
    last: Annotated[
        int, typer.Option("--last", min=1, max=1000, help="How many messages, newest first.")
    ] = 10,
    mobile: Annotated[
        str | None, typer.Option("--mobile", help="Only messages to this mobile number.")
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """Show the latest SMS in the outbox, full number and text (the outbox is the demo carrier)."""
    c = container()
    if c.settings.sms_gateways:
        raise OutboxUnavailable(
            "The SMS outbox exists only when KYVS_SMS_BACKEND=outbox "
            f"(now: {c.settings.sms_backend}); messages go to the SMS gateway."
        )
    wanted = MobileNumber.parse(mobile) if mobile else None
    entries = c.outbox_reader.latest(last, mobile=wanted)
    if json_output:
        print_json([outbox_data(entry) for entry in entries])
    elif not entries:
        console.print("The outbox is empty." if wanted is None else "No SMS to that number.")
    else:
        console.print(outbox_table(entries))


@app.command("report-urls")
@reports_errors
def report_urls(json_output: JsonFlag = False) -> None:
    """The delivery-report URL to give each configured SMS gateway (they hold a secret: give
    each to its gateway only)."""
    c = container()
    base = public_base_url(c.settings)
    urls = {
        name: f"{base}/sms/reports/{name}/{report_token(c.secret_keys.tokens, name)}"
        for name in c.settings.report_gateways
    }
    if json_output:
        print_json(urls)
    elif not urls:
        console.print("SMS go to the outbox (KYVS_SMS_BACKEND=outbox): no gateway reports.")
    else:
        for name, url in urls.items():
            console.print(f"{name}: {url}", highlight=False, soft_wrap=True)


def outbox_data(entry: OutboxEntry) -> dict[str, Any]:
    """One outbox message as `--json` prints it."""
    return {
        "to": MobileNumber(entry.to_mobile).e164,
        "text": entry.text,
        "category": entry.category,
        "language": entry.language,
        "sent_at": entry.sent_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
    }


def outbox_table(entries: list[OutboxEntry]) -> Table:
    """The outbox as a table, newest first."""
    table = Table(title="SMS outbox (newest first)", show_lines=True)
    table.add_column("Sent (UTC)", no_wrap=True)
    table.add_column("To", no_wrap=True)
    table.add_column("Category", no_wrap=True)
    table.add_column("Lang", no_wrap=True)
    table.add_column("Text", overflow="fold")
    for entry in entries:
        data = outbox_data(entry)
        sent = entry.sent_at.strftime("%Y-%m-%d %H:%M:%S")
        table.add_row(sent, data["to"], entry.category, entry.language, shown(entry.text))
    return table
