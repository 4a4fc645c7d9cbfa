"""What `/me` shows of the citizen's rights: the access log's withdrawn consents, the consents
still standing, and the grievances with their due dates and answers."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from babel.dates import format_date

from kyvs.domain.rights import GrievanceSubject
from kyvs.i18n import translator
from kyvs.web.pages.rendering import locale_of

if TYPE_CHECKING:
    from kyvs.bootstrap import Container

# The grievance form's subjects, in its order.
_SUBJECTS = {
    GrievanceSubject.DISCLOSURE.value: "A check or disclosure of my status",
    GrievanceSubject.CORRECTION.value: "A correction of my record",
    GrievanceSubject.ERASURE.value: "The erasure of my data",
    GrievanceSubject.OTHER.value: "Something else",
}


def _day(day: dt.date | None, language: str) -> str | None:
    return format_date(day, "long", locale=locale_of(language)) if day else None


# How each outcome of the access log reads (a disclosure whose consent was withdrawn says so).
_OUTCOMES = {
    "requested": "Asked (OTP sent)",
    "undelivered": "Asked (the SMS did not reach you)",
    "verified": "Status shared",
    "locked": "Refused (wrong OTPs)",
    "withdrawn": "Status shared (consent withdrawn)",
}


async def log_rows(
    wired: Container,
    token: str,
    language: str,
    names: dict[str, str],
    *,
    blocked: set[tuple[str, str]],
    limit: int,
) -> list[dict[str, Any]]:
    """The template rows of the latest `limit` access-log lines: who, why, how it ended (a
    withdrawn consent said), for whom, and whether that provider is blocked for them."""
    words, purposes = translator(language), wired.access.purposes
    rows = []
    for logged in await wired.citizen_rights.access_log(token, limit):
        e = logged.entry
        outcome = "withdrawn" if logged.withdrawn_at else e.outcome
        label = purposes[e.purpose].label if e.purpose in purposes else None
        rows.append(
            {
                "at": e.at,
                "provider_id": e.provider_id,
                "provider_name": e.provider_name,
                "purpose": words.gettext(label) if label else e.purpose,
                "outcome": words.gettext(_OUTCOMES.get(outcome, outcome)),
                "person": names.get(e.beneficiary_ref, ""),
                "blocked": (e.beneficiary_ref, e.provider_id) in blocked,
                "consent_id": e.consent_id,
            }
        )
    return rows


async def context(
    wired: Container, token: str, language: str, names: dict[str, str]
) -> dict[str, Any]:
    """The template values of the rights section: standing consents, grievances, subjects."""
    words = translator(language)
    standing = await wired.citizen_rights.consents(token)
    consents = [
        {
            "consent_id": a.consent.consent_id,
            "provider_name": a.consent.provider_name,
            "person": names.get(a.consent.beneficiary_ref, ""),
            "expires_at": a.consent.expires_at,
        }
        for a in standing.disclosures
        if a.consent is not None
    ]
    grievances = [
        {
            "subject": words.gettext(_SUBJECTS[g.subject.value]),
            "text": g.text,
            "filed": _day(g.filed_at.date(), language),
            "due": _day(g.due_on, language),
            "answer": g.answer,
            "answered": _day(g.answered_at.date(), language) if g.answered_at else None,
        }
        for g in await wired.citizen_rights.grievances(token)
    ]
    subjects = [(value, words.gettext(label)) for value, label in _SUBJECTS.items()]
    return {"consents": consents, "grievances": grievances, "subjects": subjects}
