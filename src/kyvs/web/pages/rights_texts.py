"""What the citizen is told about their rights, in every language: what each part of the export
holds and how long it is kept, and what an erasure erased or kept and why. One home for these
sentences: the export (API and `/me`), the erasure report and the `/me` page read them here."""

from __future__ import annotations

from collections.abc import Mapping

from kyvs.domain.retention import RecordKind, RetentionPolicy
from kyvs.i18n import translator

# The parts whose `{days}` is a retention period in force, and its kind.
_PERIODS = {"access_log": RecordKind.ACCESS_LOG, "share_links": RecordKind.SHARE_LINKS}


def retention_days(policy: RetentionPolicy) -> dict[str, int]:
    """The days each part with a `{days}` is kept under `policy` (the `KYVS_RETENTION_*`)."""
    return {part: policy.periods[kind].days for part, kind in _PERIODS.items()}


ACCESS_LOG_KEPT = (
    "Kept for {days} days (the law requires at least a year for security logs), then erased "
    "automatically."
)
# Each part of the export: (what it holds, how long it is kept; `{days}`: its retention period).
_ABOUT = {
    "people": (
        "Your record in the vaccination registry: name, birth year, gender, doses and status. "
        "It belongs to the Ministry's registry: kyvs cannot change or erase it at your "
        "request. If something is wrong, ask for a correction.",
        "Kept as long as the registry keeps it.",
    ),
    "access_log": (
        "Every check of your status: who asked, for what purpose, when and how it ended; for "
        "each disclosure, exactly which fields were shared and the signed consent record.",
        ACCESS_LOG_KEPT,
    ),
    "blocks": (
        "The providers you blocked: they get no OTP and no status for you.",
        "Kept until you lift them. Erasing your data keeps them unless you ask, because they "
        "protect you.",
    ),
    "share_links": (
        "Your share links, active and revoked, behind the QR codes of your share cards.",
        "Erased {days} days after they expire or are revoked, or at once when you erase your "
        "data. A link stops working when it expires or you revoke it.",
    ),
    "corrections": (
        "The corrections you asked for and the decisions on them.",
        "Kept as the record of a change asked of the registry.",
    ),
    "grievances": (
        "Your grievances, their due dates and the answers.",
        "Kept as the record of how each grievance was handled.",
    ),
    "otp_channel": (
        "How your OTPs reach you (SMS or WhatsApp).",
        "Kept until you change or erase it.",
    ),
}
SECTIONS = tuple(_ABOUT)

# What an erasure erases, by the report's item names.
_ERASED = {
    "share_links": "Share links (their pages no longer open)",
    "otp_channel": "Your choice of OTP channel",
    "verification_results": "Stored results of your checks",
    "hosted_results": "Stored results of checks on websites",
    "consents_withdrawn": "Consents still standing, withdrawn",
    "blocks": "Blocks lifted",
}
ERASED_ITEMS = tuple(_ERASED)

# What an erasure keeps, and why.
_KEPT = {
    "registry_record": (
        "Your registry record",
        "It belongs to the Ministry's registry, not to kyvs. If something is wrong, ask for a "
        "correction.",
    ),
    "access_log": (
        "The access log and the consent records",
        ACCESS_LOG_KEPT,
    ),
    "blocks": (
        "Your blocks",
        "They protect you. Tick the box to lift them too.",
    ),
    "requests": (
        "Your corrections and grievances",
        "Kept as the record of what you asked the operators and what they answered.",
    ),
}


def about(language: str, days: Mapping[str, int]) -> dict[str, dict[str, str]]:
    """Each part of the export: what it holds (`holds`) and how long it is kept (`kept`), with
    `days` the retention periods in force (`retention_days`)."""
    words = translator(language)
    return {
        section: {
            "holds": words.gettext(holds),
            "kept": words.format(kept, days=days.get(section, 0)),
        }
        for section, (holds, kept) in _ABOUT.items()
    }


def erased_label(item: str, language: str) -> str:
    """What an erased item of the report is."""
    return translator(language).gettext(_ERASED[item])


def kept_items(
    language: str, days: Mapping[str, int], *, blocks_kept: bool
) -> list[tuple[str, str, str]]:
    """(item, what, why) for everything an erasure keeps (blocks only when kept); `days` as for
    `about`."""
    words = translator(language)
    return [
        (item, words.gettext(what), words.format(why, days=days.get(item, 0)))
        for item, (what, why) in _KEPT.items()
        if item != "blocks" or blocks_kept
    ]
