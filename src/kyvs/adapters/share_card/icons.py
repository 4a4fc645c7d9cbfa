"""The icons of a card: the status symbol (check, half, cross) and the precaution plus, on a disc.

The status is said by an icon and words, never by colour alone.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Final

from PIL import Image, ImageDraw

from kyvs.adapters.share_card.layout import Colour

_SUPERSAMPLE: Final = 4  # icons are drawn this many times larger, then reduced: smooth edges


@cache
def icon(symbol: str, diameter: int, disc: Colour, ink: Colour) -> Image.Image:
    """A disc with a symbol, drawn large and reduced for smooth edges (shared: paste only)."""
    big = diameter * _SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (*disc, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((0, 0, big - 1, big - 1), fill=disc)
    _SYMBOL_DRAWERS[symbol](draw, big, ink)
    return image.resize((diameter, diameter), Image.Resampling.LANCZOS)


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
