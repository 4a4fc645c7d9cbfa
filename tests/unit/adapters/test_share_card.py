"""Share cards: sizes, a QR code that decodes, Indic shaping, names, and the PNG cache."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont

from kyvs.adapters.card_cache import CachedCardRenderer
from kyvs.adapters.share_card import (
    CARD_MSGIDS,
    CardRenderingUnavailable,
    FontFinder,
    ShareCardRenderer,
    alt_text,
    card_text,
    render_card,
    text_runs,
)
from kyvs.domain.share_cards import CardSize, CardSpec, graphemes, name_for_card
from kyvs.i18n import STATUS_LABELS, translator
from tests.qr import decode_qr_png

URL = "https://kyvs.example.in/s/q8Zr3XbT1mVw6NcYp0LkHs2JdFa9GeUo"
ARTEFACTS = Path(__file__).resolve().parents[3] / "test-artefacts" / "share-cards"
# A person in each first language: their name, and a date as that language writes it.
PEOPLE = {
    "en": ("Ravi Kumar", "12 March 2025"),
    "hi": ("सुनीता देशमुख", "12 मार्च 2025"),
    "gu": ("ભાવેશ શાહ", "12 માર્ચ 2025"),
    "mr": ("सुनीता देशमुख", "१२ मार्च २०२५"),
}


def spec(
    language: str = "en",
    size: CardSize = "square",
    status: int = 2,
    *,
    precaution: bool = False,
    name: str | None = "R. K.",
    url: str = URL,
) -> CardSpec:
    date = PEOPLE[language][1] if language in PEOPLE else "12 March 2025"
    return CardSpec(status, precaution, name, date, language, url, size)


def picture(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def decoded_qr(image: Image.Image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return decode_qr_png(buffer.getvalue())


@pytest.mark.parametrize(("size", "pixels"), [("square", (1080, 1080)), ("wide", (1200, 630))])
def test_a_card_is_a_png_of_its_size(size, pixels):
    image = picture(render_card(spec(size=size)))

    assert (image.format, image.size) == ("PNG", pixels)


@pytest.mark.parametrize("size", ["square", "wide"])
@pytest.mark.parametrize("language", ["en", "hi", "gu", "mr"])
def test_the_qr_code_decodes_to_the_share_url(language, size):
    name = name_for_card(PEOPLE[language][0], "full")
    image = picture(render_card(spec(language, size, precaution=True, name=name)))

    assert decoded_qr(image) == URL


def test_a_long_url_still_decodes():
    url = f"https://verify.kyvs.example.gov.in/s/{'x7Kq' * 40}"

    assert decoded_qr(picture(render_card(spec("gu", "wide", url=url)))) == url


def test_an_unsupported_language_gets_an_english_card():
    assert card_text(spec("fr", status=2)).status == "Fully vaccinated"
    assert picture(render_card(spec("fr"))).size == (1080, 1080)


def test_a_name_too_long_for_the_card_is_cut_at_a_cluster_with_an_ellipsis():
    unbroken = "क्षमाश्री" * 40
    png = render_card(spec("hi", "wide", name=unbroken))

    assert decoded_qr(picture(png)) == URL


# --- shaping: what raqm (HarfBuzz) does that the basic layout cannot ------------------------


def drawn(font: ImageFont.FreeTypeFont, text: str) -> Image.Image:
    image = Image.new("L", (400, 200), 0)
    ImageDraw.Draw(image).text((20, 150), text, 255, font, "ls")
    return image


@pytest.mark.parametrize(
    ("script", "conjunct"),
    [("Gujarati", "ક્ષ"), ("Gujarati", "શ્ર"), ("Devanagari", "क्ष"), ("Devanagari", "श्र")],
)
def test_conjuncts_are_shaped_into_one_ligature(script, conjunct):
    shaped = FontFinder().load(script, bold=False, size=120)
    path = FontFinder().path(script, bold=False)
    unshaped = ImageFont.truetype(str(path), 120, layout_engine=ImageFont.Layout.BASIC)

    assert shaped.layout_engine == ImageFont.Layout.RAQM
    assert ImageChops.difference(drawn(shaped, conjunct), drawn(unshaped, conjunct)).getbbox()
    # Unshaped: consonant, a visible virama below the line, consonant. Shaped: one narrower glyph.
    assert shaped.getlength(conjunct) < 0.75 * unshaped.getlength(conjunct)
    assert shaped.getbbox(conjunct)[3] < unshaped.getbbox(conjunct)[3]


def test_each_run_of_text_gets_the_font_of_its_script():
    assert text_runs("Bhavesh ભાવેશ શાહ") == [("Latin", "Bhavesh "), ("Gujarati", "ભાવેશ શાહ")]
    assert text_runs("12 मार्च 2025", "Gujarati") == [("Devanagari", "12 मार्च 2025")]
    assert text_runs("12/03/2025", "Gujarati") == [("Gujarati", "12/03/2025")]


def test_a_missing_font_names_the_package_to_install(tmp_path):
    with pytest.raises(CardRenderingUnavailable, match="fonts-noto-core"):
        FontFinder((tmp_path,)).path("Gujarati", bold=True)


def test_kyvs_font_dir_is_searched_first(tmp_path, monkeypatch):
    copy = tmp_path / "NotoSansTamil-Bold.ttf"
    copy.write_bytes(FontFinder().path("Tamil", bold=True).read_bytes())
    monkeypatch.setenv("KYVS_FONT_DIR", str(tmp_path))

    assert FontFinder().path("Tamil", bold=True) == copy


# --- words -------------------------------------------------------------------------------------


def test_the_words_come_from_the_catalog_of_the_language():
    words = translator("gu")
    text = card_text(spec("gu", status=1, precaution=True))

    assert text.status == words.gettext(STATUS_LABELS[1]) == "આંશિક રસીકરણ"
    assert (text.heading, text.scan, text.precaution) == tuple(map(words.gettext, CARD_MSGIDS))
    assert card_text(spec("gu")).precaution is None


def test_the_alt_text_says_the_status_in_words():
    assert alt_text(spec("hi", status=0, name=None)).startswith(
        f"{translator('hi').gettext('Vaccination status')}: टीकाकरण नहीं हुआ. 12 मार्च 2025"
    )


@pytest.mark.parametrize(
    "broken",
    [
        {"status_code": 3},
        {"size": "portrait"},
        {"share_url": ""},
        {"share_url": "https://kyvs.example.in/s/" + "x" * 600},
    ],
)
def test_a_spec_refuses_what_a_card_cannot_show(broken):
    fields: dict[str, Any] = {"status_code": 2, "precaution": False, "name": None}
    fields |= {"date_text": "1 May 2025"}
    fields |= {"language": "en", "share_url": URL, "size": "square"} | broken

    with pytest.raises(ValueError):
        CardSpec(**fields)


# --- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("full_name", "mode", "shown"),
    [
        ("  Ravi   kumar ", "full", "Ravi kumar"),
        ("ravi kumar", "initials", "R. K."),
        ("Ravi Kumar", "hidden", None),
        ("   ", "full", None),
        ("ભાવેશ શાહ", "initials", "ભા. શા."),
        ("सुनीता देशमुख", "initials", "सु. दे."),
        ("क्षमा श्रीवास्तव", "initials", "क्ष. श्री."),
        ("ક્ષિતિજ ત્રિવેદી", "initials", "ક્ષિ. ત્રિ."),
        ("ಕ್ಷಮಾ ರಾವ್", "initials", "ಕ್. ರಾ."),  # Kannada's virama is no linker (UAX #29)
        ("தமிழ் செல்வி", "initials", "த. செ."),
        ("ભાવેશ શાહ", "full", "ભાવેશ શાહ"),
    ],
)
def test_a_name_is_shown_as_the_person_chose(full_name, mode, shown):
    assert name_for_card(full_name, mode) == shown


@pytest.mark.parametrize(
    ("text", "clusters"),
    [
        ("ભાવેશ", ["ભા", "વે", "શ"]),
        ("सुनीता", ["सु", "नी", "ता"]),
        ("क्षितिज", ["क्षि", "ति", "ज"]),
        ("श्रीकांत", ["श्री", "कां", "त"]),
        ("क्\u200dष", ["क्\u200dष"]),  # a joiner keeps the conjunct
        ("க்ஷ", ["க்", "ஷ"]),
        ("José", ["J", "o", "s", "é"]),
        ("Jose\u0301", ["J", "o", "s", "e\u0301"]),
    ],
)
def test_grapheme_clusters_keep_marks_and_conjuncts_whole(text, clusters):
    assert list(graphemes(text)) == clusters


def test_an_unknown_name_mode_is_refused():
    with pytest.raises(ValueError, match="mode"):
        name_for_card("Ravi Kumar", "nickname")  # type: ignore[arg-type]


# --- cache -------------------------------------------------------------------------------------


class CountingRenderer:
    def __init__(self, size: int = 100) -> None:
        self.calls = 0
        self.size = size

    def render(self, card: CardSpec) -> bytes:
        self.calls += 1
        return bytes([self.calls % 256]) * self.size

    def can_draw(self, language: str) -> bool:
        return True


def test_the_cache_returns_the_same_png_and_counts_hits():
    cache = CachedCardRenderer(ShareCardRenderer())
    card = spec("mr", "wide", 1)

    first, second = cache.render(card), cache.render(spec("mr", "wide", 1))

    assert first == second
    assert first == render_card(card)
    assert (cache.hits, cache.misses) == (1, 1)


def test_the_cache_evicts_the_least_recently_used_by_size():
    renderer = CountingRenderer(size=100)
    cache = CachedCardRenderer(renderer, max_bytes=250)
    one, two, three = (spec(status=status) for status in (0, 1, 2))

    cache.render(one)
    cache.render(two)
    cache.render(one)  # `two` is now the least recently used
    cache.render(three)

    stats = cache.stats()
    assert (stats.entries, stats.bytes, stats.evictions) == (2, 200, 1)
    cache.render(one)
    assert renderer.calls == 3
    cache.render(two)
    assert renderer.calls == 4


def test_a_png_larger_than_the_cache_is_not_kept():
    renderer = CountingRenderer(size=500)
    cache = CachedCardRenderer(renderer, max_bytes=250)

    cache.render(spec())
    cache.render(spec())

    assert (renderer.calls, cache.stats().entries) == (2, 0)


# --- cards to look at ----------------------------------------------------------------------


LONG_NAME = "Venkata Lakshmi Narasimha Subrahmanya Sarma Chilukuri"
REVIEW = [
    ("en", "square", 2, True, "Ravi Kumar"),
    ("en", "wide", 0, False, None),
    ("en", "square", 1, False, "ભાવેશ શાહ"),  # a Gujarati name on an English card
    ("en", "wide", 2, True, LONG_NAME),
    ("hi", "square", 1, False, "सुनीता देशमुख"),
    ("hi", "wide", 2, True, "सु. दे."),
    ("gu", "square", 2, True, "ભાવેશ શાહ"),
    ("gu", "wide", 1, False, "ભા. શા."),
    ("gu", "square", 0, False, LONG_NAME),
    ("mr", "square", 0, False, "सुनीता देशमुख"),
    ("mr", "wide", 2, True, "क्षमा श्रीवास्तव"),
    ("mr", "wide", 1, False, None),
    ("hi", "square", 2, False, "क्षमाश्री" * 40),  # one unbroken word: cut with an ellipsis
]


@pytest.mark.parametrize(("language", "size", "status", "precaution", "name"), REVIEW)
def test_cards_are_saved_for_review(language, size, status, precaution, name):
    card = spec(language, size, status, precaution=precaution, name=name)
    png = render_card(card)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shown = "hidden" if name is None else "named"
    path = ARTEFACTS / f"{language}-{size}-status{status}-{shown}-{len(name or '')}.png"
    path.write_bytes(png)

    assert decoded_qr(picture(png)) == URL
