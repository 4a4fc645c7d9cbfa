"""The synthetic registry: reproducible, streaming, and shaped like India's registry of 2021-22."""

from __future__ import annotations

import datetime as dt
import itertools
import time
import unicodedata
from collections import Counter, defaultdict
from typing import TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyvs.domain import reference_ids
from kyvs.domain.doses import DoseKind
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.people import Registration, clean_full_name
from kyvs.domain.rules import RuleSet
from kyvs.domain.status import StatusCode, status_of
from kyvs.rules import load_rule_set
from kyvs.services.synth import generate
from kyvs.services.synth_names import Mobiles, ReferenceIds, name_pools

K = TypeVar("K")
END_2021 = dt.date(2021, 12, 31)
TOLERANCE = 0.02  # the brief: within two percentage points for 50,000 people


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rule_set()


@pytest.fixture(scope="module")
def people(rules: RuleSet) -> list[Registration]:
    return list(generate(50_000, seed=2021, rules=rules))


def shares(counts: Counter[K]) -> dict[K, float]:
    total = sum(counts.values())
    return {key: value / total for key, value in counts.items()}


def test_the_same_seed_gives_the_same_registry(rules):
    assert list(generate(3_000, seed=5, rules=rules)) == list(generate(3_000, seed=5, rules=rules))


def test_a_shorter_run_is_a_prefix_of_a_longer_one(rules):
    longer = list(generate(300, seed=5, rules=rules))
    assert list(generate(100, seed=5, rules=rules)) == longer[:100]


def test_different_seeds_give_different_registries(rules):
    one = list(generate(1_000, seed=1, rules=rules))
    two = list(generate(1_000, seed=2, rules=rules))
    assert {r.beneficiary.reference_id for r in one}.isdisjoint(
        r.beneficiary.reference_id for r in two
    )
    assert {r.beneficiary.mobile for r in one}.isdisjoint(r.beneficiary.mobile for r in two)
    assert [r.beneficiary.full_name for r in one] != [r.beneficiary.full_name for r in two]


def test_reference_ids_are_the_seeds_synthetic_ids_in_order(people):
    ids = [r.beneficiary.reference_id for r in people]
    assert ids == [reference_ids.synthetic(2021, i) for i in range(len(people))]
    assert all(reference_ids.is_valid(i) for i in ids)


@given(seed=st.integers(-(10**6), 10**6), index=st.integers(0, 10**9 - 1))
def test_fast_reference_ids_equal_the_domain_ones(seed, index):
    assert ReferenceIds(seed)(index) == reference_ids.synthetic(seed, index)


def test_mobiles_are_valid_and_no_mobile_holds_more_than_the_maximum(people):
    per_mobile = Counter(r.beneficiary.mobile for r in people)
    assert all(MobileNumber.parse(m.national) == m for m in per_mobile)
    assert max(per_mobile.values()) == 6
    assert shares(Counter(per_mobile.values()))[1] == pytest.approx(0.45, abs=TOLERANCE)


@pytest.mark.parametrize("max_per_mobile", [1, 3])
def test_max_per_mobile_caps_households(rules, max_per_mobile):
    registry = generate(5_000, seed=9, rules=rules, max_per_mobile=max_per_mobile)
    per_mobile = Counter(r.beneficiary.mobile for r in registry)
    assert max(per_mobile.values()) == max_per_mobile


def test_a_household_shares_a_mobile_and_mostly_a_surname(people):
    households: dict[MobileNumber, list[int]] = defaultdict(list)
    for index, registration in enumerate(people):
        households[registration.beneficiary.mobile].append(index)
    for members in households.values():
        assert members == list(range(members[0], members[0] + len(members)))  # one household
    surnames = [
        {people[i].beneficiary.full_name.split()[-1] for i in members}
        for members in households.values()
        if len(members) > 1
    ]
    assert sum(len(names) == 1 for names in surnames) / len(surnames) > 0.5


def test_mobiles_are_distinct_for_every_household_a_seed_can_have():
    mobiles = Mobiles(seed=3)
    households = [*range(20_000), *range(Mobiles.MAX_HOUSEHOLDS - 20_000, Mobiles.MAX_HOUSEHOLDS)]
    numbers = {mobiles(h).national for h in households}
    assert len(numbers) == len(households)
    with pytest.raises(ValueError, match="at most"):
        mobiles(Mobiles.MAX_HOUSEHOLDS)


def test_status_mix_at_the_end_of_2021(people, rules):
    codes = Counter(status_of(r.doses, rules, END_2021).code for r in people)
    mix = shares(codes)
    assert mix[StatusCode.NOT_VACCINATED] == pytest.approx(0.15, abs=TOLERANCE)
    assert mix[StatusCode.PARTIALLY_VACCINATED] == pytest.approx(0.35, abs=TOLERANCE)
    assert mix[StatusCode.FULLY_VACCINATED] == pytest.approx(0.50, abs=TOLERANCE)


