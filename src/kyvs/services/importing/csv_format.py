"""Registry rows from CSV: one person per row, with up to nine doses in `dose{n}_*` columns."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import TextIO

from kyvs.domain import reference_ids
from kyvs.domain.doses import Dose, DoseKind
from kyvs.domain.errors import InvalidInput
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.people import Gender, PhotoId, check_birth_year, clean_full_name
from kyvs.domain.vaccines import Catalogue
from kyvs.services.importing._common import (
    Draft,
    Problems,
    check_dose_date,
    parse_iso_date,
    shown,
)
from kyvs.services.importing.outcomes import RowError, RowOutcome

MAX_DOSES = 9
REQUIRED = ("full_name", "birth_year", "gender", "mobile")
PERSON_COLUMNS = ("reference_id", *REQUIRED, "id_type", "id_number")
DOSE_FIELDS = ("vaccine", "date", "kind", "centre", "batch")
COLUMNS = frozenset(PERSON_COLUMNS) | {
    f"dose{n}_{name}" for n in range(1, MAX_DOSES + 1) for name in DOSE_FIELDS
}
_VACCINE_COLUMNS = tuple((n, f"dose{n}_vaccine") for n in range(1, MAX_DOSES + 1))


def parse_csv(stream: TextIO, *, catalogue: Catalogue, current_year: int) -> Iterator[RowOutcome]:
    """One outcome per non-blank data row, in file order; `line` is the row's first physical line.

    A header problem (empty file, missing or unknown columns) yields one `RowError`, nothing else.
    """
    rows = _physical_rows(stream)
    for line, cells in rows:
        if isinstance(cells, str):
            yield RowError(line, cells)
            return
        if _is_blank(cells):
            continue
        columns = _read_header(cells)
        if isinstance(columns, str):
            yield RowError(line, columns)
            return
        yield from _data_rows(rows, columns, catalogue=catalogue, current_year=current_year)
        return
    yield RowError(1, "The file is empty; it needs a header row naming the columns.")


def _data_rows(
    rows: Iterator[tuple[int, list[str] | str]],
    columns: Mapping[str, int],
    *,
    catalogue: Catalogue,
    current_year: int,
) -> Iterator[RowOutcome]:
    for line, cells in rows:
        if isinstance(cells, str):
            yield RowError(line, cells)
        elif not _is_blank(cells):
            yield _parse_row(line, cells, columns, catalogue=catalogue, current_year=current_year)


def _physical_rows(stream: TextIO) -> Iterator[tuple[int, list[str] | str]]:
    """(first line, cells) per CSV record, or (line, reason) for a record the reader refused."""
    reader = csv.reader(_without_bom(stream))
    start = 1
    while True:
        try:
            cells: list[str] | str = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            cells = f"The line is not valid CSV ({error})."
        except UnicodeDecodeError:
            yield start, "The file is not UTF-8 text."
            return
        yield start, cells
        start = reader.line_num + 1


def _without_bom(lines: Iterable[str]) -> Iterator[str]:
    first = True
    for line in lines:
        yield line.removeprefix("\ufeff") if first else line
        first = False


def _is_blank(cells: list[str]) -> bool:
    return all(not cell.strip() for cell in cells)


def _read_header(cells: list[str]) -> dict[str, int] | str:
    """Column name → position, or the reason the header row is unusable."""
    names = [cell.strip().lower() for cell in cells]
    problems = _header_problems(names)
    if problems:
        return "Header row: " + "; ".join(problems) + "."
    return {name: i for i, name in enumerate(names)}


def _header_problems(names: list[str]) -> list[str]:
    present = Counter(names)
    problems = []
    if unknown := list(dict.fromkeys(shown(name) for name in names if name not in COLUMNS)):
        problems.append(f"unknown column(s) {_listed(unknown)}")
    if repeated := sorted(name for name, times in present.items() if times > 1):
        problems.append(f"repeated column(s) {_listed(repeated)}")
    if missing := [name for name in REQUIRED if name not in present]:
        problems.append(f"missing required column(s) {', '.join(missing)}")
    if ("id_type" in present) != ("id_number" in present):
        problems.append("id_type and id_number come together")
    for n in range(1, MAX_DOSES + 1):
        dose_columns = {f"dose{n}_{name}" for name in DOSE_FIELDS} & present.keys()
        if dose_columns and not {f"dose{n}_vaccine", f"dose{n}_date"} <= dose_columns:
            problems.append(f"dose{n}_vaccine and dose{n}_date come together")
    return problems


def _listed(names: list[str], most: int = 10) -> str:
    """Names joined by commas, cut short so a garbled header cannot flood the report."""
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return ", ".join(names[:most]) + more


def _parse_row(
    line: int,
    cells: list[str],
    columns: Mapping[str, int],
    *,
    catalogue: Catalogue,
    current_year: int,
) -> RowOutcome:
    if len(cells) != len(columns):
        return RowError(line, f"The row has {len(cells)} cells; the header has {len(columns)}.")
    values = {name: cells[i].strip() for name, i in columns.items()}
    draft = Draft()
    _read_person(draft, values, current_year=current_year)
    for n, vaccine_column in _VACCINE_COLUMNS:
        if vaccine_column not in values:  # the header has no columns for this dose
            continue
        dose = _read_dose(draft.problems, values, n, catalogue=catalogue, current_year=current_year)
        if dose is not None:
            draft.doses.append(dose)
    return draft.outcome(line, birth_label="birth_year")


def _read_person(draft: Draft, values: Mapping[str, str], *, current_year: int) -> None:
    check = draft.problems.check
    if ref := values.get("reference_id", ""):
        draft.reference_id = check("reference_id", lambda: reference_ids.parse(ref))
    draft.full_name = check("full_name", lambda: clean_full_name(values["full_name"]))
    draft.birth_year = check("birth_year", lambda: _year(values["birth_year"], current_year))
    draft.gender = check("gender", lambda: Gender.parse(values["gender"]))
    draft.mobile = check("mobile", lambda: MobileNumber.parse(values["mobile"]))
    kind, number = values.get("id_type", ""), values.get("id_number", "")
    if kind and number:
        draft.photo_id = check("id_type/id_number", lambda: PhotoId.parse(kind, number))
    elif kind or number:
        draft.problems.add("id_type/id_number", "give both the photo-ID type and number or neither")


def _year(text: str, current_year: int) -> int:
    if not (len(text) == 4 and text.isascii() and text.isdigit()):
        raise InvalidInput(f"{shown(text)} is not a year (four digits).")
    return check_birth_year(int(text), current_year=current_year)


def _read_dose(
    problems: Problems,
    values: Mapping[str, str],
    n: int,
    *,
    catalogue: Catalogue,
    current_year: int,
) -> Dose | None:
    """Dose `n` from its columns: None when they are all empty or when one was refused."""
    cell = {name: values.get(f"dose{n}_{name}", "") for name in DOSE_FIELDS}
    if not any(cell.values()):
        return None
    found = len(problems.items)
    for name in ("vaccine", "date"):
        if not cell[name]:
            problems.add(f"dose{n}_{name}", "missing; a dose needs both a vaccine and a date")
    vaccine = date = None
    if cell["vaccine"]:
        vaccine = problems.check(f"dose{n}_vaccine", lambda: catalogue.find(cell["vaccine"]).code)
    if cell["date"]:
        date = problems.check(
            f"dose{n}_date",
            lambda: check_dose_date(parse_iso_date(cell["date"]), current_year=current_year),
        )
    kind = problems.check(f"dose{n}_kind", lambda: DoseKind.parse(cell["kind"] or "primary"))
    if len(problems.items) > found or vaccine is None or date is None or kind is None:
        return None
    return problems.check(
        f"dose{n}",
        lambda: Dose(vaccine, n, kind, date, centre=cell["centre"], batch=cell["batch"]),
    )
