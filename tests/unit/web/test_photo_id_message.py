"""A refused Aadhaar or PAN number is explained on pages in every language kyvs speaks."""

from __future__ import annotations

import pytest

from kyvs.domain.errors import InvalidPhotoId
from kyvs.domain.people import PhotoId
from kyvs.i18n.catalogs import SUPPORTED_LANGUAGES
from kyvs.web.pages.messages import problem_text

ENGLISH = "The photo-ID number is not valid. Check it against the document."


def refused() -> InvalidPhotoId:
    with pytest.raises(InvalidPhotoId) as raised:
        PhotoId.parse("AADHAAR", "2341 2341 2347")
    return raised.value


def test_in_english_it_says_the_number_is_not_valid():
    assert problem_text(refused(), "en") == ENGLISH


@pytest.mark.parametrize("language", [lang for lang in SUPPORTED_LANGUAGES if lang != "en"])
def test_every_other_language_has_its_own_translation(language):
    text = problem_text(refused(), language)
    assert text != ENGLISH
    assert not text.isascii()
    assert "2347" not in text
