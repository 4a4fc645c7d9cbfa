"""The citizen's pages in a real browser: `/me` and the public page behind a share card.

A provider checks someone through the API -> a citizen logs in at /me with the mobile and the
OTP from the SMS (here: the demo outbox) -> everyone on the mobile with status, doses and the
precaution due date -> who checked them -> blocks that provider -> asks for a correction ->
makes a share card (PNG preview, downloads, Web Share only where the browser has it) -> its
public page and the QR on the card -> revokes the link. In English, Hindi, Gujarati and Marathi,
on a phone and at a desk, with and without JavaScript, and axe-core on every page.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from babel.dates import format_date
from playwright.sync_api import Locator, Page, ViewportSize, expect

from kyvs.domain.citizen import initials
from kyvs.i18n import STATUS_LABELS, translator
from kyvs.web.pages.rendering import locale_of
from tests import budget
from tests.e2e.browser.conftest import (
    DESKTOP,
    PHONE,
    PROVIDER_NAME,
    Deployment,
    Person,
    assert_accessible,
)
from tests.qr import decode_qr_png

CHECK_SMS, LOGIN_SMS = "verification-otp", "citizen-login-otp"  # the outbox's categories
CARD_URL = re.compile(r"/me/cards/([A-Za-z0-9_-]+)$")
FULL, PARTIAL, NONE = ("2021-05-01", "2021-08-01"), ("2022-01-20",), ()
# 26 weeks after the second dose on 2021-08-01: the precaution policy in force since July 2022.
PRECAUTION_DUE = dt.date(2022, 1, 30)


def household(mobile: str, *names: str) -> tuple[Person, Person, Person]:
    """Three people on one mobile: fully, partially and not vaccinated."""
    full, partial, none = names
    return (
        Person(full, mobile, FULL, 2),
        Person(partial, mobile, PARTIAL, 1),
        Person(none, mobile, NONE, 0),
    )


# Case -> language, viewport, whether the browser can share (Web Share API).
CASES: dict[str, tuple[str, ViewportSize, bool]] = {
    "en-phone": ("en", PHONE, False),
    "hi-phone": ("hi", PHONE, False),
    "gu-phone": ("gu", PHONE, False),
    "en-desktop": ("en", DESKTOP, True),
}
if budget.thorough():  # Marathi shares Hindi's script and path; `make test-long` adds it
    CASES["mr-phone"] = ("mr", PHONE, False)
# Every case has a household on a mobile of its own: a mobile gets only five OTPs an hour
# (logins and providers' checks together).
HOUSEHOLDS = {
    "en-phone": household("9200000001", "Kavita Rao", "Arjun Rao", "Diya Rao"),
    "hi-phone": household("9200000002", "सुनीता वर्मा", "राहुल वर्मा", "पूजा वर्मा"),
    "gu-phone": household("9200000003", "હેતલ દેસાઈ", "કિરણ દેસાઈ", "જય દેસાઈ"),
    "mr-phone": household("9200000004", "अनिता पाटील", "सचिन पाटील", "ओम पाटील"),
    "en-desktop": household("9200000005", "Nisha Iyer", "Vikram Iyer", "Tara Iyer"),
}
NO_SCRIPT = household("9200000006", "Lata Menon", "Manoj Menon", "Anu Menon")
CHALLENGED = household("9200000007", "Rekha Bose", "Amit Bose", "Sona Bose")

# A stand-in for a phone's share sheet: records what the page asked to share.
FAKE_WEB_SHARE = """
navigator.share = (data) => { window.sharedData = data; return Promise.resolve(); };
navigator.canShare = () => true;
"""
NO_WEB_SHARE = "delete Navigator.prototype.share; delete Navigator.prototype.canShare;"


@pytest.fixture(scope="module")
def households(deployment: Deployment, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The cases' households, imported into the module's deployment as an operator would."""
    path = tmp_path_factory.mktemp("households") / "households.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        rows = csv.writer(out)
        rows.writerow(
            [
                *("full_name", "birth_year", "gender", "mobile"),
                *("dose1_vaccine", "dose1_date", "dose2_vaccine", "dose2_date"),
            ]
        )
        people = [p for family in HOUSEHOLDS.values() for p in family]
        people += [*NO_SCRIPT, *CHALLENGED]
        for person in people:
            doses = [("COVISHIELD", day) for day in person.doses]
            doses += [("", "")] * (2 - len(doses))
            rows.writerow([person.name, 1985, "F", person.mobile, *(x for d in doses for x in d)])
    deployment.cli.run("registry", "import", str(path))


def choose_language(page: Page, language: str) -> None:
    """Pick a language with the header's switcher, as a person would."""
    page.locator(f"header.top a[hreflang='{language}']").click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator(f"header.top a[hreflang='{language}']")).to_have_attribute(
        "aria-current", "true"
    )


