"""The rights' documents as the API and /me give them: the export keeps every access-log line
under its person, masks the reference and the photo-ID number, says where each consent stands
and names the retention periods in force; the erasure report itemises what went and what stays."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from kyvs.domain.consent import ConsentRecord, NoticeRef
from kyvs.domain.status import status_of
from kyvs.ports import AccessEntry
from kyvs.rules import load_rule_set
from kyvs.services.citizen import PersonStatus
from kyvs.services.rights import ErasureReport, Export, LoggedAccess
from kyvs.web.api.rights_schemas import erasure_out, export_out
from tests.factories.people import AADHAAR, fully_vaccinated

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)
DAYS = {"access_log": 400, "share_links": 30}
ASHA = fully_vaccinated(name="Asha Patel", photo_id=AADHAAR)
REF = ASHA.beneficiary.reference_id


def line(n: int, outcome: str = "requested", **changes: object) -> AccessEntry:
    entry = AccessEntry(REF, "prv_1", "Yatra", "travel", frozenset(), outcome, f"t{n}", NOW)
    return dataclasses.replace(entry, **changes)  # type: ignore[arg-type]


def a_consent(consent_id: str, expires_at: dt.datetime) -> ConsentRecord:
    return ConsentRecord(
        consent_id=consent_id,
        txn_id=consent_id,
        beneficiary_ref=REF,
        provider_id="prv_1",
        provider_name="Yatra",
        purpose="travel",
        fields=("vaccination_status", "beneficiary.name"),
        notice=NoticeRef("1", "ab" * 32, "en"),
        channel="api",
        given_at=NOW - dt.timedelta(hours=1),
        expires_at=expires_at,
    )


def disclosure(consent_id: str, *, expires_at: dt.datetime, withdrawn: bool) -> LoggedAccess:
    entry = line(0, "verified", consent_id=consent_id, consent="jws", scopes=frozenset({"status"}))
    record = a_consent(consent_id, expires_at)
    return LoggedAccess(entry, record, NOW if withdrawn else None)


def an_export(access: list[LoggedAccess]) -> Export:
    status = status_of(ASHA.doses, load_rule_set(), NOW.date())
    return Export(NOW, [PersonStatus(ASHA, status)], access, [], [], [], [], None)


def test_every_access_line_is_exported_under_its_person_with_its_consent_state():
    access = [
        disclosure("c-standing", expires_at=NOW + dt.timedelta(hours=5), withdrawn=False),
        disclosure("c-expired", expires_at=NOW - dt.timedelta(minutes=1), withdrawn=False),
        disclosure("c-withdrawn", expires_at=NOW + dt.timedelta(hours=5), withdrawn=True),
        *(LoggedAccess(line(n)) for n in range(1, 501)),
    ]

    document = export_out(an_export(access), language="en", url_of=str, days=DAYS)

    (person,) = document.people
    assert len(person.access_log) == 503
    states = {a.consent_id: a.consent_state for a in person.access_log if a.consent_id}
    assert states == {"c-standing": "standing", "c-expired": "expired", "c-withdrawn": "withdrawn"}
    shared = person.access_log[0]
    assert (shared.consent, shared.disclosed_fields) == (
        "jws",
        ["vaccination_status", "beneficiary.name"],
    )
    assert person.access_log[3].consent_state is None


def test_the_export_masks_the_reference_and_the_photo_id_number():
    document = export_out(an_export([]), language="en", url_of=str, days=DAYS)
    text = json.dumps(document.model_dump(mode="json"))
    assert REF not in text and AADHAAR.number not in text
    (person,) = document.people
    assert (person.reference_id_masked, person.photo_id_masked) == (
        ASHA.beneficiary.reference_id_masked,
        AADHAAR.masked,
    )


def test_the_export_says_how_long_each_part_is_kept_with_the_periods_in_force():
    about = export_out(an_export([]), language="hi", url_of=str, days=DAYS).about
    assert "400" in about["access_log"].kept
    assert "30" in about["share_links"].kept
    assert about["people"].kept != "Kept as long as the registry keeps it."  # in Hindi


def test_the_erasure_report_lists_what_went_and_what_stays_and_why():
    report = ErasureReport(2, True, 1, 0, 1, None)
    shown = erasure_out(report, at=NOW, language="en", correction_route="/fix", days=DAYS)
    assert [(e.item, e.count) for e in shown.erased] == [
        ("share_links", 2),
        ("otp_channel", 1),
        ("verification_results", 1),
        ("hosted_results", 0),
        ("consents_withdrawn", 1),
    ]
    kept = {k.item: k for k in shown.kept}
    assert list(kept) == ["registry_record", "access_log", "blocks", "requests"]
    assert kept["registry_record"].route == "/fix"
    assert "400 days" in kept["access_log"].why

    lifted = erasure_out(
        dataclasses.replace(report, blocks_lifted=3),
        at=NOW,
        language="en",
        correction_route="/fix",
        days=DAYS,
    )
    assert ("blocks", 3) in [(e.item, e.count) for e in lifted.erased]
    assert "blocks" not in {k.item for k in lifted.kept}
