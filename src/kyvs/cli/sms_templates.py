"""`kyvs sms templates ...`: check the DLT template registry, or draft one to register."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from kyvs.cli.context import container
from kyvs.cli.output import JsonFlag, console, fail, print_json, reports_errors
from kyvs.domain.dlt import MAX_VALUE_CHARS, DltTemplate, VariableTag, name_room
from kyvs.domain.sms_encoding import sms_size
from kyvs.domain.sms_templates import SmsTemplateRegistry, TemplateKey
from kyvs.i18n import SUPPORTED_LANGUAGES
from kyvs.rules import load_example_sms_templates, read_sms_templates
from kyvs.services.sms_texts import draft_registry, notice_link_problems

app = typer.Typer(help="The DLT templates every SMS is sent under.", no_args_is_help=True)


@app.command()
@reports_errors
def check(
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", help="The registry to check. Default: KYVS_SMS_TEMPLATES, else the example."
        ),
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """Check every template against the DLT rules and this server's settings; exit 1 if any
    SMS would not be delivered. Shows each template's encoding, segments and room for a name."""
    c = container()
    path = file or c.settings.sms_templates
    try:
        registry = read_sms_templates(path) if path else load_example_sms_templates()
    except ValueError as error:
        fail(
            "sms-templates-unreadable",
            "The SMS templates cannot be read",
            str(error),
            json_mode=json_output,
        )
    purposes = c.access.purposes
    problems = registry.problems(purposes=purposes, otp_minutes=c.otp_policy.lifetime_minutes)
    problems += notice_link_problems(registry, c.base_url)
    english = registry.missing_languages(purposes=purposes, languages=SUPPORTED_LANGUAGES)
    rows = [
        template_row(key, template, c.settings.sms_segment_price_inr)
        for key, template in sorted(registry.templates.items(), key=lambda i: str(i[0]))
    ]
    if json_output:
        print_json(
            {
                "file": str(path) if path else None,
                "version": registry.version,
                "problems": problems,
                "sent_in_english": english,
                "templates": rows,
            }
        )
    else:
        console.print(templates_table(registry, rows))
        for line in english:
            console.print(
                f"[yellow]No template in its language, sent in English:[/] {escape(line)}"
            )
        for line in problems:
            console.print(f"[bold red]Problem:[/] {escape(line)}", highlight=False)
        if not problems:
            console.print(f"[green]{len(rows)} templates: every SMS can be delivered.[/]")
    if problems:
        raise typer.Exit(1)


@app.command()
@reports_errors
def draft(
    entity_id: Annotated[str, typer.Option("--entity-id", help="Your DLT principal entity id.")],
    header: Annotated[str, typer.Option("--header", help="Your registered 6-letter header.")],
    minutes: Annotated[
        int | None,
        typer.Option(
            "--minutes",
            min=1,
            max=10,
            help="OTP validity the texts state. Default: this server's (KYVS_OTP_LIFETIME_S).",
        ),
    ] = None,
    brand: Annotated[str, typer.Option("--brand", help="The brand name in every text.")] = "kyvs",
    notice_link: Annotated[
        bool,
        typer.Option(
            "--notice-link/--no-notice-link",
            help="Whether a verification links to the privacy notice (a third variable, "
            "{#url#}, and one segment more; without it for a platform that takes two).",
        ),
    ] = True,
) -> None:
    """Print a registry (TOML) drafted from kyvs's translated texts: a template per message,
    purpose and language, to register on your DLT platform before putting in their ids."""
    c = container()
    purposes = {code: purpose.label for code, purpose in c.access.purposes.items()}
    typer.echo(
        draft_registry(
            languages=SUPPORTED_LANGUAGES,
            purposes=purposes,
            minutes=minutes or c.otp_policy.lifetime_minutes,
            entity_id=entity_id,
            header=header,
            brand=brand,
            notice_link=notice_link,
        ),
        nl=False,
    )


def template_row(key: TemplateKey, template: DltTemplate, price_inr: float) -> dict[str, Any]:
    """One template's facts as `check` prints them: the size of its longest text."""
    try:
        tags = template.tags
        room = name_room(template)
        longest = template.fill([_longest(tag, room) for tag in tags])
    except ValueError:  # an unknown tag: `check` reports it as a problem
        tags, room, longest = (), 0, template.body
    size = sms_size(longest)
    return {
        "kind": key.kind,
        "purpose": key.purpose,
        "language": key.language,
        "template_id": template.template_id,
        "header": template.header,
        "encoding": str(size.encoding),
        "segments": size.segments,
        "name_room": room if VariableTag.ALPHANUMERIC in tags else None,
        "estimated_cost_inr": round(size.segments * price_inr, 4),
    }


def _longest(tag: VariableTag, room: int) -> str:
    """The longest value of a variable: a name of the room left, an OTP, the longest link."""
    if tag is VariableTag.ALPHANUMERIC:
        return "W" * max(room, 1)
    if tag is VariableTag.URL:
        return "https://" + "w" * (MAX_VALUE_CHARS - len("https://"))
    return "9" * 6


def templates_table(registry: SmsTemplateRegistry, rows: list[dict[str, Any]]) -> Table:
    """The templates, one row each, with the size of their longest text."""
    table = Table(title=f"SMS templates (version {registry.version}, brand {registry.brand})")
    for column in ("Kind", "Purpose", "Lang", "Template id", "Encoding", "Segments", "Name room"):
        table.add_column(column, no_wrap=True)
    for row in rows:
        table.add_row(
            row["kind"],
            row["purpose"] or "",
            row["language"],
            row["template_id"],
            row["encoding"],
            str(row["segments"]),
            "" if row["name_room"] is None else str(row["name_room"]),
        )
    return table
