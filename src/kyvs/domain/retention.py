"""How long kyvs keeps each kind of record, and the cut-off that says what is past it.

The DPDP Act 2023, section 8(7), has personal data erased once its purpose is served; the DPDP
Rules 2025, rule 6(1)(e), have the logs of access to personal data kept for one year, to detect
and investigate unauthorised access. So the personal fields of a verification go a day after it
ended, while the access log and the API audit stay a year and may not be kept less.

`RETENTION` is the one table of kinds: what is erased, from which moment the period runs, the
lawful default, the shortest period allowed and the setting that changes it. The settings, the
purge, `kyvs retention policy` and the README all read it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

ONE_YEAR = dt.timedelta(days=365)
ONE_HOUR = dt.timedelta(hours=1)


class RecordKind(StrEnum):
    """A kind of record the retention engine erases (its value names metrics and settings)."""

    VERIFICATION_DETAILS = "verification_details"
    VERIFICATIONS = "verifications"
    HOSTED_SESSIONS = "hosted_sessions"
    ACCESS_LOG = "access_log"
    API_AUDIT = "api_audit"
    SMS_OUTBOX = "sms_outbox"
    SHARE_LINKS = "share_links"


@dataclass(frozen=True, slots=True)
class KindRetention:
    """The retention rule of one kind: `erased` says what goes, `counted_from` the moment the
    period runs from; the period is set in `unit`s, at least `minimum` (`why_minimum` says why)."""

    kind: RecordKind
    erased: str
    counted_from: str
    default: int
    unit: Literal["hours", "days"]
    minimum: dt.timedelta = ONE_HOUR
    why_minimum: str = ""

    @property
    def setting(self) -> str:
        """The environment variable that sets the period (`KYVS_RETENTION_ACCESS_LOG_DAYS`)."""
        return f"KYVS_RETENTION_{self.kind.value.upper()}_{self.unit.upper()}"

    def period(self, amount: int) -> dt.timedelta:
        """`amount` of this kind's unit as a period."""
        return dt.timedelta(hours=amount) if self.unit == "hours" else dt.timedelta(days=amount)

    def in_unit(self, period: dt.timedelta) -> str:
        """`period` in this kind's unit, as people read it (`24 hours`, `365 days`)."""
        hours = period.total_seconds() / 3600
        amount = hours if self.unit == "hours" else hours / 24
        return f"{amount:g} {self.unit.removesuffix('s') if amount == 1 else self.unit}"


_LOG_RULE = "DPDP Rules 2025, rule 6(1)(e): logs of access are kept one year"
_STATUS_CALL = "the CoWIN status call reads a verified result up to 15 minutes after it"

RETENTION: Mapping[RecordKind, KindRetention] = {
    rule.kind: rule
    for rule in (
        KindRetention(
            RecordKind.VERIFICATION_DETAILS,
            erased="a verification's personal fields: the person matched, the result disclosed, "
            "the keyed hash of the mobile and the OTP's hash (the check itself stays: provider, "
            "purpose, time, outcome)",
            counted_from="the txn's expiry",
            default=24,
            unit="hours",
            why_minimum=_STATUS_CALL,
        ),
        KindRetention(
            RecordKind.VERIFICATIONS,
            erased="the verification txn's row (the console's history of checks)",
            counted_from="the txn's expiry",
            default=365,
            unit="days",
        ),
        KindRetention(
            RecordKind.HOSTED_SESSIONS,
            erased="the hosted session's row: its result (the attestation), txn, nonce and "
            "browser digest",
            counted_from="the session's expiry",
            default=24,
            unit="hours",
        ),
        KindRetention(
            RecordKind.ACCESS_LOG,
            erased="the access-log entry, with the consent record it carries",
            counted_from="the entry's time",
            default=365,
            unit="days",
            minimum=ONE_YEAR,
            why_minimum=_LOG_RULE,
        ),
        KindRetention(
            RecordKind.API_AUDIT,
            erased="the API audit entry (no personal data in it)",
            counted_from="the call's time",
            default=365,
            unit="days",
            minimum=ONE_YEAR,
            why_minimum=_LOG_RULE,
        ),
        KindRetention(
            RecordKind.SMS_OUTBOX,
            erased="the demo/dev outbox message (its number and text, an OTP in it)",
            counted_from="the message's sending",
            default=7,
            unit="days",
        ),
        KindRetention(
            RecordKind.SHARE_LINKS,
            erased="the share link and the signed claim behind its QR code",
            counted_from="the link's expiry or revocation, whichever is first",
            default=30,
            unit="days",
        ),
    )
}


class RetentionTooShort(ValueError):
    """A retention setting is below what the law or kyvs's own flows need."""


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """A period per kind of record; every kind has one, none below its minimum."""

    periods: Mapping[RecordKind, dt.timedelta] = field(
        default_factory=lambda: {k: r.period(r.default) for k, r in RETENTION.items()}
    )

    def __post_init__(self) -> None:
        missing = set(RecordKind) - set(self.periods)
        if missing:
            raise ValueError(f"no retention period for {', '.join(sorted(missing))}")
        for kind, period in self.periods.items():
            refuse_short(RETENTION[kind], period)

    def cutoff(self, kind: RecordKind, now: dt.datetime) -> dt.datetime:
        """Records of `kind` whose period started before this moment are erased at `now`."""
        return now - self.periods[kind]

    def cutoffs(self, now: dt.datetime) -> dict[RecordKind, dt.datetime]:
        """The cut-off of every kind at `now`, in the table's order."""
        return {kind: self.cutoff(kind, now) for kind in RETENTION}


def refuse_short(rule: KindRetention, period: dt.timedelta) -> None:
    """Raise `RetentionTooShort`, naming the setting and the reason, when `period` is too short."""
    if period >= rule.minimum:
        return
    shortest = rule.in_unit(rule.minimum)
    reason = f" ({rule.why_minimum})" if rule.why_minimum else ""
    raise RetentionTooShort(
        f"{rule.setting} is {rule.in_unit(period)}: the {rule.kind.value.replace('_', ' ')} "
        f"must be kept at least {shortest}{reason}."
    )


def policy_of(amounts: Mapping[RecordKind, int]) -> RetentionPolicy:
    """The policy of settings given in each kind's unit (`{ACCESS_LOG: 365, ...}`)."""
    return RetentionPolicy({kind: RETENTION[kind].period(n) for kind, n in amounts.items()})
