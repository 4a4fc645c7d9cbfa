"""Indic scripts to plain Latin letters, so a name typed in one script can match another.

`indic_to_latin` is the `ToLatin` function that `kyvs.domain.names` takes as an argument. It
transliterates each run of Devanagari, Bengali, Gurmukhi, Gujarati, Oriya, Tamil, Telugu, Kannada
or Malayalam with `indic_transliteration.sanscript` (to IAST), then flattens IAST to the letters
people type: `सुनीता शर्मा` → `sunita sharma`, `ભાવેશ પટેલ` → `bhavesh patel`. Anything else
passes through unchanged.

Hindi, Marathi, Gujarati, Punjabi, Bengali and Odia drop the inherent vowel `a` that the script
writes: at the end of a word (`राम` is Ram, not Rama) and between a vowel and a consonant-vowel
pair (`सरला` is Sarla, `રમેશભાઈ` is Rameshbhai). The deletion happens on the Indic text, where an
inherent `a` can still be told from a written `ā`. Dravidian scripts keep it (`ರಾಮ` is Rama).

Gurmukhi and Tamil are first rewritten letter for letter as Devanagari (the blocks share one
layout), since the library's own tables for them go wrong. Gurmukhi nukta letters then come out
like Devanagari's (`ਜ਼ੋਰਾਵਰ` and `ज़ोरावर` are both zoravar). Tamil does not mark voicing (க is k or
g), and comes out unvoiced: `முருகன்` is murukan, `கணேசன்` kanechan; the name matcher compares
Tamil-written words without voicing.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache

# Every Indic block has the ISCII layout: the same offset means the same letter in each script.
_BLOCKS = {
    0x0900: "devanagari",
    0x0980: "bengali",
    0x0A00: "gurmukhi",
    0x0A80: "gujarati",
    0x0B00: "oriya",
    0x0B80: "tamil",
    0x0C00: "telugu",
    0x0C80: "kannada",
    0x0D00: "malayalam",
}
_SCHWA_DROPPING = frozenset({0x0900, 0x0980, 0x0A00, 0x0A80, 0x0B00})
_DEVANAGARI = 0x0900
# Scripts read through Devanagari (see the module doc): the library read Gurmukhi ਜ਼ੋ as "jao",
# not "zo", and Tamil with voiced aspirates (க as "gh", ச as "jh").
_VIA_DEVANAGARI = frozenset({0x0A00, 0x0B80})
_TIPPI, _ADDAK, _ANUSVARA = 0x70, 0x71, 0x02
_NUKTA, _VIRAMA = 0x3C, 0x4D
# Candrabindu, anusvara, visarga, and Gurmukhi tippi and addak: they follow a vowel.
_MODIFIERS = frozenset({0x01, 0x02, 0x03, 0x70, 0x71})
# A word-final consonant after a virama keeps its `a` when it is one of these (mishra, krishna).
_KEEPS_FINAL_A = frozenset({0x2F, 0x30, 0x35, 0x32, 0x2E, 0x23, 0x28})  # y r v l m ṇ n
# Marks the library does not know, replaced by the nearest ones it does: candra o/e (डॉ),
# and the Malayalam chillu letters, which are a consonant with an implied virama.
_PREMAP = str.maketrans(
    {
        "\u0949": "\u094b", "\u0945": "\u0947", "\u0911": "\u0913", "\u090d": "\u090f",
        "\u0ac9": "\u0acb", "\u0ac5": "\u0ac7", "\u0a91": "\u0a93", "\u0a8d": "\u0a8f",
        "\u0d7a": "\u0d23\u0d4d", "\u0d7b": "\u0d28\u0d4d", "\u0d7c": "\u0d30\u0d4d",
        "\u0d7d": "\u0d32\u0d4d", "\u0d7e": "\u0d33\u0d4d", "\u0d7f": "\u0d15\u0d4d",
        "\u200c": None, "\u200d": None,  # zero-width (non-)joiners only steer rendering
        "\u0964": " ", "\u0965": " ",  # dandas, the full stops every Indic script shares
    }
)  # fmt: skip
# IAST letters that plain typing spells with two letters; the rest lose their diacritics.
_IAST_TO_TYPED = (
    (re.compile("jñ"), "gy"),  # ज्ञ is said gy in Hindi and Gujarati (Gyan)
    (re.compile("c"), "ch"),  # IAST c is ch, so IAST ch (छ) becomes chh
    (re.compile("[ṛṝ]"), "ri"),  # vocalic r: कृष्ण Krishna
    (re.compile("[śṣ]"), "sh"),
    (re.compile(r"ṃ(?=[pbm]|$)"), "m"),  # anusvara is m before a labial and at the end
    (re.compile("[ṃ~]"), "n"),  # elsewhere anusvara and candrabindu are n: संजय Sanjay
    (re.compile("'"), ""),  # avagraha
)


def _block(ch: str) -> int | None:
    base = ord(ch) & ~0x7F
    return base if base in _BLOCKS else None


@lru_cache(maxsize=4096)
def indic_to_latin(text: str) -> str:
    """`text` with every Indic-script run in plain Latin letters; other text is unchanged."""
    if all(_block(ch) is None for ch in text):
        return text
    parts = []
    for base, run in itertools.groupby(text.translate(_PREMAP), key=_block):
        chunk = "".join(run)
        parts.append(chunk if base is None else _transliterate(chunk, base))
    return "".join(parts)


def _transliterate(word: str, base: int) -> str:
    # Imported here, so importing kyvs does not load the library's scheme tables; it ships no
    # type hints, hence the ignore.
    from indic_transliteration import sanscript  # type: ignore[import-untyped]  # noqa: PLC0415

    drops_schwas = base in _SCHWA_DROPPING
    if base in _VIA_DEVANAGARI:
        word, base = _as_devanagari(word, base), _DEVANAGARI
    if drops_schwas:
        word = _drop_schwas(word, base)
    iast = str(sanscript.transliterate(word, _BLOCKS[base], sanscript.IAST))
    for pattern, typed in _IAST_TO_TYPED:
        iast = pattern.sub(typed, iast)
    return "".join(_typed(ch) for ch in unicodedata.normalize("NFKD", iast))


def _as_devanagari(word: str, base: int) -> str:
    """The same letters in Devanagari: Gurmukhi tippi is an anusvara, and addak, which doubles
    the consonant after it, goes (ਗਿੱਲ is गिल, Gill; names match doubled letters as single)."""
    out = []
    for ch in word:
        offset = ord(ch) - base
        if offset == _ADDAK:
            continue
        if offset == _TIPPI:
            offset = _ANUSVARA
        out.append(chr(_DEVANAGARI + offset) if 0 <= offset < 0x80 else ch)
    return "".join(out)


def _typed(ch: str) -> str:
    """A letter as typed; other letters and marks (diacritics, stray signs) go; the rest spaces."""
    if ch.isascii() and ch.isalpha():
        return ch
    return "" if unicodedata.category(ch)[0] in "LM" else " "


def _syllables(word: str, base: int) -> list[tuple[str, str]]:
    """Split into (kind, text): `a` consonant + inherent a, `cv` consonant + vowel sign,
    `c` consonant + virama, `v` independent vowel, `m` modifier, `x` anything else."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(word):
        offset, j = ord(word[i]) - base, i + 1
        if 0x15 <= offset <= 0x39 or 0x58 <= offset <= 0x5F:
            j += j < len(word) and ord(word[j]) - base == _NUKTA
            mark = ord(word[j]) - base if j < len(word) else None
            if mark == _VIRAMA:
                kind, j = "c", j + 1
            elif mark is not None and mark not in _MODIFIERS and _is_mark(word[j]):
                kind, j = "cv", j + 1
            else:
                kind = "a"
        elif offset in _MODIFIERS:
            kind = "m"
        else:
            kind = "v" if unicodedata.category(word[i]) == "Lo" else "x"
        out.append((kind, word[i:j]))
        i = j
    return out


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch) in {"Mn", "Mc"}


def _drop_schwas(word: str, base: int) -> str:
    """Add a virama where Hindi-like pronunciation drops the inherent `a` (see module doc)."""
    syl = _syllables(word, base)
    virama = chr(base + _VIRAMA)
    last = len(syl) - 1
    if last >= 1 and syl[last][0] == "a":
        conjunct = syl[last - 1][0] == "c"
        if not (conjunct and ord(syl[last][1][0]) - base in _KEEPS_FINAL_A):
            syl[last] = ("c", syl[last][1] + virama)
    # Right to left, as the rule is usually stated: a → ∅ / V C _ C V.
    for k in range(last - 1, 0, -1):
        if syl[k][0] == "a" and syl[k - 1][0] in {"a", "cv", "v"} and syl[k + 1][0] in {"a", "cv"}:
            syl[k] = ("c", syl[k][1] + virama)
    return "".join(text for _, text in syl)
