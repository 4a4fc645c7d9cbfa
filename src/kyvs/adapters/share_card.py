"""Share cards: a PNG of a person's vaccination status, in their language, with a QR code to verify.

A card says the status with an icon and words (never colour alone), the person's name as they chose
to show it, the date, and a QR code of the public URL that verifies a signed claim. Text comes from
the catalogs and is drawn with Noto fonts shaped by HarfBuzz (Pillow's raqm layout), so conjuncts
and vowel signs of Indic scripts come out right. Each run of text gets the font of its own script:
a Gujarati name on an English card is drawn with Noto Sans Gujarati.
"""

from __future__ import annotations

import io
import os
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Final, Literal
from urllib.parse import urlsplit

import qrcode  # type: ignore[import-untyped]  # qrcode ships no type information
from PIL import Image, ImageDraw, ImageFont, features

from kyvs.i18n import SOURCE_LANGUAGE, STATUS_LABELS, normalise_language, translator

CardSize = Literal["square", "wide"]
NameMode = Literal["full", "initials", "hidden"]
CARD_SIZES: Final[dict[str, tuple[int, int]]] = {"square": (1080, 1080), "wide": (1200, 630)}
MAX_URL_LENGTH: Final = 512  # keeps the QR code's modules several pixels wide on either size

HEADING: Final = "Vaccination status"
SCAN_TO_VERIFY: Final = "Scan to verify"
PRECAUTION_GIVEN: Final = "Precaution dose given"
# The card's own msgids, for the translations helper (status labels come from STATUS_LABELS).
CARD_MSGIDS: Final = (HEADING, SCAN_TO_VERIFY, PRECAUTION_GIVEN)

