"""The vaccine catalogue: every name, code, alias and FHIR coding that means a vaccine."""

from __future__ import annotations

import datetime as dt

import pytest

from kyvs.domain.errors import InvalidInput, UnknownVaccine
from kyvs.domain.vaccines import Catalogue, Vaccine, as_date
from kyvs.rules import load_catalogue, load_rule_set

CATALOGUE = load_catalogue()
CVX = "http://hl7.org/fhir/sid/cvx"
KYVS = "https://kyvs.dev/fhir/vaccine"


def test_the_catalogue_holds_the_vaccines_used_in_india_in_order() -> None:
    assert CATALOGUE.codes == (
        "COVISHIELD",
        "COVAXIN",
        "SPUTNIK-V",
        "SPUTNIK-LIGHT",
        "ZYCOV-D",
        "CORBEVAX",
        "COVOVAX",
        "JANSSEN",
        "MODERNA",
    )
    assert CATALOGUE.version == "2023.01"
    assert CATALOGUE.effective_date == dt.date(2023, 1, 16)


def test_the_rule_set_has_a_primary_schedule_for_every_catalogue_vaccine() -> None:
    rules = load_rule_set()
    assert {s.vaccine for s in rules.primary} == set(CATALOGUE.codes)
    assert rules.catalogue is CATALOGUE


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        pytest.param("COVISHIELD", "COVISHIELD", id="code"),
        pytest.param("covishield", "COVISHIELD", id="code-lower-case"),
        pytest.param("Covishield", "COVISHIELD", id="name"),
        pytest.param("AZD1222", "COVISHIELD", id="covishield-alias"),
        pytest.param("vaxzevria", "COVISHIELD", id="covishield-alias-lower-case"),
        pytest.param("ChAdOx1 nCoV-19", "COVISHIELD", id="covishield-alias-punctuated"),
        pytest.param("Covishield (ChAdOx1 nCoV-19)", "COVISHIELD", id="covishield-long-name"),
        pytest.param("Covaxin", "COVAXIN", id="covaxin"),
        pytest.param("bbv152", "COVAXIN", id="covaxin-alias"),
        pytest.param("Sputnik V", "SPUTNIK-V", id="sputnik-v-name"),
        pytest.param("sputnik_v", "SPUTNIK-V", id="sputnik-v-underscore"),
        pytest.param("sputnikv", "SPUTNIK-V", id="sputnik-v-run-together"),
        pytest.param("Gam-COVID-Vac", "SPUTNIK-V", id="sputnik-v-alias"),
        pytest.param("Sputnik Light", "SPUTNIK-LIGHT", id="sputnik-light-name"),
        pytest.param("sputnik-light", "SPUTNIK-LIGHT", id="sputnik-light-code-lower"),
        pytest.param("ZyCoV-D", "ZYCOV-D", id="zycov-d-name"),
        pytest.param("zycovd", "ZYCOV-D", id="zycov-d-run-together"),
        pytest.param("Corbevax", "CORBEVAX", id="corbevax"),
        pytest.param("Covovax", "COVOVAX", id="covovax"),
        pytest.param("nvx-cov2373", "COVOVAX", id="covovax-alias"),
        pytest.param("Janssen", "JANSSEN", id="janssen"),
        pytest.param("Johnson & Johnson", "JANSSEN", id="janssen-alias"),
        pytest.param("j&j", "JANSSEN", id="janssen-j-and-j"),
        pytest.param("Janssen (Johnson & Johnson)", "JANSSEN", id="janssen-name"),
        pytest.param("Ad26.COV2.S", "JANSSEN", id="janssen-ad26"),
        pytest.param("Moderna", "MODERNA", id="moderna"),
        pytest.param("spikevax", "MODERNA", id="moderna-spikevax"),
        pytest.param("mRNA-1273", "MODERNA", id="moderna-mrna-1273"),
        pytest.param("  moderna  ", "MODERNA", id="surrounding-spaces"),
    ],
)
def test_find_takes_a_code_name_or_alias_in_any_case(typed: str, code: str) -> None:
    assert CATALOGUE.find(typed).code == code


