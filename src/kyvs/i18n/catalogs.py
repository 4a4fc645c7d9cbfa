"""Message catalogs: gettext `.po` files read with Babel at runtime, English as the fallback.

A message with a count has a `msgid_plural` and one `msgstr[i]` per plural form; the catalog's
`Plural-Forms` header (CLDR's, as `babel.messages.plurals.get_plural` gives it) picks the form,
as gettext's `ngettext` does. Placeholders stay `{names}` for `str.format`, in plural messages too.
"""

from __future__ import annotations

import gettext
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from babel.core import negotiate_locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

SOURCE_LANGUAGE = "en"
COMPLETE_LANGUAGES = ("en", "hi", "gu", "mr")
SUPPORTED_LANGUAGES = (*COMPLETE_LANGUAGES, "bn", "ta", "te", "kn", "ml", "pa", "or", "as")

# Each language named in itself, for a language switcher.
LANGUAGE_NAMES: Mapping[str, str] = {
    "en": "English",
    "hi": "हिन्दी",
    "gu": "ગુજરાતી",
    "mr": "मराठी",
    "bn": "বাংলা",
    "ta": "தமிழ்",
    "te": "తెలుగు",
    "kn": "ಕನ್ನಡ",
    "ml": "മലയാളം",
    "pa": "ਪੰਜਾਬੀ",
    "or": "ଓଡ଼ିଆ",
    "as": "অসমীয়া",
}

# The status labels' msgids, indexed by status code 0, 1, 2.
STATUS_LABELS = ("Not vaccinated", "Partially vaccinated", "Fully vaccinated")

# A hostile or broken header must not cost much: only this many characters and ranges are read.
_MAX_HEADER = 1000
_MAX_RANGES = 32
_QUALITY = re.compile(r"0(\.\d{0,3})?|1(\.0{0,3})?")


def placeholders(text: str) -> frozenset[str]:
    """The `{names}` a message formats (raises ValueError on unbalanced braces)."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


def _english_form(n: int) -> int:
    return 0 if n == 1 else 1


def _english(singular: str, plural: str, n: int) -> str:
    """The source text for the count `n` (English: the singular for 1 only)."""
    return (singular, plural)[_english_form(n)]


@dataclass(frozen=True, slots=True)
class Translator:
    """The messages of one language, falling back to English message by message."""

    language: str
    messages: Mapping[str, str]
    fallback: Mapping[str, str]
    plurals: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # by singular msgid
    form: Callable[[int], int] = _english_form  # the plural form a count takes

    def gettext(self, msgid: str) -> str:
        """The translation of `msgid`, else the English text, else `msgid` itself."""
        return self.messages.get(msgid) or self.fallback.get(msgid) or msgid

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The form of the translation that the count `n` takes, else the English one."""
        forms = self.plurals.get(singular)
        index = self.form(n)
        if forms and 0 <= index < len(forms):
            return forms[index]
        return _english(singular, plural, n)

    def format(self, msgid: str, **values: object) -> str:
        """The translation of `msgid` with `{placeholders}` filled in from `values`."""
        try:
            return self.gettext(msgid).format(**values)
        except (KeyError, IndexError, ValueError):
            # A translation that names other placeholders than the msgid must not lose the
            # message: the English text still carries every value.
            return (self.fallback.get(msgid) or msgid).format(**values)

    def nformat(self, singular: str, plural: str, n: int, **values: object) -> str:
        """The form of the translation that `n` takes, with `{placeholders}` from `values`."""
        try:
            return self.ngettext(singular, plural, n).format(**values)
        except (KeyError, IndexError, ValueError):
            return _english(singular, plural, n).format(**values)


def normalise_language(tag: str | None) -> str | None:
    """The supported language a tag like `gu`, `gu-IN` or `GU_in` names, or None."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in SUPPORTED_LANGUAGES else None


def translator(language: str) -> Translator:
    """The translator for `language` (a tag like `hi` or `hi-IN`); English when unsupported."""
    return _translator(normalise_language(language) or SOURCE_LANGUAGE)


@cache
def _translator(language: str) -> Translator:
    english = usable_messages(catalog(SOURCE_LANGUAGE))
    po_catalog = catalog(language)
    return Translator(
        language,
        usable_messages(po_catalog),
        english,
        usable_plurals(po_catalog),
        gettext.c2py(po_catalog.plural_expr),
    )


@cache
def catalog(language: str) -> Catalog:
    """The packaged catalog of a supported language, parsed once per process."""
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    path = resources.files("kyvs.i18n").joinpath("locales", language, "LC_MESSAGES", "messages.po")
    with path.open("rb") as po_file:
        return read_po(po_file, locale=language, domain="messages")


def usable_messages(po_catalog: Catalog) -> dict[str, str]:
    """The singular messages that have a translation which is neither empty nor fuzzy."""
    return {
        message.id: message.string
        for message in po_catalog
        if isinstance(message.id, str)
        and message.id
        and isinstance(message.string, str)
        and message.string
        and not message.fuzzy
    }


def usable_plurals(po_catalog: Catalog) -> dict[str, tuple[str, ...]]:
    """The plural messages, by singular msgid, whose every form is translated and not fuzzy."""
    return {
        message.id[0]: tuple(message.string)
        for message in po_catalog
        if message.pluralizable
        and isinstance(message.string, tuple | list)
        and len(message.string) == po_catalog.num_plurals
        and all(message.string)
        and not message.fuzzy
    }


def localized_status(code: int, language: str) -> str:
    """ "Fully vaccinated" and the others in `language`."""
    return translator(language).gettext(STATUS_LABELS[code])


def negotiate_language(accept_language_header: str | None, default: str = "en") -> str:
    """The best supported language for an `Accept-Language` header, by its q-values."""
    preferred = _preferred_tags(accept_language_header or "")
    chosen = negotiate_locale(preferred, SUPPORTED_LANGUAGES, sep="-", aliases={})
    return normalise_language(chosen) or default


def _preferred_tags(header: str) -> list[str]:
    """The tags of an `Accept-Language` header, best first; `*` and q=0 are dropped."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header[:_MAX_HEADER].split(",")[:_MAX_RANGES]):
        tag, _, params = item.partition(";")
        tag = tag.strip().replace("_", "-")
        quality = _quality(params)
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(ranked)]


def _quality(params: str) -> float:
    """The q-value of a range's parameters: 1 when absent, 0 when malformed."""
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            return float(value.strip()) if _QUALITY.fullmatch(value.strip()) else 0.0
    return 1.0
