"""Bulk-loading parsed rows into the registry, batch by batch, with a report of what happened."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from kyvs.domain.people import Registration
from kyvs.ports import Registry
from kyvs.services.importing.outcomes import ParsedRow, RowError, RowOutcome


@dataclass
class LoadReport:
    """What a load did: rows seen, people imported or already present, doses added, rows refused."""

    rows: int = 0
    imported: int = 0
    already_present: int = 0
    doses_added: int = 0
    errors: list[RowError] = field(default_factory=list)


def load_registrations(
    outcomes: Iterable[RowOutcome],
    *,
    registry: Registry,
    max_per_mobile: int,
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> LoadReport:
    """Store every acceptable row; report the others in file order.

    People already in the registry are not changed, but their doses that the registry lacks are
    added; a row whose reference id is registered to another name or mobile is refused (its
    doses would land on the wrong person). A new person is refused when their mobile already
    holds `max_per_mobile` people, and a row is refused when an earlier row of the same load has
    its reference id. `progress` is called after each batch with the number of rows it handled.
    """
    if batch_size < 1:
        raise ValueError("batch_size is at least 1")
    report = LoadReport()
    seen: set[int] = set()  # reference ids as ints: about half the memory of strings
    for batch in _batches(outcomes, batch_size):
        _load_batch(batch, registry=registry, cap=max_per_mobile, seen=seen, report=report)
        if progress is not None:
            progress(len(batch))
    return report


def registrations_as_outcomes(registrations: Iterable[Registration]) -> Iterator[ParsedRow]:
    """Registrations made elsewhere (the synthetic generator) as parsed rows numbered from 1."""
    for line, registration in enumerate(registrations, start=1):
        yield ParsedRow(line, registration)


def _batches(outcomes: Iterable[RowOutcome], size: int) -> Iterator[list[RowOutcome]]:
    it = iter(outcomes)
    while batch := list(islice(it, size)):
        yield batch


def _load_batch(
    batch: list[RowOutcome],
    *,
    registry: Registry,
    cap: int,
    seen: set[int],
    report: LoadReport,
) -> None:
    refused: dict[int, RowError] = {}  # position in the batch → error, to keep file order
    rows: list[tuple[int, ParsedRow]] = []
    for position, outcome in enumerate(batch):
        if isinstance(outcome, RowError):
            refused[position] = outcome
        elif (key := int(outcome.registration.beneficiary.reference_id)) in seen:
            ref = outcome.registration.beneficiary.reference_id_masked
            reason = f"reference_id: {ref} is already used by an earlier row of this load"
            refused[position] = RowError(outcome.line, reason, outcome.where)
        else:
            seen.add(key)
            rows.append((position, outcome))
    accepted = _within_mobile_cap(rows, registry, cap, refused, report)
    if accepted:
        counts = registry.write_many(accepted)
        report.imported += counts.beneficiaries
        report.doses_added += counts.doses
    report.rows += len(batch)
    report.errors.extend(refused[position] for position in sorted(refused))


def _within_mobile_cap(
    rows: list[tuple[int, ParsedRow]],
    registry: Registry,
    cap: int,
    refused: dict[int, RowError],
    report: LoadReport,
) -> list[Registration]:
    """What to write: people already present, and new people whose mobile has room."""
    if not rows:
        return []
    present = registry.existing([row.registration.beneficiary.reference_id for _, row in rows])
    new_mobiles = {
        row.registration.beneficiary.mobile.national
        for _, row in rows
        if row.registration.beneficiary.reference_id not in present
    }
    held = dict(registry.count_on_mobiles(new_mobiles)) if new_mobiles else {}
    accepted: list[Registration] = []
    for position, row in rows:
        person = row.registration.beneficiary
        if (registered := present.get(person.reference_id)) is not None:
            if registered != (person.full_name, person.mobile.national):
                ref = person.reference_id_masked
                reason = (
                    f"reference_id: {ref} is registered to another person (the name or mobile "
                    "differ); correct the row, or the registry with `kyvs registry add`"
                )
                refused[position] = RowError(row.line, reason, row.where)
                continue
            report.already_present += 1
        elif (count := held.get(person.mobile.national, 0)) >= cap:
            held_by = f"{person.mobile.masked} already holds {count} people"
            reason = f"mobile: {held_by} (the most a mobile may hold)"
            refused[position] = RowError(row.line, reason, row.where)
            continue
        else:
            held[person.mobile.national] = count + 1
        accepted.append(row.registration)
    return accepted
