"""Languages of kyvs: message catalogs shared by SMS texts and web pages, and negotiation.

`.po` files live in `locales/<lang>/LC_MESSAGES/messages.po` and are read with Babel when first
used (no compile step). Messages are English msgids with `{placeholders}` for `str.format`.
"""

from __future__ import annotations

from kyvs.i18n.catalogs import (
    COMPLETE_LANGUAGES,
    LANGUAGE_NAMES,
    SOURCE_LANGUAGE,
    STATUS_LABELS,
    SUPPORTED_LANGUAGES,
    Translator,
    localized_status,
    negotiate_language,
    normalise_language,
    translator,
)

__all__ = [
    "COMPLETE_LANGUAGES",
    "LANGUAGE_NAMES",
    "SOURCE_LANGUAGE",
    "STATUS_LABELS",
    "SUPPORTED_LANGUAGES",
    "Translator",
    "localized_status",
    "negotiate_language",
    "normalise_language",
    "translator",
]