def ask_for_a_check(deployment: Deployment, person: Person) -> str:
    """A provider starts a check of `person` through the API (an OTP goes to their mobile);
    returns the check's txn id."""
    asked = httpx.post(
        f"{deployment.base}/api/v1/verifications",
        headers={"X-Api-Key": deployment.provider["api_key"]},
        json={"full_name": person.name, "mobile_number": person.mobile, "purpose": "travel"},
    )
    assert asked.status_code == 202, asked.text
    return str(asked.json()["txn_id"])


def confirm_the_check(deployment: Deployment, txn_id: str, otp: str) -> None:
    confirmed = httpx.post(
        f"{deployment.base}/api/v1/verifications/{txn_id}/confirm",
        headers={"X-Api-Key": deployment.provider["api_key"]},
        json={"otp": otp},
    )
    assert confirmed.status_code == 200, confirmed.text


def otps_of_each_kind(deployment: Deployment, mobile: str) -> dict[str, str]:
    """The newest OTP of each kind of SMS (a provider's check, a login) to `mobile`, waiting
    until both have arrived."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        otps: dict[str, str] = {}
        for sms in deployment.phones.messages(mobile, last=10):
            found = re.search(r"\b[0-9]{6}\b", sms.text)
            if found:
                otps.setdefault(sms.category, found.group(0))
        if {CHECK_SMS, LOGIN_SMS} <= otps.keys():
            return otps
        time.sleep(0.2)
    raise AssertionError(f"the SMS of a check and of a login did not both reach {mobile}")


def ask_for_a_login_otp(page: Page, mobile: str, language: str) -> None:
    """At /me (already open): the mobile, then the OTP screen."""
    page.fill("#mobile_number", mobile)
    page.locator("form[action='/me/login'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/me/otp$"))
    expect(page.locator("h1")).to_have_text(translator(language).gettext("Enter the OTP"))


def enter_the_login_otp(page: Page, otp: str, language: str, *, script: bool) -> None:
    if script:
        page.locator("#otp").press_sequentially(otp)  # the last digit submits the form
    else:
        page.fill("#otp", otp)
        page.locator("form.otp button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/me$"))
    expect(page.locator("h1")).to_have_text(translator(language).gettext("People on your mobile"))


def person_section(page: Page, person: Person) -> Locator:
    return page.locator("section.person").filter(
        has=page.get_by_role("heading", name=person.name, exact=True)
    )


def expect_no_sideways_scroll(page: Page) -> None:
    """Nothing sticks out of the window: a page must not scroll sideways on a phone."""
    extra = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert extra <= 0, f"{page.url} is {extra}px wider than the window"


def long_date(day: dt.date, language: str) -> str:
    return format_date(day, "long", locale=locale_of(language))


def expect_household(page: Page, people: tuple[Person, ...], language: str) -> None:
    """Everyone on the mobile: the status in words, the doses, the precaution due date."""
    words = translator(language)
    expect(page.locator("section.person")).to_have_count(len(people))
    for person in people:
        section = person_section(page, person)
        status = section.locator(".status-line")
        expect(status).to_have_class(re.compile(rf"\bstatus-{person.status}\b"))
        expect(status).to_have_text(words.gettext(STATUS_LABELS[person.status]))
        expect(section.locator("table.doses tbody tr")).to_have_count(len(person.doses))
        for day in person.doses:
            expect(section.locator("table.doses")).to_contain_text(day)
        due = words.format(
            "A precaution dose is due from {date}.", date=long_date(PRECAUTION_DUE, language)
        )
        if person.status == 2:
            expect(section).to_contain_text(due)
        else:
            expect(section).not_to_contain_text(due)


def block_the_provider(page: Page, person: Person, language: str) -> None:
    """The access log shows the provider's check; blocking it marks its rows as blocked."""
    words = translator(language)
    rows = page.locator("table.history tbody tr").filter(has_text=PROVIDER_NAME)
    shared = rows.filter(has_text=words.gettext("Status shared"))
    expect(shared).to_have_count(1)
    expect(shared).to_contain_text(person.name)
    expect(shared.locator("td").nth(2)).to_have_text(words.gettext("travel"))
    block = words.format("Block {provider}", provider=PROVIDER_NAME)
    rows.first.get_by_role("button", name=block).click()
    expect(page.locator(".notice[role=status]")).to_have_text(
        words.gettext("The provider is blocked.")
    )
    expect(rows.get_by_role("button")).to_have_count(0)
    for row in rows.all():
        expect(row.locator("td").last).to_have_text(words.gettext("Blocked"))