DEFAULT_FONT_DIR: Final = Path("/usr/share/fonts/truetype/noto")
FONT_PACKAGE: Final = "fonts-noto-core"
LATIN: Final = "Latin"
# The writing system of each language, named as in the Noto font files (NotoSans<Script>-Bold.ttf).
LANGUAGE_SCRIPTS: Final[dict[str, str]] = {
    "en": LATIN,
    "hi": "Devanagari",
    "mr": "Devanagari",
    "gu": "Gujarati",
    "bn": "Bengali",
    "as": "Bengali",
    "pa": "Gurmukhi",
    "or": "Oriya",
    "ta": "Tamil",
    "te": "Telugu",
    "kn": "Kannada",
    "ml": "Malayalam",
}
# Indic Unicode blocks, each 128 code points from its start.
_BLOCKS: Final = {
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
# Characters every Noto Indic font has: they take the script of the text around them.
_SHARED: Final = frozenset("0123456789 .,:;/()'\u00a0\u200c\u200d\u0964\u0965")
# Viramas that join the next consonant into one grapheme cluster (Unicode 15.1, InCB=Linker).
_LINKERS: Final = frozenset("\u094d\u09cd\u0acd\u0b4d\u0c4d\u0d4d")
_ZWNJ: Final = "\u200c"

Colour = tuple[int, int, int]
_WHITE: Final[Colour] = (255, 255, 255)
_INK: Final[Colour] = (31, 41, 55)  # 14.7:1 on white
_MUTED: Final[Colour] = (75, 85, 99)  # 7.6:1 on white
_PRECAUTION_COLOUR: Final[Colour] = (11, 61, 145)  # white on it 10:1
# White words on each badge colour contrast at least 7:1 (WCAG AAA).
_STATUS_COLOURS: Final[dict[int, Colour]] = {0: (164, 22, 26), 1: (146, 64, 14), 2: (22, 101, 52)}
_STATUS_SYMBOLS: Final = {0: "cross", 1: "half", 2: "check"}
_QUIET: Final = 4  # modules of white around a QR code, as the standard asks
_SUPERSAMPLE: Final = 4  # icons are drawn this many times larger, then reduced: smooth edges


class CardRenderingUnavailable(RuntimeError):
    """A font or the text shaper that share cards need is not installed."""


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
        if self.status_code not in _STATUS_COLOURS:
            raise ValueError(f"status code must be 0, 1 or 2, not {self.status_code!r}")
        if self.size not in CARD_SIZES:
            raise ValueError(f"card size must be square or wide, not {self.size!r}")
        if not 0 < len(self.share_url) <= MAX_URL_LENGTH:
            raise ValueError(f"share URL must have 1 to {MAX_URL_LENGTH} characters")


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


# --- names -----------------------------------------------------------------------------------


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
        joins = linked and _is_consonant(char) and _block_start(char) == _block_start(cluster[0])
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


def _is_extend(char: str) -> bool:
    return unicodedata.category(char).startswith("M") or char in "\u200c\u200d"


def _block_start(char: str) -> int:
    return ord(char) & ~0x7F


def _is_consonant(char: str) -> bool:
    offset = ord(char) & 0x7F
    return _block_start(char) in _BLOCKS and (0x15 <= offset <= 0x39 or 0x58 <= offset <= 0x5F)


# --- fonts and text ------------------------------------------------------------------------


def font_dirs() -> tuple[Path, ...]:
    """Where fonts are looked for: `KYVS_FONT_DIR` first when set, then Debian's Noto folder."""
    override = os.environ.get("KYVS_FONT_DIR")
    return (Path(override), DEFAULT_FONT_DIR) if override else (DEFAULT_FONT_DIR,)


def font_path(script: str, *, bold: bool, dirs: tuple[Path, ...] | None = None) -> Path:
    """The Noto Sans file for `script` (`Latin`, `Gujarati`, ...); raises when it is missing."""
    return _font_path(script, bold, dirs or font_dirs())


@cache
def _font_path(script: str, bold: bool, dirs: tuple[Path, ...]) -> Path:
    family = "NotoSans" if script == LATIN else f"NotoSans{script}"
    name = f"{family}-{'Bold' if bold else 'Regular'}.ttf"
    for folder in dirs:
        if (folder / name).is_file():
            return folder / name
    where = ", ".join(str(folder) for folder in dirs)
    raise CardRenderingUnavailable(
        f"share cards need the font {name}, not found in {where}: install the Debian package "
        f"{FONT_PACKAGE} (or set KYVS_FONT_DIR to a folder that holds it)"
    )


def load_font(script: str, *, bold: bool, size: int) -> ImageFont.FreeTypeFont:
    """The Noto Sans font of `script` at `size` pixels, laid out by raqm (HarfBuzz shaping)."""
    return _load_font(font_path(script, bold=bold), size)


# Bounded: each FreeType face keeps its file open, and the layout uses a handful of sizes.
@lru_cache(maxsize=256)
def _load_font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    if not features.check_feature("raqm"):
        raise CardRenderingUnavailable(
            "share cards need Pillow with raqm (libraqm, libfribidi) to shape Indic text"
        )
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.RAQM)


def script_of(char: str) -> str | None:
    """The script whose font draws `char`, or None when it takes the script of its neighbours."""
    if char in _SHARED or unicodedata.category(char).startswith("M"):
        return None
    return _BLOCKS.get(_block_start(char), LATIN)


def text_runs(text: str, default_script: str = LATIN) -> list[tuple[str, str]]:
    """`text` cut into (script, text) runs; shared characters join the run they are in."""
    runs: list[tuple[str, str]] = []
    pending = ""  # shared characters before the first letter
    for char in text:
        script = script_of(char)
        if runs and (script is None or script == runs[-1][0]):
            runs[-1] = (runs[-1][0], runs[-1][1] + char)
        elif script is None:
            pending += char
        else:
            runs.append((script, pending + char))
            pending = ""
    return runs or [(default_script, pending)]


@dataclass(frozen=True, slots=True)
class _Run:
    font: ImageFont.FreeTypeFont
    text: str
    language: str | None  # lets raqm pick the language's forms (Marathi ल and श)
    width: float


@dataclass(frozen=True, slots=True)
class _Block:
    """Lines of shaped runs, all at one size."""

    lines: tuple[tuple[_Run, ...], ...]
    ascent: int
    descent: int

    @property
    def width(self) -> float:
        return max(sum(run.width for run in line) for line in self.lines)

    @property
    def height(self) -> int:
        return len(self.lines) * (self.ascent + self.descent)


