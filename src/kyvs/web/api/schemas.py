"""Wire formats of the native API (the domain's dataclasses stay out of HTTP)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kyvs.domain.doses import Dose

TXN_ID_EXAMPLE = "3f0c8a52-7d1e-4b8e-9a31-5c2f4e8b9d10"


class StartVerification(BaseModel):
    """Ask for a person's status: their full name and registered mobile, and why."""

    model_config = ConfigDict(extra="forbid")

    full_name: str = Field(min_length=1, max_length=120, examples=["Asha Patel"])
    mobile_number: str = Field(min_length=1, max_length=20, examples=["9000000001"])
    purpose: str = Field(min_length=1, max_length=40, examples=["travel"])
    language: str | None = Field(
        default=None, max_length=16, examples=["gu"], description="Language of the SMS and texts."
    )


class VerificationStarted(BaseModel):
    """Always this answer, whether or not the name/mobile pair exists."""

    txn_id: str = Field(examples=[TXN_ID_EXAMPLE])
    expires_at: dt.datetime
    otp_length: int = Field(examples=[6])
    resend_after_s: int = Field(examples=[30])


class ConfirmVerification(BaseModel):
    """The OTP the person read out or typed."""

    model_config = ConfigDict(extra="forbid")

    otp: str = Field(min_length=4, max_length=12, pattern=r"^[0-9]+$", examples=["123456"])


class DisclosedBeneficiary(BaseModel):
    """Needs scope `demographics`."""

    name: str
    birth_year: int
    gender: Literal["M", "F", "O"]
    reference_id_masked: str = Field(examples=["XXXXXXXXXX1234"])


class DisclosedDose(BaseModel):
    """Needs scope `vaccinations`."""

    vaccine: str = Field(examples=["COVISHIELD"])
    dose: int = Field(examples=[1])
    kind: Literal["primary", "precaution"]
    date: dt.date


class VerificationResult(BaseModel):
    """The status, and what the provider's scopes allow; signed in `attestation`."""

    txn_id: str
    vaccination_status: Literal[0, 1, 2] = Field(
        description="0 not vaccinated, 1 partially, 2 fully"
    )
    status: Literal["NOT_VACCINATED", "PARTIALLY_VACCINATED", "FULLY_VACCINATED"]
    status_text: str = Field(examples=["Fully vaccinated"])
    precaution_dose: bool
    verified_at: dt.datetime
    beneficiary: DisclosedBeneficiary | None = None
    vaccinations: list[DisclosedDose] | None = None
    consent_id: str = Field(
        description="The id of the person's signed consent record for this disclosure; the "
        "attestation carries it too. The person sees it in their access log."
    )
    attestation: str = Field(description="Compact JWS (EdDSA) over the disclosed fields.")


class VerificationState(BaseModel):
    """Where a verification stands; never personal data."""

    txn_id: str
    state: Literal["pending", "verified", "expired", "locked"]
    expires_at: dt.datetime
    attempts_left: int
    resends_left: int
    sms_failing: bool = Field(
        description="SMS delivery failed (for anyone) while this verification was open, so the "
        "person may not have the OTP. Never about this txn alone: a name/mobile pair that "
        "matched nobody shows the same."
    )
    notice: str | None = Field(
        default=None,
        description="A sentence to show staff when `sms_failing` (in the Accept-Language).",
        examples=[
            "SMS delivery is failing right now, so the OTP may not arrive. "
            "Try again in a few minutes."
        ],
    )


class DoseOut(BaseModel):
    """One dose event (a person's own view and their data export)."""

    dose: int
    vaccine: str
    kind: Literal["primary", "precaution"]
    date: dt.date
    centre: str


def doses_out(doses: Iterable[Dose]) -> list[DoseOut]:
    """The dose events as the citizen calls show them."""
    return [
        DoseOut(
            dose=d.dose_number, vaccine=d.vaccine, kind=d.kind.value, date=d.date, centre=d.centre
        )
        for d in doses
    ]
