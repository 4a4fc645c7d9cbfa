"""The wire shapes of the citizen's rights: the access log with consents, the export, the
erasure report, standing consents and grievances (built here for the API and for `/me`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kyvs.domain.citizen import Correction, ShareLink
from kyvs.domain.rights import MAX_REFERENCE, Grievance
from kyvs.services.citizen import PersonStatus
from kyvs.services.rights import ErasureReport, Export, LoggedAccess
from kyvs.web.api.schemas import DoseOut, doses_out
from kyvs.web.pages import rights_texts

Outcome = Literal["requested", "undelivered", "verified", "locked"]
ConsentState = Literal["standing", "expired", "withdrawn"]


class AccessEntryOut(BaseModel):
    """Who checked whom, why, what was disclosed, and how it ended; a disclosure names its
    consent record and whether that consent still stands."""

    reference_id: str
    provider_id: str
    provider_name: str
    purpose: str
    disclosed: list[str]
    outcome: Outcome
    at: dt.datetime
    consent_id: str | None = Field(
        default=None, description="A disclosure's consent record (see `consent`); else null."
    )
    consent: str | None = Field(
        default=None,
        description="The signed consent record of a disclosure (a compact JWS, kind "
        "`kyvs-consent+jwt`), checkable with the JWKS; else null.",
    )
    consent_state: ConsentState | None = Field(
        default=None,
        description="Where a disclosure's consent stands: `standing` (the provider may still "
        "fetch the result), `expired` or `withdrawn`; else null.",
    )
    withdrawn_at: dt.datetime | None = None


def consent_state(logged: LoggedAccess, now: dt.datetime) -> ConsentState | None:
    """Where a disclosure's consent stands (None for any other line)."""
    if logged.entry.consent_id is None:
        return None
    if logged.withdrawn_at is not None:
        return "withdrawn"
    return "standing" if logged.stands(now) else "expired"


def access_entry_out(logged: LoggedAccess, now: dt.datetime) -> AccessEntryOut:
    """An access-log line as the citizen's API shows it."""
    e = logged.entry
    return AccessEntryOut(
        reference_id=e.beneficiary_ref,
        provider_id=e.provider_id,
        provider_name=e.provider_name,
        purpose=e.purpose,
        disclosed=sorted(e.scopes),
        outcome=e.outcome,  # one of `Outcome`, as written
        at=e.at,
        consent_id=e.consent_id,
        consent=e.consent,
        consent_state=consent_state(logged, now),
        withdrawn_at=logged.withdrawn_at,
    )


class ExportAccessOut(BaseModel):
    """One access-log line; a disclosure with exactly the fields disclosed and its signed
    consent record (a compact JWS, checkable against `/.well-known/jwks.json`)."""

    provider_id: str
    provider_name: str
    purpose: str
    outcome: Outcome
    at: dt.datetime
    txn_id: str
    disclosed_scopes: list[str]
    disclosed_fields: list[str] | None = None
    consent_id: str | None = None
    consent: str | None = None
    consent_expires_at: dt.datetime | None = None
    consent_state: ConsentState | None = None
    withdrawn_at: dt.datetime | None = None


class ExportShareOut(BaseModel):
    """A share link, live, expired or revoked."""

    link_id: str
    url: str
    language: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    state: Literal["live", "expired", "revoked"]


class ExportCorrectionOut(BaseModel):
    """A correction asked for, and its decision."""

    correction_id: str
    action: str
    dose_number: int | None
    vaccine: str | None
    date: dt.date | None
    note: str
    status: str
    created_at: dt.datetime
    decided_at: dt.datetime | None
    decision_note: str | None


class ExportBlockOut(BaseModel):
    """A block in force."""

    provider_id: str
    created_at: dt.datetime


class ExportPersonOut(BaseModel):
    """One person: the registry record (reference and photo-ID number masked), the status, and
    everything kyvs keeps about them."""

    reference_id_masked: str
    name: str
    birth_year: int
    gender: str
    photo_id_type: str | None
    photo_id_masked: str | None
    vaccination_status: int
    status: str
    precaution_dose: bool
    precaution_due_on: dt.date | None
    doses: list[DoseOut]
    access_log: list[ExportAccessOut]
    blocks: list[ExportBlockOut]
    share_links: list[ExportShareOut]
    corrections: list[ExportCorrectionOut]


class GrievanceIn(BaseModel):
    """A grievance: what it is about, what happened, and the consent or check it concerns."""

    model_config = ConfigDict(extra="forbid")
    subject: str = Field(max_length=40, examples=["disclosure"])
    # Twice the 2000 a grievance may hold, so a body stays far under the 64 KiB limit; between
    # the two, the answer names the rule (`400 invalid-input`).
    text: str = Field(max_length=4000, examples=["I did not agree to this check."])
    reference: str | None = Field(default=None, max_length=MAX_REFERENCE)


class GrievanceOut(BaseModel):
    """A grievance, its due date (filed + 90 days) and the operator's answer."""

    grievance_id: str
    subject: str
    text: str
    reference: str | None
    status: Literal["open", "answered"]
    filed_at: dt.datetime
    due_on: dt.date
    answer: str | None
    answered_at: dt.datetime | None


def grievance_out(g: Grievance) -> GrievanceOut:
    """A grievance as the citizen's API shows it."""
    return GrievanceOut(
        grievance_id=g.grievance_id,
        subject=g.subject.value,
        text=g.text,
        reference=g.reference,
        status="open" if g.open else "answered",
        filed_at=g.filed_at,
        due_on=g.due_on,
        answer=g.answer,
        answered_at=g.answered_at,
    )


