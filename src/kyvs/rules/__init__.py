"""The packaged rule data: the vaccine catalogue, the status rules and the access vocabulary."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from kyvs.domain.access import AccessCatalogue
from kyvs.domain.rules import RuleSet
from kyvs.domain.vaccines import Catalogue


def _read(name: str) -> dict[str, object]:
    return tomllib.loads(resources.files(__name__).joinpath(name).read_text(encoding="utf-8"))


@cache
def load_catalogue() -> Catalogue:
    """The packaged vaccine catalogue (read once per process)."""
    return Catalogue.from_mapping(_read("catalogue.toml"))


@cache
def load_rule_set() -> RuleSet:
    """The packaged status rule set over the packaged catalogue (read once per process)."""
    return RuleSet.from_mapping(_read("status_rules.toml"), load_catalogue())


@cache
def load_access_catalogue() -> AccessCatalogue:
    """The packaged provider categories, purposes and scopes (read once per process)."""
    return AccessCatalogue.from_mapping(_read("access.toml"))
