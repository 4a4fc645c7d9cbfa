"""Hosted sessions against a real `kyvs serve`, with httpx playing the person's browsers: three
starts at most, each from the details screen; bound to the browser that ran the check; the
result page shown once; the attestation names the session and the provider's nonce."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest

from kyvs.adapters.jws import verify
from tests.e2e.conftest import Cli, environment, running_server
from tests.e2e.deployments import Onboarding, Resident, onboard, register, upgrade
from tests.e2e.forms import form_to, has_form_to
from tests.e2e.phone import Phones

RETURN_URL = "https://shop.example.com/kyvs/return"
PROVIDER = "Sagar Travels"
# One mobile per test: a mobile gets only a few OTPs an hour.
PEOPLE = {
    "starts": Resident("Asha Patel", "9200000001", ("2021-05-01", "2021-08-01")),
    "pending": Resident("Bina Joshi", "9200000002", ("2021-05-01", "2021-08-01")),
    "bound": Resident("Chetan Rao", "9200000003", ("2021-05-01",)),
    "once": Resident("Divya Nair", "9200000004", ("2021-05-01", "2021-08-01")),
    "nonce": Resident("Esha Gill", "9200000005", ()),
    "withdrawn": Resident("Farah Khan", "9200000006", ("2021-05-01",)),
}
QUIET_S = 1.0  # how long to wait to be sure that no SMS is on its way


@dataclass(frozen=True)
class Deployment:
    base: str
    provider: dict[str, Any]
    phones: Phones

    def open_session(self, **extra: str) -> httpx.Response:
        """What the provider's server does: open a hosted session with its API key."""
        return httpx.post(
            f"{self.base}/api/v1/hosted-sessions",
            headers={"X-Api-Key": self.provider["api_key"]},
            json={"return_url": RETURN_URL, "purpose": "travel", **extra},
        )

    def state(self, session_id: str) -> dict[str, Any]:
        """What the provider's server reads back with its API key."""
        answer = httpx.get(
            f"{self.base}/api/v1/hosted-sessions/{session_id}",
            headers={"X-Api-Key": self.provider["api_key"]},
        )
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    folder = tmp_path_factory.mktemp("hosted")
    database_url = f"sqlite:///{folder / 'kyvs.db'}"
    cli = Cli(environment(database_url, KYVS_DEMO="1"), folder)
    upgrade(database_url)
    register(cli, PEOPLE.values())
    provider = onboard(database_url, [Onboarding(PROVIDER, return_urls=(RETURN_URL,))])[PROVIDER]
    phones = Phones(database_url)
    with running_server(cli.env, folder) as base:
        yield Deployment(base, provider, phones)
    phones.close()


@pytest.fixture
def browser() -> Iterator[httpx.Client]:
    """The person's browser: it keeps its cookies."""
    with httpx.Client() as client:
        yield client


@pytest.fixture
def other_browser() -> Iterator[httpx.Client]:
    """Another browser (another device, or the link copied elsewhere): its own cookies."""
    with httpx.Client() as client:
        yield client


@dataclass
class Check:
    """One hosted check as a browser runs it."""

    deployment: Deployment
    browser: httpx.Client
    person: Resident
    session_id: str
    url: str

    def page(self, browser: httpx.Client | None = None) -> httpx.Response:
        return (browser or self.browser).get(self.url)

    def post(
        self, page: httpx.Response, suffix: str, browser: httpx.Client | None = None, **data: str
    ) -> httpx.Response:
        action, fields = form_to(page, suffix)
        return (browser or self.browser).post(action, data={**fields, **data})

    def send_details(self, page: httpx.Response) -> httpx.Response:
        return self.post(
            page, "/details", full_name=self.person.name, mobile_number=self.person.mobile
        )

    def followed(self, answer: httpx.Response) -> httpx.Response:
        assert answer.status_code == 303, answer.text
        return self.browser.get(urljoin(str(answer.url), answer.headers["location"]))

    def otp_page(self) -> httpx.Response:
        """Name and mobile sent from the details screen: the OTP screen."""
        page = self.followed(self.send_details(self.page()))
        assert has_form_to(page, "/otp"), page.text
        return page

    def done_page(self) -> httpx.Response:
        """The OTP from the person's phone: the result page, with the form back to the site."""
        otp_page = self.otp_page()
        otp = self.deployment.phones.newest_otp(self.person.mobile)
        done = self.followed(self.post(otp_page, "/otp", otp=otp))
        assert done.status_code == 200, done.text
        return done

    def sms_count(self) -> int:
        return self.deployment.phones.count(self.person.mobile)


def a_check(deployment: Deployment, browser: httpx.Client, who: str, **extra: str) -> Check:
    created = deployment.open_session(**extra)
    assert created.status_code == 201, created.text
    body = created.json()
    return Check(deployment, browser, PEOPLE[who], body["session_id"], body["url"])


def gone(answer: httpx.Response) -> bool:
    """kyvs's page for a check that does not exist (or is not this browser's)."""
    return answer.status_code == 404 and "This check is no longer available" in answer.text


def test_a_session_starts_three_checks_and_refuses_a_fourth(deployment, browser):
    check = a_check(deployment, browser, "starts")
    first_details = check.page()
    for starts_left in (2, 1, 0):  # a typo in the name or mobile, three times
        otp_page = check.otp_page()
        details = check.followed(check.post(otp_page, "/restart"))
        assert has_form_to(details, "/details") is (starts_left > 0)
    assert len(deployment.phones.arrived_after(check.person.mobile, 2)) == 3

    page = check.page()
    assert page.status_code == 200
    assert not has_form_to(page, "/details"), "no form once every start is used"
    assert "This check was started too many times" in page.text
    refused = check.send_details(first_details)  # an old details form, posted all the same

    assert refused.status_code == 409
    assert "This check was started too many times" in refused.text
    time.sleep(QUIET_S)
    assert check.sms_count() == 3, "no fourth SMS"