@dataclass(frozen=True, slots=True)
class _Style:
    bold: bool
    largest: int
    smallest: int
    max_lines: int = 1


def _shape(text: str, language: str, *, bold: bool, size: int) -> tuple[_Run, ...]:
    home = LANGUAGE_SCRIPTS[language]
    runs = []
    for script, part in text_runs(text, home):
        font = load_font(script, bold=bold, size=size)
        tag = language if script == home else None
        runs.append(_Run(font, part, tag, font.getlength(part, language=tag)))
    return tuple(runs)


def _block(lines: list[tuple[_Run, ...]]) -> _Block:
    metrics = [run.font.getmetrics() for line in lines for run in line]
    return _Block(tuple(lines), max(a for a, _ in metrics), max(d for _, d in metrics))


def _wrap(text: str, language: str, *, bold: bool, size: int, width: int) -> list[tuple[_Run, ...]]:
    """Greedy word wrap; a line may stay wider than `width` when one word is."""
    lines: list[tuple[_Run, ...]] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        shaped = _shape(candidate, language, bold=bold, size=size)
        if current and sum(run.width for run in shaped) > width:
            lines.append(_shape(current, language, bold=bold, size=size))
            candidate = word
        current = candidate
    lines.append(_shape(current, language, bold=bold, size=size))
    return lines


def _fit(text: str, language: str, style: _Style, width: int, height: int) -> _Block:
    """The largest size of `style` at which `text` fits the box, wrapped to its lines at most."""
    size = style.largest
    while True:
        block = _block(_wrap(text, language, bold=style.bold, size=size, width=width))
        if block.width <= width and len(block.lines) <= style.max_lines and block.height <= height:
            return block
        if size <= style.smallest:
            return _shorten(text, language, style, width)
        size = max(style.smallest, int(size * 0.92))


def _shorten(text: str, language: str, style: _Style, width: int) -> _Block:
    """One line at the smallest size, cut after a grapheme cluster with an ellipsis."""
    clusters = list(graphemes(text))
    for keep in range(len(clusters), 1, -1):
        shown = "".join(clusters[:keep]) + ("" if keep == len(clusters) else "…")
        line = _shape(shown, language, bold=style.bold, size=style.smallest)
        if sum(run.width for run in line) <= width:
            return _block([line])
    return _block(
        [_shape("".join(clusters[:1]) + "…", language, bold=style.bold, size=style.smallest)]
    )


# --- layout and drawing --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Layout:
    size: tuple[int, int]
    band: int  # a strip of the status colour along the top edge
    column: tuple[int, int, int, int]  # left, top, width, bottom of everything but the QR code
    badge_height: int
    qr_box: tuple[int, int, int]  # left, top, side of the code's modules (quiet zone outside)
    caption: tuple[int, int, int]  # x (left edge, or centre when centred), top, width
    caption_centred: bool
    heading: _Style
    label: _Style
    precaution: _Style
    name: _Style
    date: _Style
    scan: _Style
    host: _Style


_LAYOUTS: Final = {
    "square": _Layout(
        size=(1080, 1080), band=16, column=(72, 80, 936, 600), badge_height=156,
        qr_box=(648, 648, 360), caption=(72, 920, 520),
        caption_centred=False, heading=_Style(True, 46, 30), label=_Style(True, 60, 30, 2),
        precaution=_Style(False, 36, 24), name=_Style(True, 76, 36, 2), date=_Style(False, 42, 26),
        scan=_Style(True, 34, 22), host=_Style(False, 26, 18),
    ),
    "wide": _Layout(
        size=(1200, 630), band=14, column=(60, 60, 664, 570), badge_height=124,
        qr_box=(790, 70, 340), caption=(960, 464, 400),
        caption_centred=True, heading=_Style(True, 40, 28), label=_Style(True, 50, 26, 2),
        precaution=_Style(False, 32, 22), name=_Style(True, 64, 32, 2), date=_Style(False, 36, 24),
        scan=_Style(True, 32, 22), host=_Style(False, 24, 18),
    ),
}  # fmt: skip


