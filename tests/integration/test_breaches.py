"""Breaches on real databases (SQLite and PostgreSQL): the people a window exposed, computed
exactly from the access log and the API audit, and the incident kept with its steps."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import Engine, delete, insert

from kyvs.adapters.clock import FixedClock
from kyvs.adapters.sql.tables import access_log, api_audit, beneficiaries
from kyvs.bootstrap import bootstrap
from kyvs.domain.breach import BreachNotFound, BreachStatus, BreachStep
from kyvs.domain.errors import InvalidInput
from kyvs.domain.providers import ProviderNotFound
from kyvs.ports import ApiKeyRecord
from kyvs.services.breaches import BreachDesk
from kyvs.settings import Settings
from tests.factories.people import a_registration
from tests.factories.providers import a_provider

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)
START = dt.datetime(2026, 12, 6, 0, 0, tzinfo=dt.UTC)
END = dt.datetime(2026, 12, 7, 6, 0, tzinfo=dt.UTC)
IST = dt.timezone(dt.timedelta(hours=5, minutes=30))
_txns = itertools.count(1)
YATRA_KEY, HOTEL_KEY = "a1b2c3d4e5f6", "0f9e8d7c6b5a"

PEOPLE = {
    "asha": "9876500001",  # verified by Yatra inside the window
    "ravi": "9876500002",  # verified by the hotel inside the window
    "meera": "9876500003",  # verified by Yatra a second before the window
    "kiran": "9876500004",  # only asked for by Yatra inside the window
    "dev": "9876500005",  # verified by Yatra at the window's last instant
    "sita": "9876500006",  # verified by Yatra a second after the window
}


@pytest.fixture
def desk(database_url: str, engine: Engine) -> tuple[BreachDesk, dict[str, str]]:
    wired = bootstrap(
        Settings(database_url=database_url, demo=True), clock=FixedClock(NOW), engine=engine
    )
    for provider_id, name in (("prv_yatra", "Yatra Travels"), ("prv_hotel", "Hotel Lotus")):
        wired.provider_store.add(a_provider(provider_id=provider_id, name=name), created_at=NOW)
    for key_id, provider_id in ((YATRA_KEY, "prv_yatra"), (HOTEL_KEY, "prv_hotel")):
        wired.provider_store.add_key(ApiKeyRecord(key_id, provider_id, "0" * 64, NOW, None))
    refs = {}
    for name, mobile in PEOPLE.items():
        registration = a_registration(name=name.title(), mobile=mobile)
        wired.registry.add(registration)
        refs[name] = registration.beneficiary.reference_id
    seed_access(engine, refs)
    seed_audit(engine)
    return wired.breach_desk, refs


def access(ref: str, provider_id: str, outcome: str, at: dt.datetime, scopes: str) -> dict:
    txn_id = f"txn-{next(_txns)}"
    return {
        "beneficiary_ref": ref,
        "provider_id": provider_id,
        "provider_name": "Yatra Travels" if provider_id == "prv_yatra" else "Hotel Lotus",
        "purpose": "travel",
        "scopes": scopes,
        "outcome": outcome,
        "txn_id": txn_id,
        "at": at,
        "consent_id": f"consent-{txn_id}" if outcome == "verified" else None,
    }


def seed_access(engine: Engine, refs: dict[str, str]) -> None:
    second, hour = dt.timedelta(seconds=1), dt.timedelta(hours=1)
    rows = [
        access(refs["asha"], "prv_yatra", "requested", START + hour, ""),
        access(
            refs["asha"],
            "prv_yatra",
            "verified",
            START + 2 * hour,
            "status,vaccinations",
        ),
        access(refs["ravi"], "prv_hotel", "verified", START + hour, "status"),
        access(refs["meera"], "prv_yatra", "verified", START - second, "status"),
        access(refs["kiran"], "prv_yatra", "requested", START + 3 * hour, ""),
        access(refs["dev"], "prv_yatra", "verified", END, "status"),
        access(refs["sita"], "prv_yatra", "verified", END + second, "status"),
        access("", "prv_yatra", "locked", START + 4 * hour, ""),
    ]
    with engine.begin() as connection:
        connection.execute(insert(access_log), rows)


def seed_audit(engine: Engine) -> None:
    def call(provider_id: str | None, route: str, at: dt.datetime) -> dict:
        return {
            "at": at,
            "request_id": f"req-{next(_txns)}",
            "method": "POST",
            "route": route,
            "status": 200,
            "provider_id": provider_id,
            "duration_ms": 5,
        }

    hour = dt.timedelta(hours=1)
    rows = [
        call("prv_yatra", "/api/v1/verifications", START + hour),
        call("prv_yatra", "/api/v1/verifications", START + 2 * hour),
        call("prv_yatra", "/api/v1/verifications/{txn_id}/confirm", START + 3 * hour),
        call("prv_yatra", "/api/v1/verifications", END + hour),  # after the window
        call("prv_hotel", "/api/v1/verifications", START + hour),
        call(None, "/api/v1/citizen/login", START + hour),
    ]
    with engine.begin() as connection:
        connection.execute(insert(api_audit), rows)


def report(desk: BreachDesk, **more: object):
    return desk.report(
        became_aware_at=NOW - dt.timedelta(hours=1),
        window_start=START,
        window_end=END,
        description="Yatra's API key was published in a public repository.",
        **more,  # type: ignore[arg-type]
    )


def test_without_providers_everyone_with_a_disclosure_inside_the_window_is_affected(desk):
    breaches, refs = desk

    found = report(breaches)

    people = found.exposure.people
    assert [p.reference_id for p in people] == [refs["ravi"], refs["asha"], refs["dev"]]
    assert [p.mobile.national for p in people if p.mobile] == [
        PEOPLE["ravi"],
        PEOPLE["asha"],
        PEOPLE["dev"],
    ]
    assert people[1].scopes == {"status", "vaccinations"}
    assert [d.provider_id for d in people[0].disclosures] == ["prv_hotel"]
    assert all(d.consent_id and d.consent_id.startswith("consent-") for d in people[0].disclosures)
    assert found.exposure.asked_only == 1  # Kiran; the lock that matched no one names nobody
    assert found.breach.affected_count == 3
    assert found.breach.data_kinds == ("status", "vaccinations")  # what was disclosed


def test_a_leaked_key_exposes_only_the_people_its_provider_verified_in_the_window(desk):
    breaches, refs = desk

    found = report(breaches, provider_ids=["prv_yatra"], data_kinds=["status", "credentials"])

    assert [p.reference_id for p in found.exposure.people] == [refs["asha"], refs["dev"]]
    assert found.breach.data_kinds == ("status", "credentials")
    activity = {(a.provider_id, a.route): a for a in found.exposure.api_activity}
    assert set(activity) == {
        ("prv_yatra", "/api/v1/verifications"),
        ("prv_yatra", "/api/v1/verifications/{txn_id}/confirm"),
    }
    posts = activity["prv_yatra", "/api/v1/verifications"]
    assert (posts.calls, posts.first_at, posts.last_at) == (
        2,
        START + dt.timedelta(hours=1),
        START + dt.timedelta(hours=2),
    )


def test_a_leaked_key_named_by_its_prefix_narrows_the_window_to_its_provider(desk):
    breaches, refs = desk

    found = report(breaches, key_ids=[f"kyvs_{YATRA_KEY}_"])

    assert found.breach.key_ids == (YATRA_KEY,)
    assert found.breach.provider_ids == ("prv_yatra",)
    assert [p.reference_id for p in found.exposure.people] == [refs["asha"], refs["dev"]]
    assert breaches.show(found.breach.breach_id).breach.key_ids == (YATRA_KEY,)


@pytest.mark.parametrize(
    ("typed", "says"), [("ffffffffffff", "No API key has id"), ("not-a-key", "named by its id")]
)
def test_an_unknown_or_malformed_key_is_refused_and_nothing_is_recorded(desk, typed, says):
    breaches, _ = desk

    with pytest.raises(InvalidInput, match=says):
        report(breaches, key_ids=[YATRA_KEY, typed])

    assert breaches.all() == []


def test_without_providers_the_api_activity_of_every_caller_in_the_window_is_summed(desk):
    breaches, _ = desk

    activity = report(breaches).exposure.api_activity

    assert sum(a.calls for a in activity) == 5
    assert {a.provider_id for a in activity} == {"prv_yatra", "prv_hotel", None}


def test_a_window_given_in_indian_time_reads_the_same_rows(desk):
    breaches, refs = desk

    found = breaches.report(
        became_aware_at=NOW.astimezone(IST),
        window_start=START.astimezone(IST),
        window_end=END.astimezone(IST),
        description="The same window, typed in IST.",
        provider_ids=["prv_yatra"],
    )

    assert [p.reference_id for p in found.exposure.people] == [refs["asha"], refs["dev"]]


def test_the_incident_is_kept_and_shown_again_with_the_same_people(desk):
    breaches, refs = desk
    reported = report(breaches, provider_ids=["prv_yatra"]).breach

    again = breaches.show(reported.breach_id)

    assert again.breach == reported
    assert again.breach.reported_at == NOW
    assert again.breach.board_deadline == NOW - dt.timedelta(hours=1) + dt.timedelta(hours=72)
    assert [p.reference_id for p in again.exposure.people] == [refs["asha"], refs["dev"]]
    assert breaches.all() == [reported]


def test_the_steps_marked_are_stored(desk):
    breaches, _ = desk
    breach_id = report(breaches).breach.breach_id

    breaches.mark(breach_id, BreachStep.BOARD_NOTIFIED)
    breaches.mark(breach_id, BreachStep.PRINCIPALS_NOTIFIED)
    breaches.mark(breach_id, BreachStep.CLOSED)

    stored = breaches.get(breach_id)
    assert stored.status is BreachStatus.CLOSED
    assert stored.board_notified_at == stored.principals_notified_at == stored.closed_at == NOW


def test_an_unknown_provider_is_refused_and_nothing_is_recorded(desk):
    breaches, _ = desk

    with pytest.raises(ProviderNotFound):
        report(breaches, provider_ids=["prv_yatra", "prv_nobody"])

    assert breaches.all() == []


def test_someone_no_longer_in_the_registry_is_listed_without_a_mobile(desk, engine):
    breaches, refs = desk
    with engine.begin() as connection:
        connection.execute(
            delete(beneficiaries).where(beneficiaries.c.reference_id == refs["asha"])
        )

    people = report(breaches, provider_ids=["prv_yatra"]).exposure.people

    assert [(p.reference_id, p.mobile_masked) for p in people] == [
        (refs["asha"], None),
        (refs["dev"], "XXXXXX" + PEOPLE["dev"][-4:]),
    ]


@pytest.mark.parametrize("step", [None, BreachStep.CLOSED])
def test_an_unknown_breach_is_not_found(desk, step):
    breaches, _ = desk

    with pytest.raises(BreachNotFound):
        if step is None:
            breaches.show("breach-nope")
        else:
            breaches.mark("breach-nope", step)
