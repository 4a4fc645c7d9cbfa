"""Share cards: a PNG of a person's vaccination status, in their language, with a QR code to verify.

A card says the status with an icon and words (never colour alone), the person's name as they chose
to show it, the date, and a QR code of the public URL that verifies a signed claim. Text comes from
the catalogs and is drawn with Noto fonts shaped by HarfBuzz (Pillow's raqm layout), so conjuncts
and vowel signs of Indic scripts come out right.

One job a module: `fonts` (finding Noto fonts), `shaping` (runs, wrapping, fitting), `layout`
(sizes, positions, colours), `icons`, `qr`, `words` (the translated text) and `render` (the PNG).
What a card shows, `CardSpec`, is a domain value (`kyvs.domain.share_cards`).
"""

from __future__ import annotations

from kyvs.adapters.share_card.fonts import (
    FONT_PACKAGE,
    LANGUAGE_SCRIPTS,
    CardRenderingUnavailable,
    FontFinder,
    FontsMissing,
    font_dirs,
)
from kyvs.adapters.share_card.render import ShareCardRenderer, render_card
from kyvs.adapters.share_card.shaping import text_runs
from kyvs.adapters.share_card.words import CARD_MSGIDS, CardText, alt_text, card_text

__all__ = [
    "CARD_MSGIDS",
    "FONT_PACKAGE",
    "LANGUAGE_SCRIPTS",
    "CardRenderingUnavailable",
    "CardText",
    "FontFinder",
    "FontsMissing",
    "ShareCardRenderer",
    "alt_text",
    "card_text",
    "font_dirs",
    "render_card",
    "text_runs",
]
