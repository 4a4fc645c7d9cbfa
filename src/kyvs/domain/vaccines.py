"""The vaccine catalogue: which vaccines exist and the names and codes that mean each."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kyvs.domain.errors import UnknownVaccine

_NOT_ALNUM = re.compile(r"[^0-9A-Z]")


def _key(text: str) -> str:
    return _NOT_ALNUM.sub("", text.upper())


@dataclass(frozen=True, slots=True)
class Vaccine:
    """One vaccine product."""

    code: str
    name: str
    manufacturer: str
    aliases: tuple[str, ...] = ()
    codings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    """The vaccines the registry knows, looked up by code, name, alias or FHIR coding."""

    version: str
    effective_date: dt.date
    vaccines: tuple[Vaccine, ...]

    def __post_init__(self) -> None:
        by_key: dict[str, Vaccine] = {}
        by_coding: dict[str, Vaccine] = {}
        for vaccine in self.vaccines:
            for word in (vaccine.code, vaccine.name, *vaccine.aliases):
                by_key[_key(word)] = vaccine
            for coding in vaccine.codings:
                by_coding[coding] = vaccine
        object.__setattr__(self, "_by_key", by_key)
        object.__setattr__(self, "_by_coding", by_coding)

    @property
    def codes(self) -> tuple[str, ...]:
        """Every vaccine code, in catalogue order."""
        return tuple(v.code for v in self.vaccines)

    def find(self, text: str) -> Vaccine:
        """The vaccine a code, name or alias means (case, spaces and punctuation ignored)."""
        by_key: dict[str, Vaccine] = self.__dict__["_by_key"]
        vaccine = by_key.get(_key(text))
        if vaccine is None:
            shown = text if len(text) <= 40 else text[:40] + "…"  # a huge cell is not echoed
            raise UnknownVaccine(
                f"Unknown vaccine {shown!r}; known vaccines: {', '.join(self.codes)}."
            )
        return vaccine

    def find_coding(self, codings: Iterable[tuple[str, str]]) -> Vaccine:
        """The vaccine for the first FHIR (system, code) pair the catalogue knows."""
        by_coding: dict[str, Vaccine] = self.__dict__["_by_coding"]
        seen = []
        for system, code in codings:
            vaccine = by_coding.get(f"{system}|{code}")
            if vaccine is not None:
                return vaccine
            seen.append(f"{system}|{code}")
        raise UnknownVaccine(f"No known vaccine among the codings {', '.join(seen) or '(none)'}.")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Catalogue:
        """Build the catalogue from its data file's contents."""
        vaccines = tuple(
            Vaccine(
                code=item["code"],
                name=item["name"],
                manufacturer=item.get("manufacturer", ""),
                aliases=tuple(item.get("aliases", ())),
                codings=tuple(item.get("codings", ())),
            )
            for item in data["vaccines"]
        )
        return cls(
            version=str(data["version"]),
            effective_date=as_date(data["effective_date"]),
            vaccines=vaccines,
        )


def as_date(value: Any) -> dt.date:
    """A date from a TOML date or an ISO string."""
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
