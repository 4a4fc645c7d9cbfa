"""Providers' access vocabulary: categories, purposes and scopes, loaded from data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kyvs.domain.errors import InvalidInput

STATUS_SCOPE = "status"


@dataclass(frozen=True, slots=True)
class Purpose:
    """Why a provider checks a status; its label is named in the SMS the citizen gets."""

    code: str
    label: str


@dataclass(frozen=True)
class AccessCatalogue:
    """The categories, purposes and scopes an operator may give a provider."""

    version: str
    scopes: Mapping[str, str]
    categories: Mapping[str, str]
    purposes: Mapping[str, Purpose]

    def check_scopes(self, codes: Iterable[str]) -> frozenset[str]:
        """The scopes as a set (status always included), or `InvalidInput` naming unknown ones."""
        wanted = {c.strip().lower() for c in codes if c.strip()} | {STATUS_SCOPE}
        return frozenset(self._known(wanted, self.scopes, "scope"))

    def check_purposes(self, codes: Iterable[str]) -> frozenset[str]:
        """The purposes as a set, at least one, or `InvalidInput` naming unknown ones."""
        wanted = {c.strip().lower() for c in codes if c.strip()}
        if not wanted:
            raise InvalidInput("Give at least one purpose.")
        return frozenset(self._known(wanted, self.purposes, "purpose"))

    def check_category(self, code: str) -> str:
        """The category code, or `InvalidInput` listing the known ones."""
        return next(iter(self._known({code.strip().lower()}, self.categories, "category")))

    @staticmethod
    def _known(wanted: set[str], known: Mapping[str, object], what: str) -> set[str]:
        unknown = sorted(wanted - set(known))
        if unknown:
            raise InvalidInput(
                f"Unknown {what} {', '.join(unknown)}; known: {', '.join(sorted(known))}."
            )
        return wanted

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> AccessCatalogue:
        """Build the catalogue from its data file's contents."""
        return cls(
            version=str(data["version"]),
            scopes={s["code"]: s["description"] for s in data["scopes"]},
            categories={c["code"]: c["name"] for c in data["categories"]},
            purposes={p["code"]: Purpose(p["code"], p["label"]) for p in data["purposes"]},
        )
