"""Without its Noto fonts a card is not drawn: the finder says which font and package are missing,
and the renderer answers with the domain's ShareCardUnavailable (no server paths in its detail)."""

from __future__ import annotations

import pytest

from kyvs.adapters.card_cache import CachedCardRenderer
from kyvs.adapters.share_card import FontFinder, FontsMissing, ShareCardRenderer
from kyvs.domain.errors import ShareCardUnavailable
from kyvs.domain.share_cards import CardSpec

URL = "https://kyvs.example.in/s/q8Zr3XbT1mVw6NcYp0LkHs2JdFa9GeUo"


def card(language: str = "gu") -> CardSpec:
    return CardSpec(2, False, "ભા. શા.", "12 માર્ચ 2025", language, URL, "square")


@pytest.fixture
def no_fonts(tmp_path) -> FontFinder:
    return FontFinder((tmp_path,))


def test_a_folder_without_the_font_raises_fonts_missing_naming_font_and_package(no_fonts):
    with pytest.raises(FontsMissing, match=r"NotoSansGujarati-Bold\.ttf.*fonts-noto-core"):
        no_fonts.path("Gujarati", bold=True)


def test_loading_or_checking_a_missing_font_raises_fonts_missing(no_fonts):
    with pytest.raises(FontsMissing):
        no_fonts.load("Latin", bold=False, size=40)
    with pytest.raises(FontsMissing):
        no_fonts.check("Tamil")


def test_the_renderer_turns_missing_fonts_into_share_card_unavailable(no_fonts):
    renderer = ShareCardRenderer(fonts=no_fonts)

    with pytest.raises(ShareCardUnavailable) as raised:
        renderer.render(card())

    error = raised.value
    assert error.slug == "share-card-unavailable"
    assert error.detail == "The fonts needed to draw this card are not installed on the server."
    assert error.retry_after_s > 0
    assert isinstance(error.__cause__, FontsMissing)


def test_the_renderer_says_whether_a_language_can_be_drawn(no_fonts):
    assert not ShareCardRenderer(fonts=no_fonts).can_draw("gu")
    assert ShareCardRenderer().can_draw("gu")
    assert ShareCardRenderer().can_draw("fr")  # an English card


def test_the_cache_keeps_no_failure_and_passes_can_draw_on(no_fonts):
    cache = CachedCardRenderer(ShareCardRenderer(fonts=no_fonts))

    for _ in range(2):
        with pytest.raises(ShareCardUnavailable):
            cache.render(card())

    assert (cache.misses, cache.stats().entries) == (2, 0)
    assert not cache.can_draw("gu")