def ask_for_a_correction(page: Page, person: Person, language: str, note: str) -> None:
    """The correction form under a person."""
    words = translator(language)
    section = person_section(page, person)
    section.locator("summary").click()
    section.locator("select[name=action]").select_option("add-dose")
    section.locator("input[name=vaccine]").fill("COVISHIELD")
    section.locator("input[name=date]").fill("2022-05-01")
    section.locator("input[name=note]").fill(note)
    section.get_by_role("button", name=words.gettext("Send the correction")).click()
    expect(page.locator(".notice[role=status]")).to_have_text(
        words.gettext("Your correction was sent. An operator will review it.")
    )


def expect_waiting_correction(deployment: Deployment, note: str) -> None:
    """`kyvs corrections list` shows the request to the operators."""
    waiting = [c for c in deployment.cli.json("corrections", "list") if c["note"] == note]
    assert len(waiting) == 1, waiting
    assert (waiting[0]["action"], waiting[0]["vaccine"], waiting[0]["date"]) == (
        "add-dose",
        "COVISHIELD",
        "2022-05-01",
    )
    assert waiting[0]["status"] == "open"


def make_a_share_card(page: Page, person: Person, language: str, days: str = "7") -> str:
    """Make a card with the name as initials; returns the public page's URL."""
    words = translator(language)
    section = person_section(page, person)
    section.get_by_label(words.gettext("Initials")).check()
    section.get_by_label(words.gettext("Link valid for")).select_option(days)
    section.get_by_role("button", name=words.gettext("Make a share card")).click()
    expect(page).to_have_url(CARD_URL)
    expect(page.locator("h1")).to_have_text(words.gettext("Your share card"))
    found = CARD_URL.search(page.url)
    assert found
    return page.url.split("/me/")[0] + f"/s/{found.group(1)}"


def expect_the_card(page: Page, public_url: str, person: Person, language: str) -> None:
    """The preview PNG has loaded; the downloads point at the PNGs and are named."""
    words = translator(language)
    image = page.locator("img.card-preview")
    expect(image).to_have_attribute("src", f"{public_url}/card.png?size=square")
    expect(image).to_have_attribute(
        "alt",
        words.format("Share card: {status}", status=words.gettext(STATUS_LABELS[person.status])),
    )
    for label, size, name in (
        ("Download (square)", "square", "kyvs-status.png"),
        ("Download (wide)", "wide", "kyvs-status-wide.png"),
    ):
        link = page.get_by_role("link", name=words.gettext(label))
        expect(link).to_have_attribute("href", f"{public_url}/card.png?size={size}")
        expect(link).to_have_attribute("download", name)
    expect(page.locator("main a[href='" + public_url + "']")).to_have_text(public_url)


def decode_qr(png: Path) -> str:
    return decode_qr_png(png.read_bytes())


def expect_public_page(stranger: Page, public_url: str, person: Person, language: str) -> None:
    """What someone who scans the QR sees: the status in the card's language, with og tags."""
    words = translator(language)
    answer = stranger.goto(public_url)
    assert answer and answer.status == 200
    expect(stranger.locator("html")).to_have_attribute("lang", language)
    status = stranger.locator("section.status")
    expect(status).to_have_class(re.compile(rf"\bstatus-{person.status}\b"))
    expect(status.locator("h2")).to_have_text(words.gettext(STATUS_LABELS[person.status]))
    expect(status).to_contain_text(initials(person.name))
    expect(stranger.locator("body")).not_to_contain_text(person.name)
    valid_until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=7)).date()
    expect(stranger.locator("main")).to_contain_text(
        words.format("This link is valid until {date}.", date=long_date(valid_until, language))
    )
    og_image = stranger.locator("meta[property='og:image']")
    expect(og_image).to_have_attribute("content", f"{public_url}/card.png?size=wide")
    expect(stranger.locator("meta[property='og:url']")).to_have_attribute("content", public_url)
    card = httpx.get(og_image.get_attribute("content") or "")
    assert (card.status_code, card.headers["content-type"]) == (200, "image/png")