def test_details_sent_again_on_the_otp_screen_are_refused_without_an_sms(deployment, browser):
    check = a_check(deployment, browser, "pending")
    details = check.page()
    otp_page = check.followed(check.send_details(details))
    otp = deployment.phones.newest_otp(check.person.mobile)
    sent = check.sms_count()

    again = check.send_details(details)  # the details form again, from the back button

    assert again.status_code == 409
    assert "An OTP was already sent for this check" in again.text
    assert has_form_to(again, "/otp"), "still the OTP screen"
    time.sleep(QUIET_S)
    assert check.sms_count() == sent, "no new SMS"
    assert deployment.state(check.session_id)["step"] == "otp"
    done = check.followed(check.post(otp_page, "/otp", otp=otp))
    assert has_form_to(done, "/kyvs/return"), "the first OTP still works"


def test_another_browser_cannot_continue_the_check_or_see_its_result(
    deployment, browser, other_browser
):
    check = a_check(deployment, browser, "bound")
    seen_before = check.page(other_browser)
    assert seen_before.status_code == 200, "anyone may open it before the first start"
    otp_page = check.otp_page()
    otp = deployment.phones.newest_otp(check.person.mobile)

    assert gone(check.page(other_browser))
    for suffix, data in [("/otp", {"otp": otp}), ("/resend", {}), ("/restart", {})]:
        assert gone(check.post(otp_page, suffix, other_browser, **data)), suffix
    person = {"full_name": check.person.name, "mobile_number": check.person.mobile}
    assert gone(check.post(seen_before, "/details", other_browser, **person))
    assert deployment.state(check.session_id)["step"] == "otp", "nothing changed"

    done = check.followed(check.post(otp_page, "/otp", otp=otp))
    assert has_form_to(done, "/kyvs/return")
    result = deployment.state(check.session_id)["result"]
    seen = check.page(other_browser)
    assert gone(seen)
    assert result not in seen.text


def test_the_result_page_is_shown_once(deployment, browser):
    check = a_check(deployment, browser, "once")
    done = check.done_page()
    _, fields = form_to(done, "/kyvs/return")
    result = fields["result"]
    assert fields["session_id"] == check.session_id

    again = check.page()

    assert again.status_code == 200
    assert "This check is complete" in again.text
    assert f"The result was sent to {PROVIDER}." in again.text
    assert result not in again.text
    assert not has_form_to(again, "/kyvs/return")
    state = deployment.state(check.session_id)
    assert (state["step"], state["result"]) == ("done", result), "the provider can still fetch it"


def test_the_attestation_names_the_session_and_the_providers_nonce(deployment, browser):
    nonce = "booking-4711_Yx2f"
    check = a_check(deployment, browser, "nonce", nonce=nonce)
    assert deployment.state(check.session_id)["nonce"] == nonce
    _, fields = form_to(check.done_page(), "/kyvs/return")

    jwks = httpx.get(f"{deployment.base}/.well-known/jwks.json").json()
    claims = verify(
        fields["result"],
        jwks,
        now=dt.datetime.now(dt.UTC),
        audience=deployment.provider["provider_id"],
    )

    assert (claims["hosted_session"], claims["nonce"]) == (check.session_id, nonce)
    assert claims["kyvs"]["vaccination_status"] == 0


@pytest.mark.parametrize("nonce", ["", "x" * 129, "not url safe", "a/b", "é"])
def test_a_nonce_that_is_not_1_to_128_url_safe_characters_is_refused(deployment, nonce):
    answer = deployment.open_session(nonce=nonce)
    assert answer.status_code == 422, answer.text


def test_a_session_without_a_nonce_says_none(deployment):
    created = deployment.open_session()
    assert created.status_code == 201
    assert "nonce" not in created.json()
    assert "nonce" not in deployment.state(created.json()["session_id"])


def test_the_browser_cookie_is_http_only_lax_and_only_for_hosted_pages(deployment, browser):
    check = a_check(deployment, browser, "once")
    cookies = check.page().headers.get_list("set-cookie")
    cookie = next(c for c in cookies if c.startswith("kyvs_hosted="))
    _, _, attributes = cookie.partition(";")
    assert {a.strip().lower() for a in attributes.split(";")} >= {
        "httponly",
        "path=/hosted",
        "samesite=lax",
    }
    assert "secure" not in attributes.lower(), "demo mode serves plain HTTP"


def test_a_result_whose_consent_the_person_withdrew_is_refused_to_the_provider(deployment, browser):
    check = a_check(deployment, browser, "withdrawn")
    check.done_page()
    mobile, base = check.person.mobile, deployment.base
    seen = deployment.phones.count(mobile)
    txn = httpx.post(f"{base}/api/v1/citizen/login", json={"mobile_number": mobile}).json()
    otp = deployment.phones.otp_after(mobile, seen)
    token = httpx.post(
        f"{base}/api/v1/citizen/login/{txn['txn_id']}/confirm", json={"otp": otp}
    ).json()["token"]
    me = {"Authorization": f"Bearer {token}"}
    (standing,) = httpx.get(f"{base}/api/v1/citizen/consents", headers=me).json()["disclosures"]

    httpx.post(f"{base}/api/v1/citizen/consents/{standing['consent_id']}/withdraw", headers=me)

    refused = httpx.get(
        f"{base}/api/v1/hosted-sessions/{check.session_id}",
        headers={"X-Api-Key": deployment.provider["api_key"]},
    )
    assert refused.status_code == 410
    assert refused.json()["type"] == "https://kyvs.dev/problems/consent-withdrawn"
