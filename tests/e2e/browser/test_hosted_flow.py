"""The hosted flow for websites in a real browser, like a payment checkout.

The provider's server opens a session with its API key -> the person's browser runs the check
on kyvs -> kyvs sends the browser back to the provider's return URL with a signed result, which
the provider verifies against kyvs's published keys. Also embedded in an iframe on the
provider's own page, which only the provider's allowed origins may do.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from playwright.sync_api import Page, expect

from kyvs.adapters.jws import verify
from kyvs.i18n import STATUS_LABELS, translator
from tests.e2e.browser.conftest import (
    DESKTOP,
    PEOPLE,
    PHONE,
    PROVIDER_NAME,
    Deployment,
    Person,
    assert_accessible,
)
from tests.e2e.conftest import free_port

EMBED_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Book a ticket</title></head>
<body><h1>Book a ticket</h1>
<iframe src="{src}" title="Vaccination check" width="420" height="760"></iframe>
</body></html>"""
RETURN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Thank you</title></head>
<body><h1>Back at the provider</h1></body></html>"""


class ProviderSite(ThreadingHTTPServer):
    """The provider's website on loopback: `/return` records what the browser brings back,
    `/embed?src=URL` is a page that frames `URL`."""

    daemon_threads = True

    def __init__(self, port: int) -> None:
        super().__init__(("127.0.0.1", port), SiteHandler)
        self.received: list[dict[str, str]] = []

    def brought_back(self, session_id: str) -> dict[str, str]:
        """What the browser brought back for `session_id` (waits a little for it)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            for fields in self.received:
                if fields.get("session_id") == session_id:
                    return fields
            time.sleep(0.05)
        raise AssertionError(f"the browser never came back with {session_id}: {self.received}")


class SiteHandler(BaseHTTPRequestHandler):
    server: ProviderSite

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(url.query).items()}
        if url.path == "/embed":
            self._answer(EMBED_PAGE.format(src=html.escape(query["src"])))
        elif url.path == "/return":  # a cancelled check comes back with a GET
            self.server.received.append(query)
            self._answer(RETURN_PAGE)
        else:
            self.send_error(404)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0"))).decode()
        fields = {name: values[0] for name, values in parse_qs(body).items()}
        self.server.received.append(fields)
        self._answer(RETURN_PAGE)

    def _answer(self, page: str) -> None:
        data = page.encode()
        self.send_response(200)
        self.send_header("content-type", "text/html; charset=utf-8")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        """Quiet: the test reports what matters."""


