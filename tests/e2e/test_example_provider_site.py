"""`examples/provider_site`: the docs' provider website runs the hosted flow against real kyvs.

A kyvs server with the demo data, a provider onboarded with the CLI whose allowed return URL is
the example's port, and the example server as a subprocess; httpx plays the visitor's browser.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kyvs.adapters.secret_keys import SecretKeys
from kyvs.services.demo import demo_api_key
from kyvs.settings import DEMO_SECRET
from tests.e2e.conftest import Cli, environment, free_port, running_server
from tests.e2e.forms import form_to

SERVER = Path(__file__).parents[2] / "examples" / "provider_site" / "server.py"
MOBILE = "9000000001"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Iterator[dict[str, object]]:
    folder = tmp_path_factory.mktemp("provider_site")
    cli = Cli(environment(f"sqlite:///{folder / 'kyvs.db'}", KYVS_DEMO="1"), folder)
    cli.run("db", "upgrade")
    cli.run("demo", "load")
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    provider = cli.json(
        "provider",
        "create",
        "--name",
        "Sagar Travels",
        "--category",
        "travel",
        "--scopes",
        "status,demographics",
        "--purposes",
        "travel",
        "--rate-limit",
        "1000/min",
        "--return-url",
        f"{site}/kyvs/return",
        "--embed-origin",
        site,
    )
    with running_server(cli.env, folder) as base:
        env = {
            **cli.env,
            "KYVS_URL": base,
            "KYVS_API_KEY": provider["api_key"],
            "KYVS_PROVIDER_ID": provider["provider_id"],
            "PORT": str(port),
        }
        log_path = folder / "provider-site.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, str(SERVER)], env=env, cwd=folder, stdout=log, stderr=log
            )
        try:
            _wait_until_up(site, process, log_path)
            yield {"cli": cli, "base": base, "site": site, "provider": provider}
        finally:
            process.terminate()
            process.wait(timeout=10)


def _wait_until_up(site: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the example site exited:\n{log.read_text()}")
        try:
            httpx.get(site, timeout=1)
        except httpx.TransportError:
            time.sleep(0.1)
        else:
            return
    raise AssertionError("the example site did not start in 15 s")


def sms_count(cli: Cli) -> int:
    return cli.phones.count(MOBILE)


def otp_sent(cli: Cli, after: int) -> str:
    """The newest OTP to the demo mobile, once more than `after` SMS reached it."""
    return cli.phones.otp_after(MOBILE, after)


@pytest.fixture
def visitor() -> Iterator[httpx.Client]:
    """The visitor's browser: it keeps its cookies (kyvs binds the check to this browser)."""
    with httpx.Client() as browser:
        yield browser


def start_on_site(deployment, visitor: httpx.Client) -> httpx.Response:
    """The visitor presses the button; the site redirects to the kyvs page, which we open."""
    pressed = visitor.post(f"{deployment['site']}/start")
    assert pressed.status_code == 303, pressed.text
    location = pressed.headers["location"]
    assert location.startswith(f"{deployment['base']}/hosted/")
    page = visitor.get(location)
    assert page.status_code == 200
    return page


def run_check(deployment, visitor: httpx.Client, page: httpx.Response) -> httpx.Response:
    """Details, then the OTP from the outbox: the kyvs done page with the form back to the site."""
    cli = deployment["cli"]
    before = sms_count(cli)
    action, fields = form_to(page, "/details")
    sent = visitor.post(action, data={**fields, "full_name": "Asha Patel", "mobile_number": MOBILE})
    assert sent.status_code == 303, sent.text
    otp_page = visitor.get(urljoin(action, sent.headers["location"]))
    action, fields = form_to(otp_page, "/otp")
    confirmed = visitor.post(action, data={**fields, "otp": otp_sent(cli, before)})
    assert confirmed.status_code == 303, confirmed.text
    done = visitor.get(urljoin(action, confirmed.headers["location"]))
    assert done.status_code == 200
    return done


