"""Composing a card's PNG: the status band, heading, badge, precaution, name, date and QR code."""

from __future__ import annotations

import io
import logging
from typing import Final
from urllib.parse import urlsplit

from PIL import Image, ImageDraw

from kyvs.adapters.share_card.fonts import (
    LANGUAGE_SCRIPTS,
    LATIN,
    CardRenderingUnavailable,
    FontFinder,
    FontsMissing,
)
from kyvs.adapters.share_card.icons import icon
from kyvs.adapters.share_card.layout import (
    INK,
    LAYOUTS,
    MUTED,
    PRECAUTION_COLOUR,
    STATUS_COLOURS,
    STATUS_SYMBOLS,
    WHITE,
    Colour,
    Layout,
)
from kyvs.adapters.share_card.qr import qr_image
from kyvs.adapters.share_card.shaping import Block, Style, TextSetter
from kyvs.adapters.share_card.words import CardText, card_text
from kyvs.domain.errors import ShareCardUnavailable
from kyvs.domain.share_cards import CardSpec
from kyvs.i18n import SOURCE_LANGUAGE, normalise_language

# An operator has to install the fonts: ask again in minutes, not seconds.
RETRY_AFTER_S: Final = 600
FONTS_MISSING: Final = "The fonts needed to draw this card are not installed on the server."
SHAPER_MISSING: Final = "The text shaper needed to draw this card is not installed on the server."

log = logging.getLogger(__name__)


class ShareCardRenderer:
    """Draws share cards as PNG, with the fonts `fonts` finds (default: `font_dirs()`)."""

    def __init__(self, fonts: FontFinder | None = None) -> None:
        self.fonts = fonts or FontFinder()

    def render(self, spec: CardSpec) -> bytes:
        """The card as PNG bytes; raises ShareCardUnavailable when fonts or shaper are missing."""
        try:
            return _draw(spec, self.fonts)
        except CardRenderingUnavailable as error:
            # The operator's message (which font, where, what to install); the caller's is fixed.
            log.warning("share card not drawn: %s", error)
            detail = FONTS_MISSING if isinstance(error, FontsMissing) else SHAPER_MISSING
            raise ShareCardUnavailable(detail, retry_after_s=RETRY_AFTER_S) from error

    def can_draw(self, language: str) -> bool:
        """True when the fonts and shaper of a card in `language` are installed (a name in
        another script may still need its own font)."""
        home = LANGUAGE_SCRIPTS[_card_language(language)]
        try:
            for script in dict.fromkeys((LATIN, home)):
                self.fonts.check(script)
        except CardRenderingUnavailable:
            return False
        return True


_DEFAULT: Final = ShareCardRenderer()


def render_card(spec: CardSpec) -> bytes:
    """The card as PNG bytes, with the default fonts (see `ShareCardRenderer.render`)."""
    return _DEFAULT.render(spec)


def _card_language(language: str) -> str:
    return normalise_language(language) or SOURCE_LANGUAGE


def _draw(spec: CardSpec, fonts: FontFinder) -> bytes:
    layout = LAYOUTS[spec.size]
    image = Image.new("RGB", layout.size, WHITE)
    painter = _Painter(image, layout, TextSetter(fonts, _card_language(spec.language)))
    text = card_text(spec)
    painter.column(text, spec.status_code)
    painter.qr_code(spec.share_url, text.scan, TextSetter(fonts, SOURCE_LANGUAGE))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


class _Painter:
    """Draws the parts of one card onto its image, its words set by `setter`."""

    def __init__(self, image: Image.Image, layout: Layout, setter: TextSetter) -> None:
        self.image, self.layout, self.setter = image, layout, setter
        self.draw = ImageDraw.Draw(image)

    def column(self, text: CardText, status: int) -> None:
        """Heading, badge, precaution, name and date, top to bottom."""
        layout = self.layout
        self.draw.rectangle((0, 0, layout.size[0], layout.band - 1), STATUS_COLOURS[status])
        left, top, width, bottom = layout.column
        top = self.text(text.heading, layout.heading, (left, top), width, INK)
        top = self.badge(text.status, status, top + layout.badge_height // 6)
        if text.precaution:
            top = self.precaution(text.precaution, top + layout.badge_height // 6)
        top += layout.badge_height // 4
        date = self.setter.fit(text.date, layout.date, width, bottom - top)
        if text.name:
            name = self.setter.fit(text.name, layout.name, width, bottom - top - date.height)
            top = self.block(name, (left, top), INK)
        self.block(date, (left, top), MUTED)

    def badge(self, label: str, status: int, top: int) -> int:
        """The status as icon and words on the status colour; returns the badge's bottom."""
        left, _, width, _ = self.layout.column
        height = self.layout.badge_height
        colour = STATUS_COLOURS[status]
        self.draw.rounded_rectangle((left, top, left + width, top + height), height // 5, colour)
        diameter = height * 5 // 8
        pad = (height - diameter) // 2
        symbol = icon(STATUS_SYMBOLS[status], diameter, WHITE, colour)
        self.image.paste(symbol, (left + pad, top + pad), symbol)
        text_left = left + 2 * pad + diameter
        block = self.setter.fit(
            label, self.layout.label, left + width - pad - text_left, height - pad
        )
        self.block(block, (text_left, top + (height - block.height) / 2), WHITE)
        return top + height

    def precaution(self, words: str, top: int) -> int:
        """A plus in a circle and the words; returns the row's bottom."""
        left, _, width, _ = self.layout.column
        diameter = self.layout.precaution.largest * 4 // 3
        indent = diameter * 3 // 2
        block = self.setter.fit(words, self.layout.precaution, width - indent, diameter * 2)
        row = max(diameter, block.height)
        plus = icon("plus", diameter, PRECAUTION_COLOUR, WHITE)
        self.image.paste(plus, (left, top + (row - diameter) // 2), plus)
        self.block(block, (left + indent, top + (row - block.height) / 2), INK)
        return top + row

    def qr_code(self, url: str, scan: str, latin: TextSetter) -> None:
        """The QR code of `url`, with "Scan to verify" and the site's host name (set by
        `latin`) as caption."""
        left, top, side = self.layout.qr_box
        code, quiet = qr_image(url, side)
        inset = (side + 2 * quiet - code.width) // 2  # centre a code that is a little smaller
        self.image.paste(code, (left - quiet + inset, top - quiet + inset))
        x, y, width = self.layout.caption
        centred = self.layout.caption_centred
        y = self.text(scan, self.layout.scan, (x, y), width, INK, centred=centred)
        if host := urlsplit(url).hostname:
            block = latin.fit(host, self.layout.host, width, self.layout.size[1])
            self.block(block, (x, y), MUTED, centred=centred)

    def text(
        self, words: str, style: Style, xy: tuple[int, int], width: int, fill: Colour,
        *, centred: bool = False,
    ) -> int:  # fmt: skip
        """Fit `words` to `width` and draw them; returns the bottom."""
        block = self.setter.fit(words, style, width, self.layout.size[1])
        return self.block(block, xy, fill, centred=centred)

    def block(
        self, block: Block, xy: tuple[float, float], fill: Colour, *, centred: bool = False
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
