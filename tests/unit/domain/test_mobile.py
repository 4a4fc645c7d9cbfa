"""Indian mobile numbers as people type them."""

from __future__ import annotations

import pytest

from kyvs.domain.errors import InvalidInput
from kyvs.domain.mobile import MobileNumber


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("9876543210", id="ten-digits"),
        pytest.param("98765 43210", id="grouped-with-a-space"),
        pytest.param("98765-43210", id="grouped-with-a-dash"),
        pytest.param(" 9876543210 ", id="surrounding-spaces"),
        pytest.param("(98765) 43.210", id="brackets-and-dots"),
        pytest.param("+919876543210", id="plus-91"),
        pytest.param("+91 98765 43210", id="plus-91-spaced"),
        pytest.param("+91-98765-43210", id="plus-91-dashed"),
        pytest.param("09876543210", id="trunk-0"),
        pytest.param("0 98765 43210", id="trunk-0-spaced"),
        pytest.param("00919876543210", id="0091"),
        pytest.param("0091 98765 43210", id="0091-spaced"),
        pytest.param("919876543210", id="91-without-plus"),
        pytest.param("91 98765-43210", id="91-spaced"),
        pytest.param("091 9876543210", id="091"),
        pytest.param("98765\u00a043210", id="no-break-space"),
        pytest.param("98765\u201343210", id="en-dash"),
        pytest.param("\u202a+91 98765 43210\u202c", id="bidi-marks-from-a-chat-app"),
        pytest.param("98765\u200b43210", id="zero-width-space"),
        pytest.param(
            "\uff19\uff18\uff17\uff16\uff15\uff14\uff13\uff12\uff11\uff10", id="full-width"
        ),
        pytest.param("\uff0b\uff19\uff11 9876543210", id="full-width-plus-91"),
        pytest.param("९८७६५ ४३२१०", id="devanagari-digits"),
        pytest.param("+९१ ९८७६५-४३२१०", id="devanagari-plus-91"),
        pytest.param("૯૮૭૬૫ ૪૩૨૧૦", id="gujarati-digits"),
        pytest.param("৯৮৭৬৫ ৪৩২১০", id="bengali-digits"),
        pytest.param("௯௮௭௬௫ ௪௩௨௧௦", id="tamil-digits"),
        pytest.param("98765 ४३२१०", id="mixed-scripts"),
        pytest.param(
            "\u0669\u0668\u0667\u0666\u0665\u0664\u0663\u0662\u0661\u0660", id="arabic-digits"
        ),
    ],
)
def test_the_usual_ways_of_typing_a_mobile_all_mean_the_same_number(typed: str) -> None:
    assert MobileNumber.parse(typed) == MobileNumber("9876543210")


@pytest.mark.parametrize(
    ("typed", "national"),
    [
        pytest.param("6000000000", "6000000000", id="starts-with-6"),
        pytest.param("7123456789", "7123456789", id="starts-with-7"),
        pytest.param("8123456789", "8123456789", id="starts-with-8"),
        pytest.param("9191919191", "9191919191", id="starts-with-91-but-ten-digits"),
        pytest.param("+91 9191919191", "9191919191", id="plus-91-then-91"),
        pytest.param("919191919191", "9191919191", id="91-then-91"),
    ],
)
def test_the_national_number_is_kept(typed: str, national: str) -> None:
    assert MobileNumber.parse(typed).national == national


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("987654321", id="nine-digits"),
        pytest.param("98765432101", id="eleven-digits-no-trunk-0"),
        pytest.param("5876543210", id="starts-with-5"),
        pytest.param("0876543210", id="starts-with-0-ten-digits"),
        pytest.param("+1 202 555 0143", id="other-country"),
        pytest.param("+44 7911 123456", id="uk-mobile"),
        pytest.param("+9198765432", id="plus-91-too-short"),
        pytest.param("+91 91 98765 43210", id="plus-91-twice"),
        pytest.param("98765abcde", id="letters"),
        pytest.param("98765_43210", id="underscore"),
        pytest.param("9876543210x", id="trailing-letter"),
        pytest.param("९८७६५४३२१", id="devanagari-nine-digits"),
        pytest.param("++919876543210", id="double-plus"),
        pytest.param("0 0 91 98765 4321", id="0091-too-short"),
    ],
)
def test_anything_else_is_invalid_input(typed: str) -> None:
    with pytest.raises(InvalidInput):
        MobileNumber.parse(typed)


def test_a_foreign_number_is_refused_by_name() -> None:
    with pytest.raises(InvalidInput, match=r"\+91"):
        MobileNumber.parse("+1 202 555 0143")


def test_masked_shows_only_the_last_four_digits() -> None:
    mobile = MobileNumber.parse("+91 98765 43210")
    assert mobile.masked == "XXXXXX3210"
    assert str(mobile) == "XXXXXX3210"
    assert "98765" not in f"{mobile}"


def test_e164_is_what_an_sms_gateway_wants() -> None:
    assert MobileNumber.parse("098765 43210").e164 == "+919876543210"
