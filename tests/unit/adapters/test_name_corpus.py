"""The name corpus: one person in six scripts and many spellings, and the people who are not them.

Each case in tests/fixtures/names/corpus.toml is checked with `match_one`, the function the
verifier calls, and the real `indic_to_latin`; each family is a mobile shared by people who must
never be taken for one another.
"""

from __future__ import annotations

import itertools
import tomllib
from pathlib import Path
from typing import Any

import pytest

from kyvs.adapters.transliteration import indic_to_latin
from kyvs.domain.names import match_one
from kyvs.domain.people import clean_full_name

CORPUS = Path(__file__).parents[2] / "fixtures" / "names" / "corpus.toml"
_DATA: dict[str, Any] = tomllib.loads(CORPUS.read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = _DATA["case"]
FAMILIES: list[list[str]] = [family["names"] for family in _DATA["family"]]


def _case_id(index: int, case: dict[str, Any]) -> str:
    return f"{index:03d}-{case['typed']}"


@pytest.mark.parametrize(
    "case", [pytest.param(case, id=_case_id(i, case)) for i, case in enumerate(CASES)]
)
def test_corpus_case(case: dict[str, Any]) -> None:
    typed = clean_full_name(case["typed"])
    found = match_one(typed, [("them", case["registered"])], indic_to_latin)
    assert (found == "them") is case["match"], case["why"]


def test_corpus_is_large_and_covers_both_outcomes() -> None:
    negatives = [case for case in CASES if not case["match"]]
    assert len(CASES) >= 150
    assert len(negatives) >= 50
    assert all(case["why"].strip() for case in CASES)


@pytest.mark.parametrize("family", [pytest.param(names, id=names[0]) for names in FAMILIES])
def test_no_family_member_is_taken_for_another(family: list[str]) -> None:
    for typed, other in itertools.permutations(family, 2):
        found = match_one(clean_full_name(typed), [("other", other)], indic_to_latin)
        assert found is None, f"{typed!r} matched {other!r}, a different person on one mobile"


@pytest.mark.parametrize("family", [pytest.param(names, id=names[0]) for names in FAMILIES])
def test_each_family_member_is_found_by_their_own_name(family: list[str]) -> None:
    household = list(enumerate(family))
    for index, name in household:
        assert match_one(clean_full_name(name), household, indic_to_latin) == index, name
