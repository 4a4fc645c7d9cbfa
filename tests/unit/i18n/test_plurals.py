"""Messages with a count take the plural form CLDR gives their language, in pages and SMS.

Babel's CLDR data is the reference: each catalog's `Plural-Forms` header is what
`babel.messages.plurals.get_plural` says, and a count shows the form of the CLDR category Babel's
`Locale.plural_form` puts it in (`one` is form 0, `other` form 1 in all twelve languages).
"""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources

import pytest
from babel import Locale
from babel.messages.plurals import get_plural
from starlette.requests import Request

from kyvs.domain.errors import InvalidOtp, RateLimited
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.sms_templates import CITIZEN_LOGIN_OTP
from kyvs.i18n import SUPPORTED_LANGUAGES, translator
from kyvs.i18n.catalogs import catalog, placeholders
from kyvs.services.sms_texts import CITIZEN_LOGIN_TEXT, draft_body
from kyvs.web.pages.messages import problem_text
from kyvs.web.pages.rendering import render

COUNTS = (0, 1, 2, 5)
ATTEMPTS = ("{count} attempt left", "{count} attempts left")
SECONDS = ("Try again in {seconds} second.", "Try again in {seconds} seconds.")
DAYS = ("{days} day", "{days} days")
# Every message that puts a number of something into words, as (singular, plural) msgids.
PLURAL_MESSAGES = (CITIZEN_LOGIN_TEXT, ATTEMPTS[0], SECONDS[0], DAYS[0])
HEADER = re.compile(r'^"Plural-Forms: (.*)\\n"$', re.MULTILINE)
MOBILE = MobileNumber("9876543210")
NOW = dt.datetime(2026, 11, 23, 4, 45, tzinfo=dt.UTC)


def po_text(language: str) -> str:
    path = resources.files("kyvs.i18n").joinpath("locales", language, "LC_MESSAGES", "messages.po")
    return path.read_text(encoding="utf-8")


def cldr_form(language: str, count: int) -> int:
    """The form index CLDR gives `count` in `language` (0 for `one`, 1 for `other`)."""
    return 0 if Locale.parse(language).plural_form(count) == "one" else 1


def forms(language: str, msgid: str) -> tuple[str, ...]:
    message = catalog(language).get(msgid)
    assert message is not None, f"{language} has no {msgid!r}"
    assert message.pluralizable, f"{language} {msgid!r} has no msgid_plural"
    return tuple(message.string)


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_catalog_declares_the_plural_forms_of_cldr(language):
    declared = HEADER.findall(po_text(language))
    assert declared == [get_plural(language).plural_forms]


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_the_twelve_languages_have_two_forms_one_and_other(language):
    # The tests below map `one` to form 0 and `other` to form 1: true while this holds.
    assert get_plural(language).num_plurals == 2
    assert Locale.parse(language).plural_form.tags <= {"one", "other"}


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("msgid", PLURAL_MESSAGES)
def test_every_plural_message_translates_every_form(language, msgid):
    translated = forms(language, msgid)
    english = catalog("en")[msgid]
    assert len(translated) == get_plural(language).num_plurals
    assert all(text.strip() for text in translated), f"{language} {msgid!r}: {translated}"
    for text in translated:
        assert placeholders(text) == placeholders(english.id[0]) == placeholders(english.id[1])


def test_every_plural_message_of_the_catalogs_is_one_that_kyvs_uses():
    plural = {message.id[0] for message in catalog("en") if message.pluralizable}
    assert plural == set(PLURAL_MESSAGES)


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 attempts left"), (1, "1 attempt left"), (2, "2 attempts left"), (5, "5 attempts left")],
)
def test_english_says_one_attempt_and_five_attempts(count, expected):
    assert translator("en").nformat(*ATTEMPTS, count, count=count) == expected


def test_english_says_one_second_and_one_day():
    words = translator("en")
    assert words.nformat(*SECONDS, 1, seconds=1) == "Try again in 1 second."
    assert words.nformat(*SECONDS, 30, seconds=30) == "Try again in 30 seconds."
    assert words.nformat(*DAYS, 1, days=1) == "1 day"
    assert words.nformat(*DAYS, 7, days=7) == "7 days"


@pytest.mark.parametrize("language", ["hi", "gu", "bn", "kn", "pa", "as"])
def test_zero_takes_the_singular_where_cldr_says_so(language):
    one = forms(language, ATTEMPTS[0])[0].format(count=0)
    assert translator(language).nformat(*ATTEMPTS, 0, count=0) == one


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("count", COUNTS)
def test_a_wrong_otp_page_says_the_attempts_left_in_the_right_form(language, count):
    expected = forms(language, ATTEMPTS[0])[cldr_form(language, count)].format(count=count)
    text = problem_text(InvalidOtp("wrong", attempts_left=count), language)
    assert text.endswith(" " + expected)


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("count", COUNTS)
def test_a_rate_limit_page_says_the_seconds_in_the_right_form(language, count):
    expected = forms(language, SECONDS[0])[cldr_form(language, count)].format(seconds=count)
    text = problem_text(RateLimited("wait", slug="rate-limited", retry_after_s=count), language)
    assert text.endswith(" " + expected)


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("count", COUNTS)
def test_the_otp_form_says_the_attempts_left_in_the_right_form(language, count):
    expected = forms(language, ATTEMPTS[0])[cldr_form(language, count)].format(count=count)
    html = _render_otp_form(language, attempts_left=count)
    assert f"<strong>{expected}</strong>" in html


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("count", COUNTS)
def test_the_login_sms_template_says_the_minutes_in_the_right_form(language, count):
    form = cldr_form(language, count)
    body = draft_body(CITIZEN_LOGIN_OTP, language, minutes=count)
    assert body == forms(language, CITIZEN_LOGIN_TEXT)[form].format(
        otp="{#numeric#}", minutes=count
    )


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_the_share_link_choices_say_days_in_the_right_form(language):
    html = render(
        _request(), "me/people.html", language=language, people=[_person()], log=[], links=[]
    ).body
    html = bytes(html).decode()
    for days in (7, 30, 90):
        expected = forms(language, DAYS[0])[cldr_form(language, days)].format(days=days)
        assert f">{expected}</option>" in html


def test_a_translation_with_other_placeholders_falls_back_to_english_forms():
    words = translator("hi")
    broken = type(words)(
        "hi", words.messages, words.fallback, {ATTEMPTS[0]: ("{गिनती}", "{गिनती}")}, words.form
    )
    assert broken.nformat(*ATTEMPTS, 1, count=1) == "1 attempt left"
    assert broken.nformat(*ATTEMPTS, 3, count=3) == "3 attempts left"


def _request() -> Request:
    return Request(
        {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    )


def _render_otp_form(language: str, *, attempts_left: int) -> str:
    response = render(
        _request(),
        "_otp_form.html",
        language=language,
        otp_action="/me/otp",
        resend_action="/me/resend",
        form_token="t",
        otp_length=6,
        expires_at=(NOW + dt.timedelta(minutes=3)).isoformat(),
        resend_at=(NOW + dt.timedelta(seconds=30)).isoformat(),
        attempts_left=attempts_left,
    )
    return bytes(response.body).decode()


def _person() -> dict[str, object]:
    return {
        "ref": "1234567890123",
        "name": "Asha Patel",
        "code": 2,
        "status_label": "Fully vaccinated",
        "precaution": False,
        "precaution_due": None,
        "doses": [],
    }