def test_a_fifth_of_the_fully_vaccinated_show_a_precaution_dose_today(people, rules):
    fully = [r for r in people if status_of(r.doses, rules, END_2021).code == 2]
    today = [status_of(r.doses, rules, dt.date.today()) for r in fully]
    assert sum(s.precaution for s in today) / len(fully) == pytest.approx(0.2, abs=TOLERANCE)
    boosters = [d for r in fully for d in r.doses if d.kind is DoseKind.PRECAUTION]
    assert all(dt.date(2022, 1, 10) <= d.date <= dt.date(2022, 12, 31) for d in boosters)
    assert not any(w.code.startswith("precaution") for s in today for w in s.warnings)


def test_vaccine_shares(people):
    first_doses = Counter(r.doses[0].vaccine for r in people if r.doses)
    mix = shares(first_doses)
    assert mix["COVISHIELD"] == pytest.approx(0.88, abs=TOLERANCE)
    assert mix["COVAXIN"] == pytest.approx(0.11, abs=TOLERANCE)


def test_about_one_percent_of_second_doses_come_too_early(people, rules):
    second = [r for r in people if len(r.doses) >= 2]
    warned = sum(
        any(w.code == "interval-too-short" for w in status_of(r.doses, rules, END_2021).warnings)
        for r in second
    )
    assert 0.005 < warned / len(second) < 0.015


def test_every_dose_respects_its_vaccines_rollout(people, rules):
    for registration in people:
        for dose in registration.doses:
            schedule = rules.schedule(dose.vaccine, dt.date.min)
            assert schedule is not None
            assert dose.date >= schedule.effective_from


def test_doses_are_numbered_in_date_order_with_the_booster_last(people):
    for registration in people:
        doses = registration.doses
        assert [d.dose_number for d in doses] == list(range(1, len(doses) + 1))
        assert [d.date for d in doses] == sorted(d.date for d in doses)
        assert all(d.kind is DoseKind.PRIMARY for d in doses[:-1])


def test_teens_had_covaxin_or_corbevax_in_2022_only(people):
    teens = [r for r in people if r.beneficiary.birth_year >= 2004]
    assert 0.01 < len(teens) / len(people) < 0.05
    assert all(2004 <= r.beneficiary.birth_year <= 2009 for r in teens)
    doses = [d for r in teens for d in r.doses]
    assert {d.vaccine for d in doses} == {"COVAXIN", "CORBEVAX"}
    assert all(d.date.year == 2022 for d in doses)
    assert all(1940 <= r.beneficiary.birth_year <= 2009 for r in people)


def test_names_are_clean_and_some_are_in_devanagari_and_gujarati(people):
    names = [r.beneficiary.full_name for r in people]
    assert all(clean_full_name(name) == name for name in names)
    assert all(2 <= len(name.split()) <= 3 for name in names)

    def in_block(name: str, low: int, high: int) -> bool:
        return all(low <= ord(ch) <= high for ch in name.replace(" ", ""))

    devanagari = sum(in_block(n, 0x0900, 0x097F) for n in names)
    gujarati = sum(in_block(n, 0x0A80, 0x0AFF) for n in names)
    latin = sum(n.isascii() for n in names)
    assert devanagari + gujarati + latin == len(names)
    assert (devanagari + gujarati) / len(names) == pytest.approx(0.08, abs=TOLERANCE)
    assert gujarati / len(names) == pytest.approx(0.08 / 3, abs=0.01)


def test_genders_and_photo_ids(people):
    genders = shares(Counter(r.beneficiary.gender.value for r in people))
    assert genders["M"] == pytest.approx(0.495, abs=TOLERANCE)
    assert 0 < genders["O"] < 0.02
    photo_ids = [r.beneficiary.photo_id for r in people]
    kinds = shares(Counter(p.kind.value if p else None for p in photo_ids))
    assert kinds["AADHAAR"] == pytest.approx(0.80, abs=TOLERANCE)
    assert kinds[None] == pytest.approx(0.04, abs=TOLERANCE)
    aadhaar = [p.number for p in photo_ids if p and p.kind.value == "AADHAAR"]
    assert all(len(n) == 12 and n.isdigit() and n[0] not in "01" for n in aadhaar)
    pan = [p.number for p in photo_ids if p and p.kind.value == "PAN"]
    assert all(n[:5].isalpha() and n[3] == "P" and n[5:9].isdigit() for n in pan)


def test_generation_streams(rules):
    started = time.perf_counter()
    first = list(itertools.islice(generate(10**9, seed=1, rules=rules), 5))
    assert len(first) == 5
    assert time.perf_counter() - started < 2


def test_bad_arguments_are_refused_at_once(rules):
    with pytest.raises(ValueError, match="count"):
        generate(-1, seed=1, rules=rules)
    with pytest.raises(ValueError, match="max_per_mobile"):
        generate(10, seed=1, rules=rules, max_per_mobile=0)
    assert list(generate(0, seed=1, rules=rules)) == []


def test_every_pooled_name_is_one_nfc_word_that_starts_with_a_letter():
    for pool in name_pools().values():
        assert min(len(pool.male), len(pool.female), len(pool.last)) >= 25
        for name in (*pool.male, *pool.female, *pool.last):
            assert name == "".join(name.split())
            assert unicodedata.is_normalized("NFC", name)
            assert unicodedata.category(name[0]).startswith("L")
