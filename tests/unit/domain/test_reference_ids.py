"""Beneficiary reference ids: 14 digits whose Verhoeff check digit catches typos."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import verhoeff

from kyvs.domain import reference_ids
from kyvs.domain.errors import InvalidInput

BODIES = ["1234567890123", "8000000000000", "9999999999999", "1020304050607", "5555555555555"]
IDS = [reference_ids.make(body) for body in BODIES]


@pytest.mark.parametrize(
    ("body", "check"),
    [
        pytest.param("236", "3", id="verhoeff-textbook-236"),
        pytest.param("12345", "1", id="verhoeff-textbook-12345"),
        pytest.param("142857", "0", id="verhoeff-textbook-142857"),
        pytest.param("0", "4", id="single-zero"),
    ],
)
def test_the_check_digit_is_verhoeffs(body: str, check: str) -> None:
    assert reference_ids.check_digit(body) == check


@pytest.mark.parametrize("ref", IDS, ids=IDS)
def test_a_made_id_has_14_digits_and_is_valid(ref: str) -> None:
    assert len(ref) == reference_ids.LENGTH == 14
    assert ref.isdigit()
    assert reference_ids.is_valid(ref)


@pytest.mark.parametrize("ref", IDS, ids=IDS)
def test_every_single_digit_typo_is_caught(ref: str) -> None:
    for position in range(len(ref)):
        for digit in "0123456789":
            if digit != ref[position]:
                typo = ref[:position] + digit + ref[position + 1 :]
                assert not reference_ids.is_valid(typo), typo


@pytest.mark.parametrize("ref", IDS, ids=IDS)
def test_every_adjacent_transposition_is_caught(ref: str) -> None:
    for position in range(len(ref) - 1):
        a, b = ref[position], ref[position + 1]
        if a != b:
            swapped = ref[:position] + b + a + ref[position + 2 :]
            assert not reference_ids.is_valid(swapped), swapped


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("123456789012", id="twelve-digits"),
        pytest.param("12345678901234", id="fourteen-digits"),
        pytest.param("12345678901a3", id="a-letter"),
        pytest.param("", id="empty"),
    ],
)
def test_make_needs_a_13_digit_body(body: str) -> None:
    with pytest.raises(ValueError, match="13 digits"):
        reference_ids.make(body)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        pytest.param(IDS[0], IDS[0], id="as-issued"),
        pytest.param(f"{IDS[0][:4]} {IDS[0][4:9]} {IDS[0][9:]}", IDS[0], id="with-spaces"),
        pytest.param(f"{IDS[0][:4]}-{IDS[0][4:9]}-{IDS[0][9:]}", IDS[0], id="with-dashes"),
        pytest.param(f" {IDS[1]} ", IDS[1], id="surrounding-spaces"),
    ],
)
def test_parse_accepts_spaces_and_dashes(typed: str, expected: str) -> None:
    assert reference_ids.parse(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("", id="empty"),
        pytest.param(IDS[0][:-1], id="thirteen-digits"),
        pytest.param(IDS[0] + "0", id="fifteen-digits"),
        pytest.param(IDS[0][:-1] + str((int(IDS[0][-1]) + 1) % 10), id="wrong-check-digit"),
        pytest.param(IDS[0][:5] + "x" + IDS[0][6:], id="a-letter"),
        pytest.param(IDS[0][:5] + "." + IDS[0][5:], id="a-dot"),
        pytest.param("\u0661" * 14, id="non-ascii-digits"),
    ],
)
def test_parse_refuses_anything_else(typed: str) -> None:
    assert not reference_ids.is_valid(typed)
    with pytest.raises(InvalidInput):
        reference_ids.parse(typed)


@pytest.mark.parametrize(
    "digits",
    [
        pytest.param("0" * 13, id="zeros"),
        pytest.param("8" + "1" * 12, id="leading-8"),
        pytest.param("9" * 13, id="nines"),
        pytest.param("7" * 20, id="more-than-13"),
    ],
)
def test_a_random_id_never_starts_like_a_derived_or_synthetic_one(digits: str) -> None:
    ref = reference_ids.from_random_digits(digits)
    assert reference_ids.is_valid(ref)
    assert ref[0] in "1234567"
    assert ref[1:13] == digits[1:13]


def test_a_derived_id_is_stable_and_valid() -> None:
    first = reference_ids.derived("import-2021", "Asha Devi", "1970")
    assert first == reference_ids.derived("import-2021", "Asha Devi", "1970")
    assert reference_ids.is_valid(first)
    assert first.startswith("8")


@pytest.mark.parametrize(
    ("parts", "other"),
    [
        pytest.param(("a", "b"), ("a", "c"), id="a-different-part"),
        pytest.param(("ab", "c"), ("a", "bc"), id="parts-joined-differently"),
        pytest.param(("a",), ("a", ""), id="an-extra-empty-part"),
    ],
)
def test_different_records_derive_different_ids(
    parts: tuple[str, ...], other: tuple[str, ...]
) -> None:
    assert reference_ids.derived(*parts) != reference_ids.derived(*other)


def test_synthetic_ids_are_unique_within_a_seed_and_marked_with_9() -> None:
    refs = [reference_ids.synthetic(7, index) for index in range(5000)]
    assert len(set(refs)) == len(refs)
    assert all(ref.startswith("9") and reference_ids.is_valid(ref) for ref in refs)


def test_synthetic_ids_are_reproducible_from_the_seed() -> None:
    assert reference_ids.synthetic(7, 42) == reference_ids.synthetic(7, 42)
    assert reference_ids.synthetic(7, 42) != reference_ids.synthetic(8, 42)


def test_synthetic_ids_stop_at_a_billion_per_seed() -> None:
    assert reference_ids.is_valid(reference_ids.synthetic(1, 10**9 - 1))
    with pytest.raises(ValueError, match="billion"):
        reference_ids.synthetic(1, 10**9)


# Checked against an independent implementation: python-stdnum's Verhoeff.
BODY = st.text(alphabet="0123456789", min_size=13, max_size=13)


@settings(max_examples=3000)
@given(BODY)
def test_the_check_digit_agrees_with_stdnum(body: str) -> None:
    assert reference_ids.make(body) == body + verhoeff.calc_check_digit(body)


@settings(max_examples=1000)
@given(st.text(alphabet="0123456789", min_size=14, max_size=14))
def test_validity_agrees_with_stdnum(text: str) -> None:
    assert reference_ids.is_valid(text) == verhoeff.is_valid(text)


@settings(max_examples=3000)
@given(BODY)
def test_every_adjacent_transposition_of_a_random_id_is_caught(body: str) -> None:
    ref = reference_ids.make(body)
    for position in range(len(ref) - 1):
        a, b = ref[position], ref[position + 1]
        if a != b:
            assert not reference_ids.is_valid(ref[:position] + b + a + ref[position + 2 :])


def _id_with(position: int, a: str, b: str) -> str:
    """A valid id whose digits at `position` and `position + 1` are `a` and `b`."""
    if position + 1 < reference_ids.LENGTH - 1:
        body = "0" * position + a + b
        return reference_ids.make(body + "0" * (13 - len(body)))
    # `b` is the check digit: the first digit that makes it so (changing one digit of the
    # body changes the check digit, so exactly one of the ten does).
    return next(
        ref for first in "0123456789" if (ref := reference_ids.make(first + "0" * 11 + a))[-1] == b
    )


def test_every_adjacent_transposition_of_every_digit_pair_is_caught_at_every_position() -> None:
    for position in range(reference_ids.LENGTH - 1):
        for a, b in itertools.permutations("0123456789", 2):
            ref = _id_with(position, a, b)
            swapped = ref[:position] + b + a + ref[position + 2 :]
            assert not reference_ids.is_valid(swapped), (ref, position)