class SectionAbout(BaseModel):
    """What a part of the export holds and how long kyvs keeps it."""

    holds: str
    kept: str


class ExportOut(BaseModel):
    """Everything kyvs holds about the people on the mobile."""

    generated_at: dt.datetime
    language: str
    about: dict[str, SectionAbout]
    people: list[ExportPersonOut]
    grievances: list[GrievanceOut]
    otp_channel: Literal["sms", "whatsapp"]


def export_out(
    export: Export, *, language: str, url_of: Callable[[str], str], days: Mapping[str, int]
) -> ExportOut:
    """The export document; `url_of` gives a share link's public page, `days` the retention
    periods in force (`rights_texts.retention_days`)."""
    return ExportOut(
        generated_at=export.generated_at,
        language=language,
        about={k: SectionAbout(**v) for k, v in rights_texts.about(language, days).items()},
        people=[_person(p, export, url_of) for p in export.people],
        grievances=[grievance_out(g) for g in export.grievances],
        otp_channel="whatsapp" if export.otp_channel == "whatsapp" else "sms",
    )


def _person(found: PersonStatus, export: Export, url_of: Callable[[str], str]) -> ExportPersonOut:
    person, now = found.registration.beneficiary, export.generated_at
    ref = person.reference_id
    return ExportPersonOut(
        reference_id_masked=person.reference_id_masked,
        name=person.full_name,
        birth_year=person.birth_year,
        gender=person.gender.value,
        photo_id_type=person.photo_id.kind.value if person.photo_id else None,
        photo_id_masked=person.photo_id.masked if person.photo_id else None,
        vaccination_status=int(found.status.code),
        status=found.status.code.name,
        precaution_dose=found.status.precaution,
        precaution_due_on=found.status.precaution_due_on,
        doses=doses_out(found.registration.doses),
        access_log=[_access(a, now) for a in export.access if a.entry.beneficiary_ref == ref],
        blocks=[
            ExportBlockOut(provider_id=b.provider_id, created_at=b.created_at)
            for b in export.blocks
            if b.beneficiary_ref == ref
        ],
        share_links=[
            _link(link, now, url_of) for link in export.share_links if link.beneficiary_ref == ref
        ],
        corrections=[_correction(c) for c in export.corrections if c.beneficiary_ref == ref],
    )


def _access(logged: LoggedAccess, now: dt.datetime) -> ExportAccessOut:
    e, record = logged.entry, logged.consent
    return ExportAccessOut(
        provider_id=e.provider_id,
        provider_name=e.provider_name,
        purpose=e.purpose,
        outcome=e.outcome,  # one of `Outcome`, as written
        at=e.at,
        txn_id=e.txn_id,
        disclosed_scopes=sorted(e.scopes),
        disclosed_fields=list(record.fields) if record else None,
        consent_id=e.consent_id,
        consent=e.consent,
        consent_expires_at=record.expires_at if record else None,
        consent_state=consent_state(logged, now),
        withdrawn_at=logged.withdrawn_at,
    )


def _link(link: ShareLink, now: dt.datetime, url_of: Callable[[str], str]) -> ExportShareOut:
    state: Literal["live", "expired", "revoked"] = (
        "revoked" if link.revoked_at else "live" if link.live(now) else "expired"
    )
    return ExportShareOut(
        link_id=link.link_id,
        url=url_of(link.link_id),
        language=link.language,
        created_at=link.created_at,
        expires_at=link.expires_at,
        revoked_at=link.revoked_at,
        state=state,
    )


def _correction(c: Correction) -> ExportCorrectionOut:
    return ExportCorrectionOut(
        correction_id=c.correction_id,
        action=c.action.value,
        dose_number=c.dose_number,
        vaccine=c.vaccine,
        date=c.date,
        note=c.note,
        status=c.status.value,
        created_at=c.created_at,
        decided_at=c.decided_at,
        decision_note=c.decision_note,
    )


class ErasedItem(BaseModel):
    """Something the erasure erased, and how many."""

    item: str
    what: str
    count: int


class KeptItem(BaseModel):
    """Something the erasure kept, and why; `route` is where to go instead (a correction)."""

    item: str
    what: str
    why: str
    route: str | None = None


class ErasureOut(BaseModel):
    """What was erased now and what is kept, and why. Erasing again erases nothing more."""

    erased_at: dt.datetime
    erased: list[ErasedItem]
    kept: list[KeptItem]


def erasure_out(
    report: ErasureReport,
    *,
    at: dt.datetime,
    language: str,
    correction_route: str,
    days: Mapping[str, int],
) -> ErasureOut:
    """The itemised erasure report in `language` (`days` as for `export_out`)."""
    counts = {
        "share_links": report.share_links,
        "otp_channel": int(report.otp_channel),
        "verification_results": report.verification_results,
        "hosted_results": report.hosted_results,
        "consents_withdrawn": report.consents_withdrawn,
        "blocks": report.blocks_lifted,
    }
    erased = [
        ErasedItem(item=item, what=rights_texts.erased_label(item, language), count=count)
        for item in rights_texts.ERASED_ITEMS
        if (count := counts[item]) is not None
    ]
    kept = [
        KeptItem(
            item=item,
            what=what,
            why=why,
            route=correction_route if item == "registry_record" else None,
        )
        for item, what, why in rights_texts.kept_items(
            language, days, blocks_kept=report.blocks_lifted is None
        )
    ]
    return ErasureOut(erased_at=at, erased=erased, kept=kept)
