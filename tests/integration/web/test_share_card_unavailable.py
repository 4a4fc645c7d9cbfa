"""A server without the Noto fonts (Debian's fonts-noto-core) answers a card image with a 503
problem, `share-card-unavailable`, never a bare 500; the pages that show a card do without it.

The app is built through `bootstrap()` with a card renderer whose font finder searches an empty
folder, on a migrated SQLite database; the citizen logs in at /me and makes a share link.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from kyvs.adapters.card_cache import CachedCardRenderer
from kyvs.adapters.share_card import FontFinder, ShareCardRenderer
from kyvs.web.problem_catalogue import BY_SLUG
from tests.factories.citizen_pages import Citizen, logged_in_citizen

pytestmark = pytest.mark.anyio

SLUG = "share-card-unavailable"


async def _shared_by_a_citizen(tmp_path: Path, fonts: FontFinder) -> AsyncIterator[Citizen]:
    renderer = CachedCardRenderer(ShareCardRenderer(fonts=fonts))
    async for person in logged_in_citizen(
        tmp_path, raise_app_exceptions=False, card_renderer=renderer
    ):
        yield person


@pytest.fixture
async def without_fonts(tmp_path) -> AsyncIterator[Citizen]:
    empty = tmp_path / "no-fonts"
    empty.mkdir()
    async for person in _shared_by_a_citizen(tmp_path, FontFinder((empty,))):
        yield person


@pytest.fixture
async def with_fonts(tmp_path) -> AsyncIterator[Citizen]:
    async for person in _shared_by_a_citizen(tmp_path, FontFinder()):
        yield person


async def _share(citizen: Citizen) -> str:
    made = await citizen.post(
        "/me/share", reference_id=citizen.reference_id, name_on_card="initials", days="30"
    )
    assert made.status_code == 303
    return made.headers["location"].removeprefix("/me/cards/")


@pytest.mark.parametrize("size", ["square", "wide"])
async def test_a_card_image_without_its_fonts_is_a_503_problem(without_fonts, size):
    link_id = await _share(without_fonts)

    answer = await without_fonts.client.get(f"/s/{link_id}/card.png?size={size}")

    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert int(answer.headers["retry-after"]) > 0
    problem = answer.json()
    assert problem["type"].endswith(f"/{SLUG}")
    assert problem["status"] == 503 == BY_SLUG[SLUG].status
    assert problem["detail"] == (
        "The fonts needed to draw this card are not installed on the server."
    )
    assert "Traceback" not in answer.text
    assert "/usr/share" not in answer.text and "no-fonts" not in answer.text


async def test_the_card_page_says_the_picture_cannot_be_made_and_keeps_the_link(without_fonts):
    link_id = await _share(without_fonts)

    page = await without_fonts.client.get(f"/me/cards/{link_id}")

    assert page.status_code == 200
    assert BY_SLUG[SLUG].page_text in page.text
    assert "card.png" not in page.text
    assert f"/s/{link_id}" in page.text


async def test_the_public_page_stands_without_a_preview_image(without_fonts):
    link_id = await _share(without_fonts)

    page = await without_fonts.client.get(f"/s/{link_id}")

    assert page.status_code == 200
    assert "og:image" not in page.text
    assert "card.png" not in page.text


async def test_with_the_fonts_the_card_and_its_previews_are_there(with_fonts):
    link_id = await _share(with_fonts)

    card = await with_fonts.client.get(f"/s/{link_id}/card.png?size=wide")
    assert (card.status_code, card.headers["content-type"]) == (200, "image/png")
    assert card.content.startswith(b"\x89PNG")
    assert "card.png?size=square" in (await with_fonts.client.get(f"/me/cards/{link_id}")).text
    assert "og:image" in (await with_fonts.client.get(f"/s/{link_id}")).text
