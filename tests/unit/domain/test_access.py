"""The access vocabulary an operator gives providers, checked against the packaged data."""

from __future__ import annotations

import pytest

from kyvs.domain.access import STATUS_SCOPE, AccessCatalogue
from kyvs.domain.errors import InvalidInput
from kyvs.rules import load_access_catalogue

CATALOGUE = load_access_catalogue()
KNOWN_SCOPES = "demographics, status, vaccinations"
KNOWN_CATEGORIES = (
    "education, employer, events, government, healthcare, hospitality, railway, travel"
)
KNOWN_PURPOSES = (
    "accommodation, education, employment, event-entry, government-service, healthcare, travel"
)


def test_the_packaged_catalogue_has_the_three_scopes_of_security_md():
    assert set(CATALOGUE.scopes) == {"status", "vaccinations", "demographics"}
    assert CATALOGUE.version


def test_every_purpose_has_a_label_for_the_sms():
    assert all(p.label.strip() and p.code == code for code, p in CATALOGUE.purposes.items())


@pytest.mark.parametrize(
    ("asked", "given"),
    [
        ([], {"status"}),
        (["status"], {"status"}),
        (["vaccinations"], {"status", "vaccinations"}),
        ([" Demographics ", "", "  "], {"status", "demographics"}),
        (["vaccinations", "demographics", "vaccinations"], set(CATALOGUE.scopes)),
    ],
)
def test_the_status_scope_is_always_given(asked, given):
    assert CATALOGUE.check_scopes(asked) == frozenset(given)
    assert STATUS_SCOPE in CATALOGUE.check_scopes(asked)


def test_an_unknown_scope_is_refused_naming_it_and_the_known_ones():
    with pytest.raises(InvalidInput) as error:
        CATALOGUE.check_scopes(["vaccinations", "mobile", "address"])
    assert error.value.detail == f"Unknown scope address, mobile; known: {KNOWN_SCOPES}."


@pytest.mark.parametrize(
    ("asked", "given"),
    [
        (["travel"], {"travel"}),
        (["Travel ", "event-entry"], {"travel", "event-entry"}),
    ],
)
def test_purposes_are_checked_and_normalised(asked, given):
    assert CATALOGUE.check_purposes(asked) == frozenset(given)


@pytest.mark.parametrize("asked", [[], [""], ["  "]])
def test_at_least_one_purpose_is_needed(asked):
    with pytest.raises(InvalidInput, match="at least one purpose"):
        CATALOGUE.check_purposes(asked)


def test_an_unknown_purpose_is_refused_naming_the_known_ones():
    with pytest.raises(InvalidInput) as error:
        CATALOGUE.check_purposes(["travel", "marketing"])
    assert error.value.detail == f"Unknown purpose marketing; known: {KNOWN_PURPOSES}."


def test_a_category_is_checked_and_normalised():
    assert CATALOGUE.check_category(" Travel ") == "travel"


@pytest.mark.parametrize("asked", ["casino", ""])
def test_an_unknown_category_is_refused_naming_the_known_ones(asked):
    with pytest.raises(InvalidInput) as error:
        CATALOGUE.check_category(asked)
    assert error.value.detail.endswith(f"; known: {KNOWN_CATEGORIES}.")


def test_a_catalogue_is_built_from_its_data():
    catalogue = AccessCatalogue.from_mapping(
        {
            "version": 7,
            "scopes": [{"code": "status", "description": "The status"}],
            "categories": [{"code": "travel", "name": "Travel"}],
            "purposes": [{"code": "travel", "label": "travel"}],
        }
    )
    assert catalogue.version == "7"
    assert catalogue.check_scopes([]) == frozenset({"status"})
    assert catalogue.purposes["travel"].label == "travel"