def returned_form(deployment, done: httpx.Response) -> dict[str, str]:
    action, fields = form_to(done, "/kyvs/return")
    assert action == f"{deployment['site']}/kyvs/return"
    assert set(fields) == {"session_id", "result"}
    return fields


def checked_on_site(deployment, visitor: httpx.Client) -> dict[str, str]:
    """A whole check from the site's button: the fields kyvs's page posts back to the site."""
    return returned_form(
        deployment, run_check(deployment, visitor, start_on_site(deployment, visitor))
    )


def test_a_visitor_is_verified_and_the_site_shows_the_status(deployment, visitor):
    home = httpx.get(deployment["site"])
    assert home.status_code == 200
    assert "Book your trip — verify your vaccination status" in home.text
    done = run_check(deployment, visitor, start_on_site(deployment, visitor))
    fields = returned_form(deployment, done)

    thanks = httpx.post(f"{deployment['site']}/kyvs/return", data=fields)

    assert thanks.status_code == 200, thanks.text
    assert "Fully vaccinated" in thanks.text
    assert "Asha Patel" in thanks.text
    again = httpx.post(f"{deployment['site']}/kyvs/return", data=fields)
    assert again.status_code == 400, "a result counts once"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def forged(result: str, **claims: object) -> str:
    """`result` with changed claims, re-signed by a key that is not kyvs's."""
    header, payload, _ = result.split(".")
    body = {**json.loads(_unb64(payload)), **claims}
    signing_input = f"{header}.{_b64(json.dumps(body).encode())}"
    return f"{signing_input}.{_b64(Ed25519PrivateKey.generate().sign(signing_input.encode()))}"


def test_forged_or_tampered_results_are_rejected(deployment, visitor):
    site = deployment["site"]
    fields = checked_on_site(deployment, visitor)
    session_id, result = fields["session_id"], fields["result"]
    header, payload, signature = result.split(".")
    claims = json.loads(_unb64(payload))
    downgraded = {**claims, "kyvs": {**claims["kyvs"], "vaccination_status": 0}}
    attempts = {
        "tampered payload": {
            "session_id": session_id,
            "result": f"{header}.{_b64(json.dumps(downgraded).encode())}.{signature}",
        },
        "re-signed by another key": {"session_id": session_id, "result": forged(result)},
        "not a JWS": {"session_id": session_id, "result": "nonsense"},
        "no result": {"session_id": session_id},
        "unknown session": {"session_id": "00000000-0000-4000-8000-000000000000", "result": result},
        "a path, not a session": {"session_id": "../../verifications", "result": result},
    }
    for name, data in attempts.items():
        answer = httpx.post(f"{site}/kyvs/return", data=data)
        assert answer.status_code == 400, name
        assert "Fully vaccinated" not in answer.text, name
        assert "Not vaccinated" not in answer.text, name

    # none of that used up the real result
    assert httpx.post(f"{site}/kyvs/return", data=fields).status_code == 200


def test_a_result_of_another_providers_session_is_rejected(deployment, visitor):
    """The demo provider's session, completed on kyvs, posted to this provider's site."""
    base = deployment["base"]
    created = httpx.post(
        f"{base}/api/v1/hosted-sessions",
        headers={"X-Api-Key": demo_api_key(SecretKeys.of(DEMO_SECRET.encode()).tokens)},
        json={"return_url": "http://127.0.0.1:8001/kyvs/return", "purpose": "travel"},
    )
    assert created.status_code == 201, created.text
    done = run_check(deployment, visitor, visitor.get(created.json()["url"]))
    _, fields = form_to(done, "/kyvs/return")

    answer = httpx.post(f"{deployment['site']}/kyvs/return", data=fields)

    assert answer.status_code == 400
    assert "Fully vaccinated" not in answer.text


