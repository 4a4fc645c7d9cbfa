"""The rules of a citizen's rights: grievances are due 90 days after filing, their texts are
bounded and printable, the four subjects; a consent stands until it expires or is withdrawn;
the consent record kyvs stored is read back as it was signed."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest

from kyvs.domain.consent import ConsentRecord, NoticeRef, consent_claims
from kyvs.domain.errors import InvalidInput
from kyvs.domain.rights import (
    Grievance,
    GrievanceNotFound,
    GrievanceSubject,
    clean_text,
    standing,
    stored_consent,
)

FILED = dt.datetime(2026, 12, 7, 21, 30, tzinfo=dt.UTC)


def a_grievance(**changes: object) -> Grievance:
    values: dict[str, object] = {
        "grievance_id": "g-1",
        "mobile_key": "k",
        "mobile_masked": "XXXXXX3210",
        "subject": GrievanceSubject.OTHER,
        "text": "Why was I asked twice?",
        "reference": None,
        "filed_at": FILED,
    } | changes
    return Grievance(**values)  # type: ignore[arg-type]


def test_a_grievance_is_due_ninety_days_after_it_was_filed():
    grievance = a_grievance()
    assert grievance.due_on == dt.date(2027, 3, 7)
    assert grievance.days_left(dt.date(2026, 12, 7)) == 90
    assert not grievance.overdue(dt.date(2027, 3, 7))
    assert grievance.overdue(dt.date(2027, 3, 8))
    assert grievance.days_left(dt.date(2027, 3, 8)) == -1


def test_an_answered_grievance_is_closed_never_overdue_and_cannot_be_answered_again():
    answered = a_grievance().answered("  We checked: it was one request.  ", FILED)
    assert (answered.open, answered.answer) == (False, "We checked: it was one request.")
    assert not answered.overdue(dt.date(2030, 1, 1))
    with pytest.raises(GrievanceNotFound):
        answered.answered("Again", FILED)


@pytest.mark.parametrize("text", ["", "   ", "x" * 2001, "bell\x07", "escape\x1b[2J"])
def test_a_grievance_text_is_one_to_2000_printable_characters(text):
    with pytest.raises(InvalidInput) as refused:
        clean_text(text)
    assert refused.value.reason_id == "grievance-text"


def test_a_text_keeps_its_line_breaks_and_indic_joiners():
    typed = "पहली पंक्ति\r\nक्\u200dष\tend"
    assert clean_text(typed) == "पहली पंक्ति\nक्\u200dष\tend"
    assert clean_text("x" * 2000) == "x" * 2000


@pytest.mark.parametrize("typed", ["disclosure", " Correction ", "ERASURE", "other"])
def test_the_four_subjects_are_read_whatever_their_case(typed):
    assert GrievanceSubject.parse(typed).value == typed.strip().lower()


def test_any_other_subject_is_refused_naming_its_reason():
    with pytest.raises(InvalidInput) as refused:
        GrievanceSubject.parse("spam")
    assert refused.value.reason_id == "grievance-subject"


def test_a_consent_stands_until_it_expires_or_is_withdrawn():
    expires = FILED + dt.timedelta(days=1)
    assert standing(expires, FILED, withdrawn=False)
    assert not standing(expires, FILED, withdrawn=True)
    assert not standing(expires, expires, withdrawn=False)


def test_the_stored_consent_record_reads_back_as_it_was_signed():
    record = ConsentRecord(
        consent_id="c-1",
        txn_id="t-1",
        beneficiary_ref="12345678901234",
        provider_id="prv_1",
        provider_name="Yatra",
        purpose="travel",
        fields=("status", "beneficiary.name"),
        notice=NoticeRef("2026-11", "ab" * 32, "hi"),
        channel="api",
        given_at=FILED,
        expires_at=FILED + dt.timedelta(days=1),
    )
    claims = consent_claims(record, issuer="kyvs", kept_for=dt.timedelta(days=365))
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert stored_consent(f"e30.{payload}.c2ln") == record


@pytest.mark.parametrize("token", ["", "no-dots", "a.b.c", "e30.e30.c2ln"])
def test_anything_else_is_no_consent_record(token):
    assert stored_consent(token) is None
