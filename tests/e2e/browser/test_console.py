"""The provider console in a real browser, as front-desk staff use it.

Log in -> name, mobile, purpose -> the OTP screen (numeric keypad, countdown, resend after the
cooldown) -> the OTP the person reads out from their SMS (here: the demo outbox) -> the status
with its icon and the details the provider may see -> history. In English and in Gujarati, with
and without JavaScript, and axe-core on every page.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from babel.dates import format_time
from playwright.sync_api import Page, expect

from kyvs.i18n import STATUS_LABELS, translator
from kyvs.web.pages.rendering import INDIA
from tests.e2e.browser.conftest import (
    DESKTOP,
    PEOPLE,
    PHONE,
    PROVIDER_NAME,
    STAFF_PASSWORD,
    STAFF_USERNAME,
    Deployment,
    Person,
    assert_accessible,
)

CHECK_URL = re.compile(r"/console/checks/[0-9a-f-]+$")


def choose_language(page: Page, language: str) -> None:
    """Pick a language with the header's switcher, as a person would."""
    page.locator(f"header.top a[hreflang='{language}']").click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator(f"header.top a[hreflang='{language}']")).to_have_attribute(
        "aria-current", "true"
    )


def log_in(page: Page) -> None:
    page.fill("#username", STAFF_USERNAME)
    page.fill("#password", STAFF_PASSWORD)
    page.locator("form[action='/console/login'] button[type=submit]").click()
    expect(page.locator("#full_name")).to_be_visible()


def start_check(page: Page, person: Person) -> None:
    page.fill("#full_name", person.name)
    page.fill("#mobile_number", person.mobile)
    page.select_option("#purpose", "travel")
    page.locator("form[action='/console/checks'] button[type=submit]").click()
    expect(page).to_have_url(CHECK_URL)


def expect_result(page: Page, person: Person, language: str) -> None:
    """The big status (words and icon) and the details the provider's scopes allow."""
    words = translator(language)
    status = page.locator("section.status")
    expect(status).to_have_class(re.compile(rf"\bstatus-{person.status}\b"))
    expect(status.locator("h2")).to_have_text(words.gettext(STATUS_LABELS[person.status]))
    expect(status.locator("svg.icon")).to_be_visible()
    expect(page.locator("dl.details")).to_contain_text(person.name)
    expect(page.locator("table.doses tbody tr")).to_have_count(len(person.doses))
    new_check = page.locator("main a.button.primary")
    expect(new_check).to_have_text(words.gettext("New check"))
    expect(new_check).to_have_attribute("href", "/console")


# English at a desk, Gujarati on a phone: the viewport, the language and the person.
STAFF_CASES = {"en-desktop": ("en", DESKTOP, "asha"), "gu-phone": ("gu", PHONE, "bhavesh")}


@pytest.mark.parametrize("case", STAFF_CASES)
def test_staff_check_a_person_from_login_to_history(deployment: Deployment, open_page, shoot, case):
    language, viewport, who = STAFF_CASES[case]
    words = translator(language)
    person = PEOPLE[who]
    page = open_page(viewport)
    page.clock.install()  # real time flows; the test may jump past the resend cooldown
    page.goto(f"{deployment.base}/console")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    if language != "en":
        choose_language(page, language)
    shoot(page, "1-login")
    assert_accessible(page, "the console login")

    log_in(page)
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("#sms_language")).to_have_value(language)
    shoot(page, "2-form")
    assert_accessible(page, "the check form")

    start_check(page, person)
    otp = page.locator("#otp")
    expect(otp).to_have_attribute("inputmode", "numeric")
    expect(otp).to_have_attribute("autocomplete", "one-time-code")
    expect(otp).to_be_focused()
    countdown = page.locator("[data-expires]")
    expect(countdown).to_have_text(
        re.compile(re.escape(words.gettext("Expires in")) + r" [0-3]:[0-5]\d")
    )
    expect(countdown).not_to_have_text(countdown.inner_text())  # it ticks every second
    resend = page.locator("button[data-resend-at]")
    expect(resend).to_be_disabled()
    expect(resend).to_contain_text(words.gettext("Resend possible in"))
    shoot(page, "3-otp")
    assert_accessible(page, "the OTP screen")
    page.clock.fast_forward("00:31")
    expect(resend).to_be_enabled()
    expect(resend).to_have_text(words.gettext("Resend OTP"))

    # Typing the last digit submits the form: no button press needed.
    otp.press_sequentially(deployment.phones.newest_otp(person.mobile))
    expect_result(page, person, language)
    shoot(page, "4-result")
    assert_accessible(page, "the result")

    page.locator(".who a[href='/console/history']").click()
    check = page.locator("table.history tbody tr").filter(has_text=person.name)
    expect(check).to_have_count(1)
    expect(check).to_contain_text(words.gettext(STATUS_LABELS[person.status]))
    if language != "en":  # earlier checks made in English read in the page's language too
        outcomes = page.locator("table.history tbody td:nth-child(3)").all_inner_texts()
        assert not set(outcomes) & set(STATUS_LABELS), outcomes
    shoot(page, "5-history")
    assert_accessible(page, "the history")

    page.locator(".who a[href='/console']").click()
    expect(page.locator("#full_name")).to_have_value("")