@contextlib.contextmanager
def serving(port: int) -> Iterator[ProviderSite]:
    server = ProviderSite(port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def site(deployment: Deployment) -> Iterator[ProviderSite]:
    """The provider's site on the port of its allowed return URL and embed origin."""
    with serving(deployment.site_port) as server:
        yield server


@pytest.fixture(scope="module")
def stranger() -> Iterator[str]:
    """Another site (another port, so another origin) that tries to frame the flow."""
    port = free_port()
    with serving(port):
        yield f"http://127.0.0.1:{port}"


def open_session(deployment: Deployment, language: str) -> dict[str, Any]:
    """What the provider's server does: open a hosted session with its API key."""
    answer = httpx.post(
        f"{deployment.base}/api/v1/hosted-sessions",
        headers={"X-Api-Key": deployment.provider["api_key"]},
        json={"return_url": f"{deployment.site}/return", "purpose": "travel", "language": language},
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def give_details_and_otp(
    page: Page, deployment: Deployment, person: Person, shoot, *, stay_on_the_result: bool = False
) -> None:
    """The person's part: name and mobile, then the OTP from their SMS; ends on the result.

    `stay_on_the_result` keeps kyvs.js from the result page (the OTP page has it already), so
    the page waits for the button instead of leaving: it is shown once, for axe to read it."""
    page.fill("#full_name", person.name)
    page.fill("#mobile_number", person.mobile)
    page.locator("form[action*='/details'] button[type=submit]").click()
    otp = page.locator("#otp")
    expect(otp).to_have_attribute("inputmode", "numeric")
    expect(otp).to_have_attribute("autocomplete", "one-time-code")
    shoot(page, "2-otp")
    assert_accessible(page, "the hosted OTP screen")
    hold_the_clock(page)
    if stay_on_the_result:
        page.route("**/static/kyvs.js", lambda route: route.abort())
    otp.press_sequentially(deployment.phones.newest_otp(person.mobile))


def hold_the_clock(page: Page) -> None:
    """Stop the page's timers (from the next page on too), so that the result page's automatic
    return waits for the test's word. axe-core needs running timers: call it before, not after."""
    page.clock.pause_at(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))


def assert_sent_once(page: Page, open_page, url: str, language: str) -> None:
    """The result page is shown once: this browser then reads that it was sent (axe checks that
    page), and another browser finds no check at all."""
    words = translator(language)
    page.clock.resume()  # axe-core needs running timers
    page.goto(url)
    expect(page.locator("h1")).to_have_text(words.gettext("This check is complete"))
    expect(page.locator("section.status")).to_have_count(0)
    expect(page.locator("form[data-autosubmit]")).to_have_count(0)
    assert_accessible(page, "the hosted check, once its result was sent")
    elsewhere = open_page(PHONE)  # in its own language: it knows nothing of the check
    elsewhere.goto(url)
    expect(elsewhere.locator("h1")).to_have_text("This check is no longer available")


def expect_status(page: Page, person: Person, language: str) -> None:
    status = page.locator("section.status")
    expect(status).to_have_class(re.compile(rf"\bstatus-{person.status}\b"))
    expect(status.locator("h2")).to_have_text(
        translator(language).gettext(STATUS_LABELS[person.status])
    )
    expect(status.locator("svg.icon")).to_be_visible()


def check_signed_result(deployment: Deployment, brought: dict[str, str], person: Person) -> None:
    """What the provider's server does with the result: verify it against kyvs's keys."""
    jwks = httpx.get(f"{deployment.base}/.well-known/jwks.json").json()
    claims = verify(
        brought["result"],
        jwks,
        now=dt.datetime.now(dt.UTC),
        audience=deployment.provider["provider_id"],
    )
    assert claims["kyvs"]["vaccination_status"] == person.status
    state = httpx.get(
        f"{deployment.base}/api/v1/hosted-sessions/{brought['session_id']}",
        headers={"X-Api-Key": deployment.provider["api_key"]},
    ).json()
    assert (state["step"], state["result"]) == ("done", brought["result"])


# The language of the session, the person, and how the browser leaves the result page.
RETURN_CASES = {
    "en-automatic-return": ("en", "asha", "automatically"),
    "gu-continue-button": ("gu", "bhavesh", "with-the-button"),
}


@pytest.mark.parametrize("case", RETURN_CASES)
def test_a_person_checks_on_kyvs_and_returns_to_the_provider(
    deployment: Deployment, site: ProviderSite, open_page, shoot, case
):
    language, who, leave = RETURN_CASES[case]
    words = translator(language)
    person = PEOPLE[who]
    session = open_session(deployment, language)
    page = open_page(PHONE)
    page.clock.install()
    page.goto(session["url"])
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("h1")).to_have_text(
        words.format("{provider} asks for your vaccination status", provider=PROVIDER_NAME)
    )
    shoot(page, "1-details")
    assert_accessible(page, "the hosted details screen")

    give_details_and_otp(
        page, deployment, person, shoot, stay_on_the_result=leave == "with-the-button"
    )
    expect_status(page, person, language)
    expect(page.locator("dl.details")).to_contain_text(person.name)
    go_on = page.locator("form[data-autosubmit] button[type=submit]")
    expect(go_on).to_have_text(words.format("Continue to {provider}", provider=PROVIDER_NAME))
    shoot(page, "3-result")

    if leave == "automatically":
        page.clock.run_for(2000)
        expect(page).to_have_url(session["url"])  # still reading the result
        page.clock.run_for(600)
    else:
        page.clock.resume()  # axe-core needs running timers; without kyvs.js the page stays
        assert_accessible(page, "the hosted result")
        go_on.click()
    expect(page).to_have_url(f"{deployment.site}/return")
    expect(page.locator("h1")).to_have_text("Back at the provider")
    check_signed_result(deployment, site.brought_back(session["session_id"]), person)
    assert_sent_once(page, open_page, session["url"], language)