@pytest.mark.parametrize("vaccine", CATALOGUE.vaccines, ids=CATALOGUE.codes)
def test_every_code_name_and_alias_finds_its_own_vaccine(vaccine: Vaccine) -> None:
    for word in (vaccine.code, vaccine.name, *vaccine.aliases):
        assert CATALOGUE.find(word) is vaccine, word
        assert CATALOGUE.find(word.lower()) is vaccine, word
        assert CATALOGUE.find(word.upper()) is vaccine, word


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("Sinovac", id="not-used-in-india"),
        pytest.param("Covi", id="a-prefix"),
        pytest.param("Sputnik", id="ambiguous-sputnik"),
        pytest.param("Pfizer", id="pfizer"),
    ],
)
def test_find_raises_unknown_vaccine_naming_the_known_codes(typed: str) -> None:
    with pytest.raises(UnknownVaccine, match="known vaccines: COVISHIELD, COVAXIN") as raised:
        CATALOGUE.find(typed)
    assert raised.value.slug == "unknown-vaccine"


def test_a_huge_unknown_vaccine_name_is_not_echoed_in_full() -> None:
    with pytest.raises(UnknownVaccine) as raised:
        CATALOGUE.find("X" * 5_000)
    assert "X" * 40 + "…" in raised.value.detail
    assert len(raised.value.detail) < 300


def test_an_unknown_vaccine_is_invalid_input() -> None:
    assert issubclass(UnknownVaccine, InvalidInput)
    with pytest.raises(InvalidInput):
        CATALOGUE.find("Sinovac")


@pytest.mark.parametrize(
    ("codings", "code"),
    [
        pytest.param([(CVX, "210")], "COVISHIELD", id="cvx-210"),
        pytest.param([(CVX, "502")], "COVAXIN", id="cvx-502"),
        pytest.param([(CVX, "505")], "SPUTNIK-V", id="cvx-505"),
        pytest.param([(CVX, "504")], "SPUTNIK-LIGHT", id="cvx-504"),
        pytest.param([(CVX, "211")], "COVOVAX", id="cvx-211"),
        pytest.param([(CVX, "212")], "JANSSEN", id="cvx-212"),
        pytest.param([(CVX, "207")], "MODERNA", id="cvx-207"),
        pytest.param([(KYVS, "ZYCOV-D")], "ZYCOV-D", id="kyvs-zycov-d"),
        pytest.param([(KYVS, "CORBEVAX")], "CORBEVAX", id="kyvs-corbevax"),
        pytest.param([("urn:other", "x"), (CVX, "502")], "COVAXIN", id="skips-unknown-codings"),
        pytest.param([(CVX, "207"), (CVX, "210")], "MODERNA", id="first-known-coding-wins"),
    ],
)
def test_find_coding_maps_a_fhir_vaccine_code(codings: list[tuple[str, str]], code: str) -> None:
    assert CATALOGUE.find_coding(codings).code == code


@pytest.mark.parametrize("vaccine", CATALOGUE.vaccines, ids=CATALOGUE.codes)
def test_every_vaccine_has_its_own_kyvs_coding(vaccine: Vaccine) -> None:
    assert CATALOGUE.find_coding([(KYVS, vaccine.code)]) is vaccine


@pytest.mark.parametrize(
    ("codings", "shown"),
    [
        pytest.param([], "(none)", id="no-codings"),
        pytest.param([(CVX, "999")], f"{CVX}|999", id="unknown-cvx"),
        pytest.param([(KYVS, "covishield")], f"{KYVS}|covishield", id="codes-are-case-sensitive"),
        pytest.param([("210", CVX)], f"210|{CVX}", id="system-and-code-swapped"),
    ],
)
def test_find_coding_raises_unknown_vaccine_listing_what_it_saw(
    codings: list[tuple[str, str]], shown: str
) -> None:
    with pytest.raises(UnknownVaccine) as raised:
        CATALOGUE.find_coding(codings)
    assert shown in raised.value.detail


def test_a_catalogue_is_built_from_its_data() -> None:
    catalogue = Catalogue.from_mapping(
        {
            "version": "test",
            "effective_date": dt.date(2024, 1, 1),
            "vaccines": [{"code": "X-1", "name": "Example", "codings": ["urn:x|1"]}],
        }
    )
    assert catalogue.find("x 1") == Vaccine("X-1", "Example", "", (), ("urn:x|1",))
    assert catalogue.find_coding([("urn:x", "1")]).code == "X-1"


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(dt.date(2021, 5, 13), id="a-date"),
        pytest.param("2021-05-13", id="an-iso-string"),
    ],
)
def test_as_date_takes_a_toml_date_or_an_iso_string(value: object) -> None:
    assert as_date(value) == dt.date(2021, 5, 13)