def render_card(spec: CardSpec) -> bytes:
    """The card as PNG bytes: heading, status badge, precaution, name, date and QR code."""
    layout = _LAYOUTS[spec.size]
    image = Image.new("RGB", layout.size, _WHITE)
    painter = _Painter(image, layout, normalise_language(spec.language) or SOURCE_LANGUAGE)
    text = card_text(spec)
    painter.column(text, spec.status_code)
    painter.qr_code(spec.share_url, text.scan)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


class _Painter:
    """Draws the parts of one card onto its image."""

    def __init__(self, image: Image.Image, layout: _Layout, language: str) -> None:
        self.image, self.layout, self.language = image, layout, language
        self.draw = ImageDraw.Draw(image)

    def column(self, text: CardText, status: int) -> None:
        """Heading, badge, precaution, name and date, top to bottom."""
        layout = self.layout
        self.draw.rectangle((0, 0, layout.size[0], layout.band - 1), _STATUS_COLOURS[status])
        left, top, width, bottom = layout.column
        top = self.text(text.heading, layout.heading, (left, top), width, _INK)
        top = self.badge(text.status, status, top + layout.badge_height // 6)
        if text.precaution:
            top = self.precaution(text.precaution, top + layout.badge_height // 6)
        top += layout.badge_height // 4
        date = _fit(text.date, self.language, layout.date, width, bottom - top)
        if text.name:
            name = _fit(text.name, self.language, layout.name, width, bottom - top - date.height)
            top = self.block(name, (left, top), _INK)
        self.block(date, (left, top), _MUTED)

    def badge(self, label: str, status: int, top: int) -> int:
        """The status as icon and words on the status colour; returns the badge's bottom."""
        left, _, width, _ = self.layout.column
        height = self.layout.badge_height
        colour = _STATUS_COLOURS[status]
        self.draw.rounded_rectangle((left, top, left + width, top + height), height // 5, colour)
        diameter = height * 5 // 8
        pad = (height - diameter) // 2
        icon = _icon(_STATUS_SYMBOLS[status], diameter, _WHITE, colour)
        self.image.paste(icon, (left + pad, top + pad), icon)
        text_left = left + 2 * pad + diameter
        block = _fit(
            label, self.language, self.layout.label, left + width - pad - text_left, height - pad
        )
        self.block(block, (text_left, top + (height - block.height) / 2), _WHITE)
        return top + height

    def precaution(self, words: str, top: int) -> int:
        """A plus in a circle and the words; returns the row's bottom."""
        left, _, width, _ = self.layout.column
        diameter = self.layout.precaution.largest * 4 // 3
        indent = diameter * 3 // 2
        block = _fit(words, self.language, self.layout.precaution, width - indent, diameter * 2)
        row = max(diameter, block.height)
        icon = _icon("plus", diameter, _PRECAUTION_COLOUR, _WHITE)
        self.image.paste(icon, (left, top + (row - diameter) // 2), icon)
        self.block(block, (left + indent, top + (row - block.height) / 2), _INK)
        return top + row

    def qr_code(self, url: str, scan: str) -> None:
        """The QR code of `url`, with "Scan to verify" and the site's host name as caption."""
        left, top, side = self.layout.qr_box
        code, quiet = _qr_image(url, side)
        inset = (side + 2 * quiet - code.width) // 2  # centre a code that is a little smaller
        self.image.paste(code, (left - quiet + inset, top - quiet + inset))
        x, y, width = self.layout.caption
        centred = self.layout.caption_centred
        y = self.text(scan, self.layout.scan, (x, y), width, _INK, centred=centred)
        if host := urlsplit(url).hostname:
            block = _fit(host, SOURCE_LANGUAGE, self.layout.host, width, self.layout.size[1])
            self.block(block, (x, y), _MUTED, centred=centred)

    def text(
        self, words: str, style: _Style, xy: tuple[int, int], width: int, fill: Colour,
        *, centred: bool = False,
    ) -> int:  # fmt: skip
        """Fit `words` to `width` and draw them; returns the bottom."""
        block = _fit(words, self.language, style, width, self.layout.size[1])
        return self.block(block, xy, fill, centred=centred)

    def block(
        self, block: _Block, xy: tuple[float, float], fill: Colour, *, centred: bool = False
    ) -> int:
        """Draw `block` with its top at y, x its left edge (or centre); returns the bottom."""
        x, top = xy
        for number, line in enumerate(block.lines):
            baseline = top + block.ascent + number * (block.ascent + block.descent)
            left = x - sum(run.width for run in line) / 2 if centred else x
            for run in line:
                self.draw.text(
                    (left, baseline), run.text, fill, run.font, "ls", language=run.language
                )
                left += run.width
        return int(top + block.height)


def _qr_image(url: str, side: int) -> tuple[Image.Image, int]:
    """The QR code of `url` (error correction M) with its quiet zone, and that zone's width.

    Modules are whole pixels (crisp) and the modules, without the zone, fit in `side` pixels.
    """
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=_QUIET
    )
    code.add_data(url)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    count = len(matrix)
    # Version 3 (29 modules) sets the largest module, so the quiet zone stays within the margins.
    scale = max(1, side // max(count - 2 * _QUIET, 29))
    pixels = bytes(0 if dark else 255 for row in matrix for dark in row)
    modules = Image.frombytes("L", (count, count), pixels)
    code_image = modules.resize((count * scale, count * scale), Image.Resampling.NEAREST)
    return code_image.convert("RGB"), _QUIET * scale


@cache
def _icon(symbol: str, diameter: int, disc: Colour, ink: Colour) -> Image.Image:
    """A disc with a symbol, drawn large and reduced for smooth edges (shared: paste only)."""
    big = diameter * _SUPERSAMPLE
    icon = Image.new("RGBA", (big, big), (*disc, 0))
    draw = ImageDraw.Draw(icon)
    draw.ellipse((0, 0, big - 1, big - 1), fill=disc)
    _SYMBOL_DRAWERS[symbol](draw, big, ink)
    return icon.resize((diameter, diameter), Image.Resampling.LANCZOS)


def _stroke(
    draw: ImageDraw.ImageDraw, points: list[tuple[float, float]], big: int, ink: Colour
) -> None:
    """A thick line through `points` (fractions of the icon) with round ends and joints."""
    scaled = [(x * big, y * big) for x, y in points]
    width = big // 10
    draw.line(scaled, fill=ink, width=width, joint="curve")
    for x, y in (scaled[0], scaled[-1]):
        draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=ink)


def _check(draw: ImageDraw.ImageDraw, big: int, ink: Colour) -> None:
    _stroke(draw, [(0.27, 0.53), (0.43, 0.69), (0.74, 0.35)], big, ink)


def _cross(draw: ImageDraw.ImageDraw, big: int, ink: Colour) -> None:
    _stroke(draw, [(0.32, 0.32), (0.68, 0.68)], big, ink)
    _stroke(draw, [(0.68, 0.32), (0.32, 0.68)], big, ink)


def _half(draw: ImageDraw.ImageDraw, big: int, ink: Colour) -> None:
    """A ring with its left half filled: part of the way there."""
    box = (big * 0.24, big * 0.24, big * 0.76, big * 0.76)
    draw.ellipse(box, outline=ink, width=big // 14)
    draw.pieslice(box, 90, 270, fill=ink)


def _plus(draw: ImageDraw.ImageDraw, big: int, ink: Colour) -> None:
    _stroke(draw, [(0.5, 0.27), (0.5, 0.73)], big, ink)
    _stroke(draw, [(0.27, 0.5), (0.73, 0.5)], big, ink)


_SYMBOL_DRAWERS: Final[dict[str, Callable[[ImageDraw.ImageDraw, int, Colour], None]]] = {
    "check": _check,
    "cross": _cross,
    "half": _half,
    "plus": _plus,
}