def test_without_javascript_the_continue_button_returns(
    deployment: Deployment, site: ProviderSite, open_page, shoot
):
    person = PEOPLE["ravi"]
    session = open_session(deployment, "en")
    page = open_page(PHONE, java_script_enabled=False)
    page.goto(session["url"])
    page.fill("#full_name", person.name)
    page.fill("#mobile_number", person.mobile)
    page.locator("form[action*='/details'] button[type=submit]").click()
    page.fill("#otp", deployment.phones.newest_otp(person.mobile))
    page.locator("form.otp button[type=submit]").click()
    expect_status(page, person, "en")
    expect(page.locator("table.doses")).to_have_count(0)  # no doses to list
    shoot(page, "result")
    page.locator("form[data-autosubmit] button[type=submit]").click()
    expect(page).to_have_url(f"{deployment.site}/return")
    check_signed_result(deployment, site.brought_back(session["session_id"]), person)


def test_the_person_may_switch_the_language_the_provider_chose(
    deployment: Deployment, open_page, shoot
):
    session = open_session(deployment, "en")
    page = open_page(PHONE)
    page.goto(session["url"])
    page.locator("header.top a[hreflang='gu']").click()
    expect(page).to_have_url(session["url"])
    expect(page.locator("html")).to_have_attribute("lang", "gu")
    expect(page.locator("h1")).to_have_text(
        translator("gu").format(
            "{provider} asks for your vaccination status", provider=PROVIDER_NAME
        )
    )
    shoot(page, "gu")


def test_a_person_may_cancel_and_go_back_without_a_result(
    deployment: Deployment, site: ProviderSite, open_page, shoot
):
    session = open_session(deployment, "en")
    page = open_page(PHONE)
    page.goto(session["url"])
    page.locator("form[action*='/cancel'] button").click()
    expect(page).to_have_url(re.compile(re.escape(f"{deployment.site}/return?")))
    brought = site.brought_back(session["session_id"])
    assert brought == {"session_id": session["session_id"], "status": "cancelled"}


def test_the_provider_page_embeds_the_flow(
    deployment: Deployment, site: ProviderSite, open_page, shoot
):
    person = PEOPLE["meera"]
    session = open_session(deployment, "en")
    framed = httpx.get(session["embed_url"])
    assert f"frame-ancestors {deployment.site};" in framed.headers["content-security-policy"]
    assert "x-frame-options" not in framed.headers

    page = open_page(DESKTOP)
    page.clock.install()
    page.goto(f"{deployment.site}/embed?src={quote(session['embed_url'])}")
    flow = page.frame_locator("iframe")
    expect(flow.locator("#full_name")).to_be_visible()
    expect(flow.locator("header.top")).to_have_count(0)  # no kyvs chrome inside the site
    frame = page.frame(url=re.compile(re.escape(session["url"])))
    assert frame is not None
    shoot(page, "1-details")
    assert_accessible(frame, "the embedded details screen")

    flow.locator("#full_name").fill(person.name)
    flow.locator("#mobile_number").fill(person.mobile)
    flow.locator("form[action*='/details'] button[type=submit]").click()
    expect(flow.locator("#otp")).to_be_visible()
    shoot(page, "2-otp")
    assert_accessible(frame, "the embedded OTP screen")
    hold_the_clock(page)
    flow.locator("#otp").press_sequentially(deployment.phones.newest_otp(person.mobile))
    expect(flow.locator("section.status")).to_have_class(re.compile(r"\bstatus-1\b"))
    shoot(page, "3-result")

    # The result leaves the frame: the whole tab goes to the return URL.
    flow.locator("form[data-autosubmit] button[type=submit]").click()
    expect(page).to_have_url(f"{deployment.site}/return")
    check_signed_result(deployment, site.brought_back(session["session_id"]), person)


def test_another_origin_cannot_frame_the_flow(
    deployment: Deployment, stranger: str, open_page, shoot
):
    session = open_session(deployment, "en")
    policy = httpx.get(session["embed_url"]).headers["content-security-policy"]
    assert stranger not in policy
    plain = httpx.get(session["url"]).headers
    assert "frame-ancestors 'none'" in plain["content-security-policy"]
    assert plain["x-frame-options"] == "DENY"

    page = open_page(DESKTOP)
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))
    page.goto(f"{stranger}/embed?src={quote(session['embed_url'])}")
    expect(page.locator("iframe")).to_be_visible()
    page.wait_for_load_state("load")
    expect(page.frame_locator("iframe").locator("#full_name")).to_have_count(0)
    assert any("frame-ancestors" in text for text in refused), refused
    shoot(page, "refused")
