"""Where each part of a card goes on each size, how large its text may be, and its colours."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from kyvs.adapters.share_card.shaping import Style
from kyvs.domain.share_cards import CARD_SIZES

Colour = tuple[int, int, int]
WHITE: Final[Colour] = (255, 255, 255)
INK: Final[Colour] = (31, 41, 55)  # 14.7:1 on white
MUTED: Final[Colour] = (75, 85, 99)  # 7.6:1 on white
PRECAUTION_COLOUR: Final[Colour] = (11, 61, 145)  # white on it 10:1
# White words on each badge colour contrast at least 7:1 (WCAG AAA).
STATUS_COLOURS: Final[dict[int, Colour]] = {0: (164, 22, 26), 1: (146, 64, 14), 2: (22, 101, 52)}
STATUS_SYMBOLS: Final = {0: "cross", 1: "half", 2: "check"}


@dataclass(frozen=True, slots=True)
class Layout:
    """The geometry of one card size (pixels) and the style of each of its texts."""

    size: tuple[int, int]
    band: int  # a strip of the status colour along the top edge
    column: tuple[int, int, int, int]  # left, top, width, bottom of everything but the QR code
    badge_height: int
    qr_box: tuple[int, int, int]  # left, top, side of the code's modules (quiet zone outside)
    caption: tuple[int, int, int]  # x (left edge, or centre when centred), top, width
    caption_centred: bool
    heading: Style
    label: Style
    precaution: Style
    name: Style
    date: Style
    scan: Style
    host: Style


LAYOUTS: Final = {
    "square": Layout(
        size=CARD_SIZES["square"], band=16, column=(72, 80, 936, 600), badge_height=156,
        qr_box=(648, 648, 360), caption=(72, 920, 520),
        caption_centred=False, heading=Style(True, 46, 30), label=Style(True, 60, 30, 2),
        precaution=Style(False, 36, 24), name=Style(True, 76, 36, 2), date=Style(False, 42, 26),
        scan=Style(True, 34, 22), host=Style(False, 26, 18),
    ),
    "wide": Layout(
        size=CARD_SIZES["wide"], band=14, column=(60, 60, 664, 570), badge_height=124,
        qr_box=(790, 70, 340), caption=(960, 464, 400),
        caption_centred=True, heading=Style(True, 40, 28), label=Style(True, 50, 26, 2),
        precaution=Style(False, 32, 22), name=Style(True, 64, 32, 2), date=Style(False, 36, 24),
        scan=Style(True, 32, 22), host=Style(False, 24, 18),
    ),
}  # fmt: skip