def test_a_wrong_otp_shows_the_attempts_left_then_the_right_one_works(
    deployment: Deployment, open_page, shoot
):
    words = translator("en")
    person = PEOPLE["meera"]
    page = open_page(PHONE)
    page.goto(f"{deployment.base}/console")
    log_in(page)
    start_check(page, person)
    right = deployment.phones.newest_otp(person.mobile)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    page.locator("#otp").press_sequentially(wrong)
    left = words.nformat("{count} attempt left", "{count} attempts left", 2, count=2)
    expect(page.locator(".problem[role=alert]")).to_contain_text(
        words.gettext("The OTP is not correct.")
    )
    expect(page.locator("#otp-help strong")).to_have_text(left)
    expect(page.locator("#otp")).to_have_value("")
    shoot(page, "1-wrong-otp")
    assert_accessible(page, "the OTP screen with an error")

    page.locator("#otp").press_sequentially(right)
    expect_result(page, person, "en")
    shoot(page, "2-result")


def test_without_javascript_the_plain_forms_complete_a_check(
    deployment: Deployment, open_page, shoot
):
    # axe-core needs scripts, so these pages are checked by the tests above with JavaScript on.
    words = translator("en")
    person = PEOPLE["ravi"]
    page = open_page(PHONE, java_script_enabled=False)
    page.goto(f"{deployment.base}/console")
    log_in(page)
    expect(page.locator(".who")).to_contain_text(PROVIDER_NAME)
    start_check(page, person)
    expires = page.locator("[data-expires]")
    expires_at = dt.datetime.fromisoformat(expires.get_attribute("data-expires") or "")
    shown = format_time(expires_at.astimezone(INDIA), "short", locale="en_IN")
    expect(expires).to_have_text(words.format("The OTP is valid until {time}.", time=shown))
    resend = page.locator("button[data-resend-at]")
    expect(resend).to_be_enabled()
    expect(resend).to_have_text(words.gettext("Resend OTP"))
    shoot(page, "1-otp")

    resend.click()  # too soon: the server says how long to wait
    expect(page.locator(".problem")).to_contain_text(
        words.gettext("Please wait before asking for another OTP.")
    )
    shoot(page, "2-resend-too-soon")

    page.fill("#otp", deployment.phones.newest_otp(person.mobile))
    page.locator("form.otp button[type=submit]").click()
    expect(page).to_have_url(CHECK_URL)
    expect_result(page, person, "en")
    shoot(page, "3-result")

    page.locator("main a.button.primary").click()
    expect(page.locator("#full_name")).to_be_visible()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_landing_page_switches_language_and_is_accessible(
    deployment: Deployment, open_page, shoot, viewport
):
    page = open_page(viewport)
    page.goto(deployment.base)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_accessible(page, "the landing page")
    shoot(page, "en")
    choose_language(page, "gu")
    expect(page).to_have_url(f"{deployment.base}/")
    expect(page.locator("h1")).to_have_text(
        translator("gu").gettext("Know Your Vaccination Status")
    )
    assert_accessible(page, "the Gujarati landing page")
    shoot(page, "gu")
    choose_language(page, "en")
