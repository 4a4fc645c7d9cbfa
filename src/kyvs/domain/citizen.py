"""What citizens do with their own records: corrections, blocks and share links."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from kyvs.domain.doses import Dose, DoseKind
from kyvs.domain.errors import DomainError, InvalidInput

MAX_SHARE_DAYS = 365
MAX_NOTE = 500
MAX_DOSES = 9  # a dose number is 1 to 9, as the registry keeps them


class CorrectionAction(StrEnum):
    """The change to the dose events a citizen asks for."""

    ADD_DOSE = "add-dose"
    CHANGE_DOSE = "change-dose"
    REMOVE_DOSE = "remove-dose"


class CorrectionStatus(StrEnum):
    """Where a correction stands."""

    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class CorrectionNotFound(DomainError):
    """No open correction with that id."""

    slug = "correction-not-found"
    title = "No such open correction"


@dataclass(frozen=True, slots=True)
class Correction:
    """A citizen's request to fix a dose event; an operator accepts or rejects it."""

    correction_id: str
    beneficiary_ref: str
    action: CorrectionAction
    dose_number: int | None
    vaccine: str | None
    date: dt.date | None
    kind: DoseKind | None
    note: str
    created_at: dt.datetime
    status: CorrectionStatus = CorrectionStatus.OPEN
    decided_at: dt.datetime | None = None
    decision_note: str | None = None

    def __post_init__(self) -> None:
        if len(self.note) > MAX_NOTE:
            raise InvalidInput(f"A note has at most {MAX_NOTE} characters.", reason_id="note")
        if self.action is CorrectionAction.ADD_DOSE and (self.vaccine is None or self.date is None):
            raise InvalidInput(
                "Adding a dose needs its vaccine and date.", reason_id="add-dose-needs"
            )
        if self.action is not CorrectionAction.ADD_DOSE and self.dose_number is None:
            raise InvalidInput("Say which dose (its number) is wrong.", reason_id="which-dose")
        if (
            self.action is CorrectionAction.CHANGE_DOSE
            and self.vaccine is None
            and self.date is None
        ):
            raise InvalidInput("Say what the right vaccine or date is.", reason_id="change-what")


def corrected_doses(doses: tuple[Dose, ...], correction: Correction) -> tuple[Dose, ...]:
    """The dose events after applying `correction` (the rule set is never touched)."""
    by_number = {d.dose_number: d for d in doses}
    if correction.action is CorrectionAction.ADD_DOSE:
        assert correction.vaccine and correction.date  # noqa: S101 - checked on creation
        number = max(by_number, default=0) + 1
        kind = correction.kind or DoseKind.PRIMARY
        return (*doses, Dose(correction.vaccine, number, kind, correction.date))
    target = by_number.get(correction.dose_number or -1)
    if target is None:
        raise InvalidInput(
            f"The person has no dose {correction.dose_number}.", reason_id="no-such-dose"
        )
    if correction.action is CorrectionAction.REMOVE_DOSE:
        return tuple(d for d in doses if d.dose_number != target.dose_number)
    changed = Dose(
        correction.vaccine or target.vaccine,
        target.dose_number,
        correction.kind or target.kind,
        correction.date or target.date,
        target.centre,
        target.batch,
    )
    return tuple(changed if d.dose_number == target.dose_number else d for d in doses)


class NameOnCard(StrEnum):
    """How a share card and its public page show the name."""

    FULL = "full"
    INITIALS = "initials"
    HIDDEN = "hidden"


@dataclass(frozen=True, slots=True)
class ShareLink:
    """The public page behind a share card: a signed claim until it expires or is revoked."""

    link_id: str
    beneficiary_ref: str
    claim: str
    language: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None = field(default=None)

    def live(self, now: dt.datetime) -> bool:
        """True while neither expired nor revoked."""
        return self.revoked_at is None and now < self.expires_at


def parse_share_days(typed: str | None) -> int:
    """The days a share link should last, as typed in a form (1 to 365, whole days)."""
    text = (typed or "").strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_SHARE_DAYS:
        shown = text if len(text) <= 20 else text[:20] + "…"
        raise InvalidInput(
            f"{shown!r}: a share link lasts 1 to {MAX_SHARE_DAYS} days.", reason_id="share-days"
        )
    return int(text)


def parse_dose_number(typed: str | None) -> int | None:
    """Which dose a correction is about, as typed in a form (None when left empty)."""
    text = (typed or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_DOSES:
        raise InvalidInput(f"A dose number is 1 to {MAX_DOSES}.", reason_id="which-dose")
    return int(text)


def share_expiry(now: dt.datetime, days: int) -> dt.datetime:
    """When a link made now for `days` days expires (1 to 365)."""
    if not 1 <= days <= MAX_SHARE_DAYS:
        raise InvalidInput(
            f"A share link lasts 1 to {MAX_SHARE_DAYS} days.", reason_id="share-days"
        )
    return now + dt.timedelta(days=days)


def initials(full_name: str) -> str:
    """ "A. P." for "Asha Patel", "ભા. શા." for "ભાવેશ શાહ": each word's first letter with its
    combining marks (a vowel sign or virama belongs to the letter before it)."""
    letters = []
    for word in full_name.split():
        cluster = word[0]
        for ch in word[1:]:
            if unicodedata.category(ch) not in {"Mn", "Mc"}:
                break
            cluster += ch
        letters.append(f"{cluster}.")
    return " ".join(letters)


def shown_name(full_name: str, mode: NameOnCard) -> str | None:
    """The name as a share card and its page show it: full, initials, or not at all."""
    if mode is NameOnCard.HIDDEN:
        return None
    return full_name if mode is NameOnCard.FULL else initials(full_name)
