"""Finding the Noto Sans font of each script, loaded for HarfBuzz shaping (Pillow's raqm)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Final

from PIL import ImageFont, features

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


class CardRenderingUnavailable(RuntimeError):
    """A font or the text shaper that share cards need is not installed."""


class FontsMissing(CardRenderingUnavailable):
    """A Noto font that a card needs is in none of the folders searched."""


def font_dirs() -> tuple[Path, ...]:
    """Where fonts are looked for: `KYVS_FONT_DIR` first when set, then Debian's Noto folder."""
    override = os.environ.get("KYVS_FONT_DIR")
    return (Path(override), DEFAULT_FONT_DIR) if override else (DEFAULT_FONT_DIR,)


@dataclass(frozen=True, slots=True)
class FontFinder:
    """The Noto Sans fonts of each script, from `dirs` (default: `font_dirs()` at each call)."""

    dirs: tuple[Path, ...] | None = None

    def path(self, script: str, *, bold: bool) -> Path:
        """The Noto Sans file for `script` (`Latin`, `Gujarati`, ...); raises FontsMissing."""
        return _font_path(script, bold, self.dirs or font_dirs())

    def load(self, script: str, *, bold: bool, size: int) -> ImageFont.FreeTypeFont:
        """The Noto Sans font of `script` at `size` pixels, laid out by raqm (HarfBuzz)."""
        return _load_font(self.path(script, bold=bold), size)

    def check(self, script: str) -> None:
        """Raise CardRenderingUnavailable unless `script` can be drawn, bold and regular."""
        for bold in (True, False):
            self.path(script, bold=bold)
        _check_shaper()


@cache
def _font_path(script: str, bold: bool, dirs: tuple[Path, ...]) -> Path:
    family = "NotoSans" if script == LATIN else f"NotoSans{script}"
    name = f"{family}-{'Bold' if bold else 'Regular'}.ttf"
    for folder in dirs:
        if (folder / name).is_file():
            return folder / name
    where = ", ".join(str(folder) for folder in dirs)
    raise FontsMissing(
        f"share cards need the font {name}, not found in {where}: install the Debian package "
        f"{FONT_PACKAGE} (or set KYVS_FONT_DIR to a folder that holds it)"
    )


# Bounded: each FreeType face keeps its file open, and the layout uses a handful of sizes.
@lru_cache(maxsize=256)
def _load_font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    _check_shaper()
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.RAQM)


def _check_shaper() -> None:
    if not features.check_feature("raqm"):
        raise CardRenderingUnavailable(
            "share cards need Pillow with raqm (libraqm, libfribidi) to shape Indic text"
        )
