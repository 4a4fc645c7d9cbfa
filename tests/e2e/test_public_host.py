"""Links point at the public base URL, whatever the request's Host; unknown hosts are refused.

A real `kyvs serve` configured with `KYVS_PUBLIC_BASE_URL`: a share link, its card's QR code and a
hosted-session URL all start with the public address, the card is the same picture whichever
host it is fetched through, and a request naming another host gets `400 untrusted-host`.
"""

from __future__ import annotations

import subprocess
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.conftest import KYVS, Cli, environment, free_port, running_server
from tests.e2e.deployments import Onboarding, Resident, onboard, register, upgrade
from tests.qr import decode_qr_png

# Short enough for the notice link in the SMS ({#url#} takes at most 30 characters).
PUBLIC = "https://kyvs.gov.example"
MOBILE = "9300000071"
RETURN_URL = "https://hotel.example/kyvs/return"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("public-host")
    database_url = f"sqlite:///{folder / 'kyvs.db'}"
    cli = Cli(environment(database_url, KYVS_DEMO="1", KYVS_PUBLIC_BASE_URL=PUBLIC), folder)
    upgrade(database_url)
    refs = register(cli, [Resident("Kavya Rao", MOBILE, ("2021-05-01", "2021-08-01"))])
    provider = onboard(
        database_url,
        [Onboarding("Hotel Kaveri", purposes=("accommodation",), return_urls=(RETURN_URL,))],
    )["Hotel Kaveri"]
    with running_server(cli.env, folder) as base:
        yield {"cli": cli, "base": base, "refs": refs, "provider": provider}


def through(world, public_url: str, host: str | None = None) -> httpx.Response:
    """GET a public URL from this test's server, naming `host` (default: the public one)."""
    parts = urlsplit(public_url)
    headers = {"Host": host or parts.netloc}
    return httpx.get(f"{world['base']}{parts.path}?{parts.query}", headers=headers)


def citizen_token(world) -> dict[str, str]:
    base, phones = world["base"], world["cli"].phones
    seen = phones.count(MOBILE)
    txn = httpx.post(f"{base}/api/v1/citizen/login", json={"mobile_number": MOBILE}).json()
    otp = phones.otp_after(MOBILE, seen)
    confirmed = httpx.post(
        f"{base}/api/v1/citizen/login/{txn['txn_id']}/confirm", json={"otp": otp}
    )
    return {"Authorization": f"Bearer {confirmed.json()['token']}"}


def test_a_request_for_an_unknown_host_is_refused_with_a_problem(world):
    answer = httpx.get(f"{world['base']}/api/v1/citizen/challenge", headers={"Host": "evil.test"})

    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["type"].endswith("/untrusted-host")


def test_a_page_for_an_unknown_host_is_an_error_page(world):
    answer = httpx.get(f"{world['base']}/me", headers={"Host": "evil.test:8000"})

    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")


def test_the_public_host_and_loopback_are_served_and_probes_need_no_host(world):
    assert httpx.get(f"{world['base']}/me", headers={"Host": "kyvs.gov.example"}).is_success
    assert httpx.get(f"{world['base']}/me").is_success  # 127.0.0.1:port
    assert httpx.get(f"{world['base']}/healthz", headers={"Host": "10.0.0.7:8000"}).is_success


def test_a_share_link_and_its_cards_qr_use_the_public_address_whatever_the_host(world):
    me = citizen_token(world)
    link = httpx.post(
        f"{world['base']}/api/v1/citizen/share-links",
        headers={**me, "Host": "localhost"},
        json={"reference_id": world["refs"]["Kavya Rao"]},
    ).json()

    assert link["url"].startswith(f"{PUBLIC}/s/")
    through_public = through(world, link["card_square"]).content
    through_loopback = through(world, link["card_square"], host="localhost").content
    assert through_public == through_loopback
    assert decode_qr_png(through_public) == link["url"]
    page = through(world, link["url"], host="127.0.0.1")
    assert f'content="{link["url"]}/card.png?size=wide"' in page.text


def test_a_hosted_session_url_uses_the_public_address(world):
    created = httpx.post(
        f"{world['base']}/api/v1/hosted-sessions",
        headers={"X-Api-Key": world["provider"]["api_key"], "Host": "localhost"},
        json={"return_url": RETURN_URL, "purpose": "accommodation"},
    )

    assert created.status_code == 201, created.text
    assert created.json()["url"].startswith(f"{PUBLIC}/hosted/")


def test_serving_every_address_outside_demo_mode_needs_a_public_base_url(tmp_path):
    env = environment(f"sqlite:///{tmp_path / 'kyvs.db'}", KYVS_SECRET_KEY="k" * 40)
    port = str(free_port())
    refused = subprocess.run(
        [KYVS, "serve", "--host", "0.0.0.0", "--port", port],  # noqa: S104 - the case under test
        check=False,
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert refused.returncode == 1
    assert "KYVS_PUBLIC_BASE_URL" in refused.stderr
