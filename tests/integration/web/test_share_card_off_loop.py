"""Drawing a share card (tens of milliseconds of CPU) happens in a worker thread, never on the
event loop that serves everyone else's requests, and the card's link is the public one."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator

import pytest

from kyvs.adapters.card_cache import CachedCardRenderer
from kyvs.domain.share_cards import CardSpec
from tests.factories.citizen_pages import Citizen, logged_in_citizen

pytestmark = pytest.mark.anyio


class WatchedRenderer(CachedCardRenderer):
    """The real renderer, noting the thread and the spec of every drawing."""

    def __init__(self) -> None:
        super().__init__()
        self.drawn_on: list[threading.Thread] = []
        self.specs: list[CardSpec] = []

    def render(self, spec: CardSpec) -> bytes:
        self.drawn_on.append(threading.current_thread())
        self.specs.append(spec)
        return super().render(spec)


@pytest.fixture
def renderer() -> WatchedRenderer:
    return WatchedRenderer()


@pytest.fixture
async def citizen(tmp_path, renderer) -> AsyncIterator[Citizen]:
    async for person in logged_in_citizen(tmp_path, card_renderer=renderer):
        yield person


async def test_a_card_is_drawn_off_the_event_loop_with_the_public_link(citizen, renderer):
    made = await citizen.post(
        "/me/share", reference_id=citizen.reference_id, name_on_card="initials", days="30"
    )
    link_id = made.headers["location"].removeprefix("/me/cards/")
    loop_thread = threading.current_thread()  # the app runs on this test's event loop

    answer = await citizen.client.get(
        f"/s/{link_id}/card.png?size=square", headers={"Host": "localhost"}
    )

    assert answer.status_code == 200
    assert renderer.drawn_on and all(t is not loop_thread for t in renderer.drawn_on)
    assert {spec.share_url for spec in renderer.specs} == {f"http://127.0.0.1:8000/s/{link_id}"}
