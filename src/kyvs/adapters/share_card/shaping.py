"""Text on a card: cut into runs of one script each, shaped, wrapped and fitted to a box.

Each run of text gets the font of its own script (a Gujarati name on an English card is drawn
with Noto Sans Gujarati), tagged with the card's language where the script is the language's own
so that raqm picks that language's forms.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Final

from PIL import ImageFont

from kyvs.adapters.share_card.fonts import LANGUAGE_SCRIPTS, LATIN, FontFinder
from kyvs.domain.share_cards import INDIC_BLOCKS, block_start, graphemes

# Characters every Noto Indic font has: they take the script of the text around them.
_SHARED: Final = frozenset("0123456789 .,:;/()'\u00a0\u200c\u200d\u0964\u0965")


def script_of(char: str) -> str | None:
    """The script whose font draws `char`, or None when it takes the script of its neighbours."""
    if char in _SHARED or unicodedata.category(char).startswith("M"):
        return None
    return INDIC_BLOCKS.get(block_start(char), LATIN)


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
class Run:
    """Text of one script, shaped in one font."""

    font: ImageFont.FreeTypeFont
    text: str
    language: str | None  # lets raqm pick the language's forms (Marathi ल and श)
    width: float


@dataclass(frozen=True, slots=True)
class Block:
    """Lines of shaped runs, all at one size."""

    lines: tuple[tuple[Run, ...], ...]
    ascent: int
    descent: int

    @property
    def width(self) -> float:
        return max(sum(run.width for run in line) for line in self.lines)

    @property
    def height(self) -> int:
        return len(self.lines) * (self.ascent + self.descent)


@dataclass(frozen=True, slots=True)
class Style:
    """How one part of a card is set: weight, the sizes it may take, and its lines at most."""

    bold: bool
    largest: int
    smallest: int
    max_lines: int = 1


class TextSetter:
    """Shapes, wraps and fits the text of a card in `language`, with fonts from `fonts`."""

    def __init__(self, fonts: FontFinder, language: str) -> None:
        self.fonts, self.language = fonts, language

    def fit(self, text: str, style: Style, width: int, height: int) -> Block:
        """The largest size of `style` at which `text` fits the box, in its lines at most."""
        size = style.largest
        while True:
            block = _block(self._wrap(text, bold=style.bold, size=size, width=width))
            fits = block.width <= width and block.height <= height
            if fits and len(block.lines) <= style.max_lines:
                return block
            if size <= style.smallest:
                return self._shorten(text, style, width)
            size = max(style.smallest, int(size * 0.92))

    def shape(self, text: str, *, bold: bool, size: int) -> tuple[Run, ...]:
        """`text` as runs of one font each, measured."""
        home = LANGUAGE_SCRIPTS[self.language]
        runs = []
        for script, part in text_runs(text, home):
            font = self.fonts.load(script, bold=bold, size=size)
            tag = self.language if script == home else None
            runs.append(Run(font, part, tag, font.getlength(part, language=tag)))
        return tuple(runs)

    def _wrap(self, text: str, *, bold: bool, size: int, width: int) -> list[tuple[Run, ...]]:
        """Greedy word wrap; a line may stay wider than `width` when one word is."""
        lines: list[tuple[Run, ...]] = []
        current = ""
        for word in text.split():
            candidate = f"{current} {word}" if current else word
            shaped = self.shape(candidate, bold=bold, size=size)
            if current and sum(run.width for run in shaped) > width:
                lines.append(self.shape(current, bold=bold, size=size))
                candidate = word
            current = candidate
        lines.append(self.shape(current, bold=bold, size=size))
        return lines

    def _shorten(self, text: str, style: Style, width: int) -> Block:
        """One line at the smallest size, cut after a grapheme cluster with an ellipsis."""
        clusters = list(graphemes(text))
        for keep in range(len(clusters), 1, -1):
            shown = "".join(clusters[:keep]) + ("" if keep == len(clusters) else "…")
            line = self.shape(shown, bold=style.bold, size=style.smallest)
            if sum(run.width for run in line) <= width:
                return _block([line])
        return _block(
            [self.shape("".join(clusters[:1]) + "…", bold=style.bold, size=style.smallest)]
        )


def _block(lines: list[tuple[Run, ...]]) -> Block:
    metrics = [run.font.getmetrics() for line in lines for run in line]
    return Block(tuple(lines), max(a for a, _ in metrics), max(d for _, d in metrics))
