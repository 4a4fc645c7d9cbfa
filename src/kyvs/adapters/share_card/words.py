"""The words on a card, from the catalogs in the card's language (English where one is missing)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from kyvs.domain.share_cards import CardSpec
from kyvs.i18n import STATUS_LABELS, translator

HEADING: Final = "Vaccination status"
SCAN_TO_VERIFY: Final = "Scan to verify"
PRECAUTION_GIVEN: Final = "Precaution dose given"
# The card's own msgids, for the translations helper (status labels come from STATUS_LABELS).
CARD_MSGIDS: Final = (HEADING, SCAN_TO_VERIFY, PRECAUTION_GIVEN)


@dataclass(frozen=True, slots=True)
class CardText:
    """The words on a card, in its language (English where a translation is missing)."""

    heading: str
    status: str
    precaution: str | None
    name: str | None
    date: str
    scan: str


def card_text(spec: CardSpec) -> CardText:
    """The translated words of a card."""
    words = translator(spec.language)
    return CardText(
        heading=words.gettext(HEADING),
        status=words.gettext(STATUS_LABELS[spec.status_code]),
        precaution=words.gettext(PRECAUTION_GIVEN) if spec.precaution else None,
        name=spec.name,
        date=spec.date_text,
        scan=words.gettext(SCAN_TO_VERIFY),
    )


def alt_text(spec: CardSpec) -> str:
    """A text alternative of the card for screen readers (the `alt` of an image)."""
    text = card_text(spec)
    parts = [f"{text.heading}: {text.status}", text.precaution, text.name, text.date, text.scan]
    return ". ".join(part for part in parts if part)
