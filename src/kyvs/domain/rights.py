"""A citizen's rights over what kyvs holds (DPDP Act 2023 ss.11-13): to see it all, to have
what kyvs may erase erased, to withdraw a consent still in force, and to raise a grievance
that an operator answers within 90 days (DPDP Rules 2025).

The registry record is the ministry's, not kyvs's: kyvs can neither change nor erase it at a
citizen's request, only route a correction to the operators. The access log and the consent
records are security logs kept a year (DPDP Rules 2025, rule 6), then erased automatically.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import unicodedata
from dataclasses import dataclass, replace
from enum import StrEnum

from kyvs.domain.consent import ConsentRecord, record_from_claims
from kyvs.domain.errors import DomainError, InvalidInput, TxnNotFound

GRIEVANCE_DAYS = 90  # DPDP Rules 2025: a grievance is answered within ninety days
MAX_GRIEVANCE_TEXT = 2000
MAX_REFERENCE = 64


class GrievanceSubject(StrEnum):
    """What a grievance is about."""

    DISCLOSURE = "disclosure"
    CORRECTION = "correction"
    ERASURE = "erasure"
    OTHER = "other"

    @classmethod
    def parse(cls, typed: str) -> GrievanceSubject:
        """The subject named by `typed`, or `InvalidInput` naming the four."""
        try:
            return cls(typed.strip().lower())
        except ValueError:
            raise InvalidInput(
                "A grievance is about disclosure, correction, erasure or other.",
                reason_id="grievance-subject",
            ) from None


class ConsentNotFound(DomainError):
    """No consent record with that id belongs to the people on the citizen's mobile."""

    slug = "consent-not-found"
    title = "No such consent"


class ConsentWithdrawn(TxnNotFound):
    """The person withdrew the consent behind this result: it can no longer be fetched (the
    CoWIN facade, which had no such answer, answers as for a result it does not hold)."""

    slug = "consent-withdrawn"
    title = "The person withdrew their consent to this result"


class GrievanceNotFound(DomainError):
    """No open grievance with that id."""

    slug = "grievance-not-found"
    title = "No such open grievance"


@dataclass(frozen=True, slots=True)
class Withdrawal:
    """A person's withdrawal of the consent behind one disclosure (its txn's result)."""

    consent_id: str
    beneficiary_ref: str
    txn_id: str
    withdrawn_at: dt.datetime


def clean_text(typed: str, *, limit: int = MAX_GRIEVANCE_TEXT) -> str:
    """A grievance's (or an answer's) text: trimmed, NFC, 1 to `limit` characters, with no
    control characters but line breaks; `InvalidInput` otherwise."""
    text = unicodedata.normalize("NFC", typed.strip().replace("\r\n", "\n"))
    if not text or len(text) > limit:
        raise InvalidInput(f"Write 1 to {limit} characters.", reason_id="grievance-text")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise InvalidInput("The text holds control characters.", reason_id="grievance-text")
    return text


@dataclass(frozen=True, slots=True)
class Grievance:
    """A citizen's grievance, filed for everyone on a mobile (known by its keyed hash only),
    answered by an operator within `GRIEVANCE_DAYS`."""

    grievance_id: str
    mobile_key: str
    mobile_masked: str  # `XXXXXX1234`: what an operator may see of the mobile
    subject: GrievanceSubject
    text: str
    reference: str | None  # a consent id or a txn id of the access log, when given
    filed_at: dt.datetime
    answer: str | None = None
    answered_at: dt.datetime | None = None

    @property
    def due_on(self) -> dt.date:
        """The last day for the answer: filed + 90 days."""
        return (self.filed_at + dt.timedelta(days=GRIEVANCE_DAYS)).date()

    @property
    def open(self) -> bool:
        """True until an operator answers."""
        return self.answered_at is None

    def days_left(self, today: dt.date) -> int:
        """Days until the due date (negative once overdue)."""
        return (self.due_on - today).days

    def overdue(self, today: dt.date) -> bool:
        """Open past its due date."""
        return self.open and today > self.due_on

    def answered(self, text: str, at: dt.datetime) -> Grievance:
        """The grievance closed with an operator's answer."""
        if not self.open:
            raise GrievanceNotFound("This grievance is already answered.")
        return replace(self, answer=clean_text(text), answered_at=at)


def standing(expires_at: dt.datetime, now: dt.datetime, withdrawn: bool) -> bool:
    """A consent still stands while its expiry has not passed and it was not withdrawn."""
    return not withdrawn and now < expires_at


def stored_consent(token: str) -> ConsentRecord | None:
    """The consent record inside a compact JWS kyvs stored itself (read, not checked: the
    signature is for others; `services.consent.check_consent` checks it), or None."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return record_from_claims(claims)
    except (IndexError, KeyError, TypeError, ValueError, AttributeError):
        return None