def test_cancel_brings_the_visitor_back(deployment, visitor):
    page = start_on_site(deployment, visitor)
    action, fields = form_to(page, "/cancel")
    cancelled = visitor.post(action, data=fields)
    assert cancelled.status_code == 303
    back = cancelled.headers["location"]
    assert back.startswith(f"{deployment['site']}/kyvs/return?")
    query = parse_qs(urlsplit(back).query)
    assert query["status"] == ["cancelled"]
    assert query["session_id"] == [page.url.path.rsplit("/", 1)[-1]]

    shown = httpx.get(back)

    assert shown.status_code == 200
    assert "cancelled" in shown.text
    assert "vaccinated" not in shown.text.lower()


def test_the_embed_page_frames_the_check_for_this_origin_only(deployment):
    page = httpx.get(f"{deployment['site']}/embed")
    assert page.status_code == 200
    found = re.search(r'<iframe src="([^"]+)"', page.text)
    assert found
    embed_url = found.group(1).replace("&amp;", "&")
    assert embed_url.startswith(f"{deployment['base']}/hosted/")
    assert embed_url.endswith("?embed=1")

    framed = httpx.get(embed_url)

    assert framed.status_code == 200
    policy = framed.headers["content-security-policy"]
    assert f"frame-ancestors {deployment['site']};" in policy
    assert "x-frame-options" not in framed.headers
    action, _ = form_to(framed, "/details")
    assert action.endswith("/details?embed=1"), "the flow stays in the frame"


def test_the_site_explains_when_kyvs_refuses_to_start(deployment, tmp_path):
    """A wrong API key: the site shows kyvs's refusal instead of dropping the connection."""
    port = free_port()
    env = {
        **deployment["cli"].env,
        "KYVS_URL": deployment["base"],
        "KYVS_API_KEY": "kyvs_wrong_key",
        "PORT": str(port),
    }
    log_path = tmp_path / "site.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, str(SERVER)], env=env, stdout=log, stderr=log)
    try:
        _wait_until_up(f"http://127.0.0.1:{port}", process, log_path)
        answer = httpx.post(f"http://127.0.0.1:{port}/start")
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert answer.status_code == 502
    assert "kyvs refused" in answer.text


def example_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("provider_site_server", SERVER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_site_checks_signature_key_and_audience_itself(deployment, visitor, monkeypatch):
    """Even if kyvs's answer agreed with a forged result, the JWS checks would refuse it."""
    fields = checked_on_site(deployment, visitor)
    session_id, result = fields["session_id"], fields["result"]
    site = example_module()
    jwks = httpx.get(f"{deployment['base']}/.well-known/jwks.json").json()
    held: dict[str, str] = {}

    def fake_kyvs(method: str, path: str, body: Any = None) -> Any:
        return jwks if path == "/.well-known/jwks.json" else {"result": held["result"]}

    monkeypatch.setattr(site, "kyvs", fake_kyvs)
    monkeypatch.setattr(site, "PROVIDER_ID", deployment["provider"]["provider_id"])
    header, payload, signature = result.split(".")
    other_kid = _b64(json.dumps({**json.loads(_unb64(header)), "kid": "someone-else"}).encode())
    refused = {
        "re-signed by another key": forged(result),
        "unknown kid": f"{other_kid}.{payload}.{signature}",
        "signature of another token": f"{header}.{payload}.{_b64(bytes(64))}",
    }
    for name, token in refused.items():
        site.started.add(session_id)
        held["result"] = token
        with pytest.raises(site.Rejected):
            site.check_result(session_id, token)
        assert session_id in site.started, name

    held["result"] = result
    monkeypatch.setattr(site, "PROVIDER_ID", "prv_someone_else")
    with pytest.raises(site.Rejected, match="not addressed to us"):
        site.check_result(session_id, result)
    monkeypatch.setattr(site, "PROVIDER_ID", deployment["provider"]["provider_id"])
    claims = site.check_result(session_id, result)
    assert claims["kyvs"]["vaccination_status"] == 2
    assert session_id not in site.started
