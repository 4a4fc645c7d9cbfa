"""Share cards as values: what a card shows (`CardSpec`), its sizes, and a name as it is shown.

Drawing a card (fonts, shaping, the QR code, the PNG) is the adapter's job
(`kyvs.adapters.share_card`); this module is what the rest of kyvs needs to ask for one.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final, Literal

from kyvs.domain.status import StatusCode

CardSize = Literal["square", "wide"]
NameMode = Literal["full", "initials", "hidden"]
CARD_SIZES: Final[dict[str, tuple[int, int]]] = {"square": (1080, 1080), "wide": (1200, 630)}
MAX_URL_LENGTH: Final = 512  # keeps the QR code's modules several pixels wide on either size
STATUS_CODES: Final = frozenset(int(code) for code in StatusCode)

# Indic Unicode blocks, each 128 code points from its start, named as in the Noto font files.
INDIC_BLOCKS: Final = {
    0x0900: "Devanagari",
    0x0980: "Bengali",
    0x0A00: "Gurmukhi",
    0x0A80: "Gujarati",
    0x0B00: "Oriya",
    0x0B80: "Tamil",
    0x0C00: "Telugu",
    0x0C80: "Kannada",
    0x0D00: "Malayalam",
}
# Viramas that join the next consonant into one grapheme cluster (Unicode 15.1, InCB=Linker).
_LINKERS: Final = frozenset("\u094d\u09cd\u0acd\u0b4d\u0c4d\u0d4d")
_ZWNJ: Final = "\u200c"


@dataclass(frozen=True, slots=True)
class CardSpec:
    """Everything a card shows; `name` is already reduced (see `name_for_card`) or None."""

    status_code: int
    precaution: bool
    name: str | None
    date_text: str
    language: str
    share_url: str
    size: CardSize

    def __post_init__(self) -> None:
        if self.status_code not in STATUS_CODES:
            raise ValueError(f"status code must be 0, 1 or 2, not {self.status_code!r}")
        if self.size not in CARD_SIZES:
            raise ValueError(f"card size must be square or wide, not {self.size!r}")
        if not 0 < len(self.share_url) <= MAX_URL_LENGTH:
            raise ValueError(f"share URL must have 1 to {MAX_URL_LENGTH} characters")


def name_for_card(full_name: str, mode: NameMode) -> str | None:
    """The name as the person chose to show it: in full, as initials (`R. K.`), or None."""
    words = unicodedata.normalize("NFC", full_name).split()
    if mode == "hidden" or not words:
        return None
    if mode == "full":
        return " ".join(words)
    if mode == "initials":
        return " ".join(f"{next(graphemes(word)).upper()}." for word in words)
    raise ValueError(f"unknown name mode {mode!r}")


def graphemes(text: str) -> Iterator[str]:
    """The user-perceived characters of `text`: a letter with its marks, an Indic conjunct.

    Follows UAX #29 for what names hold: marks and joiners extend a cluster (GB9, GB9a) and a
    linking virama joins the next consonant of its script (GB9c); not emoji or Hangul.
    """
    cluster, linked = "", False
    for char in text:
        joins = linked and _is_consonant(char) and block_start(char) == block_start(cluster[0])
        if cluster and (joins or _is_extend(char)):
            cluster += char
        else:
            if cluster:
                yield cluster
            cluster, linked = char, False
        if char in _LINKERS:
            linked = _is_consonant(cluster[0])
        elif char == _ZWNJ or not _is_extend(char):
            linked = False
    if cluster:
        yield cluster


def block_start(char: str) -> int:
    """The first code point of the 128-character block `char` is in."""
    return ord(char) & ~0x7F


def _is_extend(char: str) -> bool:
    return unicodedata.category(char).startswith("M") or char in "\u200c\u200d"


def _is_consonant(char: str) -> bool:
    offset = ord(char) & 0x7F
    return block_start(char) in INDIC_BLOCKS and (0x15 <= offset <= 0x39 or 0x58 <= offset <= 0x5F)
