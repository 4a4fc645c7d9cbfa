"""What others typed reaches the operator's terminal as text: never as Rich markup, never as a
terminal escape sequence (a provider's name, a citizen's correction note, an imported centre)."""

from __future__ import annotations

import datetime as dt

from kyvs.cli.output import printable, shown
from tests.e2e.conftest import Cli

ESCAPE = "\x1b[2J\x1b[31m"  # clear the screen, then red: what a hostile name would do
MARKUP = "[blink]Yatra[/blink]"


def test_a_provider_name_is_printed_as_typed_without_markup_or_escape_codes(cli: Cli):
    cli.run(
        "provider",
        "create",
        "--name",
        f"{MARKUP}{ESCAPE}",
        "--category",
        "travel",
        "--scopes",
        "status",
        "--purposes",
        "travel",
    )

    listed = cli.run("provider", "list").stdout

    assert "[blink]Yatra[/blink]" in listed
    assert "\x1b" not in listed


def test_a_breach_description_is_printed_as_typed_in_the_report_list_show_and_drafts(cli: Cli):
    now = dt.datetime.now(dt.UTC)
    breach = cli.json(
        "breach",
        "report",
        "--aware-at",
        (now - dt.timedelta(minutes=5)).isoformat(),
        "--from",
        (now - dt.timedelta(days=1)).isoformat(),
        "--to",
        (now - dt.timedelta(minutes=10)).isoformat(),
        "--description",
        f"{MARKUP}{ESCAPE}",
    )

    for args in (["list"], ["show", breach["breach_id"]], ["show", breach["breach_id"], "--draft"]):
        printed = cli.run("breach", *args).stdout
        assert "[blink]Yatra[/blink]" in printed
        assert "\x1b" not in printed


def test_indic_names_keep_their_joiners_and_lose_only_controls():
    # क्‍ष with a zero-width joiner, as some Marathi names are written; then a bidi override.
    assert printable("क्\u200dष\u202eabc\x1b") == "क्\u200dष\ufffdabc\ufffd"
    assert shown("[bold]x[/bold]") == "\\[bold]x\\[/bold]"