@pytest.mark.usefixtures("households")
@pytest.mark.parametrize("case", CASES)
def test_a_citizen_sees_who_checked_them_blocks_corrects_and_shares_a_card(
    deployment: Deployment,
    open_page: Callable[..., Page],
    shoot: Callable[[Page, str], Path],
    case: str,
):
    language, viewport, web_share = CASES[case]
    people = HOUSEHOLDS[case]
    someone, partly = people[0], people[1]
    words = translator(language)
    check = ask_for_a_check(deployment, someone)  # the provider asks while the citizen logs in

    page = open_page(viewport)
    page.add_init_script(FAKE_WEB_SHARE if web_share else NO_WEB_SHARE)
    page.goto(f"{deployment.base}/me")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    if language != "en":
        choose_language(page, language)
    expect(page.locator("h1")).to_have_text(words.gettext("Your vaccination records"))
    assert_accessible(page, "the login page")
    ask_for_a_login_otp(page, someone.mobile, language)
    assert_accessible(page, "the login OTP screen")
    otps = otps_of_each_kind(deployment, someone.mobile)
    confirm_the_check(deployment, check, otps[CHECK_SMS])
    enter_the_login_otp(page, otps[LOGIN_SMS], language, script=True)
    expect(page.locator("html")).to_have_attribute("lang", language)

    expect_household(page, people, language)
    shoot(page, "1-people")
    expect_no_sideways_scroll(page)
    assert_accessible(page, "the people page")
    block_the_provider(page, someone, language)
    expect_no_sideways_scroll(page)
    assert_accessible(page, "the people page with the provider blocked")
    note = f"The second dose is missing ({case})"
    ask_for_a_correction(page, partly, language, note)
    expect_waiting_correction(deployment, note)

    public_url = make_a_share_card(page, someone, language)
    expect_the_card(page, public_url, someone, language)
    page.wait_for_function("() => document.querySelector('img.card-preview').naturalWidth > 0")
    share = page.locator("button[data-share-url]")
    if web_share:
        share.click()
        page.wait_for_function("() => window.sharedData !== undefined")
        shared = page.evaluate("() => [sharedData.url, sharedData.files[0].type]")
        assert shared == [public_url, "image/png"]
    else:
        expect(share).to_be_hidden()
    shoot(page, "2-card")
    expect_no_sideways_scroll(page)
    assert_accessible(page, "the card page")
    with page.expect_download() as download:
        page.get_by_role("link", name=words.gettext("Download (square)")).click()
    assert download.value.suggested_filename == "kyvs-status.png"
    assert decode_qr(download.value.path()) == public_url

    stranger = open_page(viewport)  # someone who scanned the QR
    expect_public_page(stranger, public_url, someone, language)
    shoot(stranger, "3-public")
    expect_no_sideways_scroll(stranger)
    assert_accessible(stranger, "the public status page")

    page.goto(f"{deployment.base}/me")
    link = page.locator("ul.links li").filter(has=page.locator(f"a[href='{public_url}']"))
    link.get_by_role("button", name=words.gettext("Revoke")).click()
    expect(page.locator(".notice[role=status]")).to_have_text(words.gettext("The link is revoked."))
    expect(link).to_contain_text(words.gettext("Revoked or expired"))
    answer = stranger.reload()
    assert answer and answer.status == 404
    expect(stranger.locator("h1")).to_have_text(  # in the stranger's language now: English
        translator("en").gettext("This status link is no longer valid")
    )
    assert httpx.get(f"{public_url}/card.png").status_code == 404


@pytest.mark.usefixtures("households")
def test_without_javascript_the_login_and_share_card_forms_work(
    deployment: Deployment,
    open_page: Callable[..., Page],
    shoot: Callable[[Page, str], Path],
):
    # axe-core needs scripts, so these pages are checked above with JavaScript on.
    someone = NO_SCRIPT[0]
    page = open_page(PHONE, java_script_enabled=False)
    cards: list[tuple[str, int, str]] = []
    page.on(
        "response",
        lambda r: (
            cards.append((r.url, r.status, r.headers.get("content-type", "")))
            if "/card.png" in r.url
            else None
        ),
    )
    page.goto(f"{deployment.base}/me")
    ask_for_a_login_otp(page, someone.mobile, "en")
    enter_the_login_otp(page, deployment.phones.newest_otp(someone.mobile), "en", script=False)
    expect_household(page, NO_SCRIPT, "en")

    public_url = make_a_share_card(page, someone, "en")
    expect_the_card(page, public_url, someone, "en")
    page.wait_for_load_state("load")  # the preview image has arrived
    assert (f"{public_url}/card.png?size=square", 200, "image/png") in cards
    expect(page.locator("button[data-share-url]")).to_be_hidden()
    shoot(page, "1-card")
    assert httpx.get(public_url).status_code == 200

    page.get_by_role("link", name="Back").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.locator("#mobile_number")).to_be_visible()


@pytest.mark.usefixtures("households")
def test_a_challenge_the_server_asks_for_is_solved_without_the_person_noticing(
    deployment: Deployment, open_page: Callable[..., Page]
):
    someone = CHALLENGED[0]
    for _ in range(2):  # two logins to one mobile within minutes: a third needs a challenge
        answer = httpx.post(
            f"{deployment.base}/api/v1/citizen/login", json={"mobile_number": someone.mobile}
        )
        assert answer.status_code == 202
    deployment.phones.arrived_after(someone.mobile, 1)  # both SMS have left
    page = open_page(PHONE)
    page.goto(f"{deployment.base}/me")
    ask_for_a_login_otp(page, someone.mobile, "en")  # asked, solved and sent again by the page
    enter_the_login_otp(page, deployment.phones.otp_after(someone.mobile, 2), "en", script=True)
    expect_household(page, CHALLENGED, "en")
