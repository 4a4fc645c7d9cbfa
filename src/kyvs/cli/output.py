"""Printing for the CLI: Rich for people, one JSON document for scripts, and error reporting."""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Callable
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from kyvs.domain.errors import DomainError

JsonFlag = Annotated[
    bool, typer.Option("--json", help="Print one JSON document instead of a table.")
]

console = Console()
errors = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")

PROBLEM_BASE = "https://kyvs.dev/problems/"
# C0 and C1 controls (an ESC starts a terminal escape sequence) and the bidirectional overrides
# and isolates that can make a line read otherwise than it is. ZWJ and ZWNJ stay: Indic names
# need them.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(value: object) -> str:
    """`value` with its control characters replaced by U+FFFD, for a terminal."""
    return _UNPRINTABLE.sub("\ufffd", str(value))


def shown(value: object) -> str:
    """`value` as Rich may print it: printable, and with brackets that Rich prints as they are
    instead of reading them as markup (names, notes and texts come from outside)."""
    return escape(printable(value))


def print_json(data: Any) -> None:
    """Print `data` as JSON on stdout (dates as ISO strings, non-ASCII kept readable)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn domain and settings errors into a clear message (or a JSON problem) and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except DomainError as error:
            fail(error.slug, error.title, error.detail, json_mode=bool(kwargs.get("json_output")))
        except ValidationError as error:
            detail = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in error.errors())
            fail(
                "invalid-settings",
                "Invalid settings",
                detail,
                json_mode=bool(kwargs.get("json_output")),
            )
        raise AssertionError("unreachable")  # pragma: no cover

    return wrapper


def fail(slug: str, title: str, detail: str, *, json_mode: bool, code: int = 1) -> NoReturn:
    """Report a problem (a red line on stderr, or a JSON problem on stdout) and exit `code`."""
    if json_mode:
        print_json({"type": PROBLEM_BASE + slug, "title": title, "detail": detail})
    else:
        errors.print(f"[bold red]Error:[/] {shown(detail)}", highlight=False)
    raise typer.Exit(code=code)
