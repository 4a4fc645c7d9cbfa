"""Bulk loading with a progress bar on stderr (stdout stays clean for `--json`)."""

from __future__ import annotations

from collections.abc import Iterable

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from kyvs.bootstrap import Container
from kyvs.cli.output import errors
from kyvs.services.importing.load import LoadReport, load_registrations
from kyvs.services.importing.outcomes import RowOutcome


def load_with_progress(
    c: Container, outcomes: Iterable[RowOutcome], *, total: int | None, quiet: bool
) -> LoadReport:
    """Load parsed rows into the registry, showing rows done (and time left when known)."""
    columns = [
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, console=errors, disable=quiet, transient=False) as progress:
        task = progress.add_task("Loading", total=total)
        return load_registrations(
            outcomes,
            registry=c.registry,
            max_per_mobile=c.settings.max_people_per_mobile,
            progress=lambda n: progress.advance(task, n),
        )
