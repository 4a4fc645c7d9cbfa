"""Mobile numbers in every form people type them, checked against Google's libphonenumber.

`phonenumbers` (a test-only dependency: the domain is standard library only) decides which
national numbers are Indian mobiles and which are landlines, and formats them as the world does.
Landlines whose area code starts with 6, 7 or 8 (Ahmedabad 79, Bengaluru 80...) have the shape of
a mobile number; telling them apart needs the numbering plan, which the domain does not carry, so
only landlines starting with 1 to 5 are promised to be refused.
"""

from __future__ import annotations

import phonenumbers
from hypothesis import example, given
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from kyvs.domain.errors import InvalidInput
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.people import Beneficiary, Gender
from tests.budget import examples


def number_type(national: str) -> int:
    return phonenumbers.number_type(phonenumbers.parse(f"+91{national}"))


MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
indian_mobiles = (
    st.integers(6_000_000_000, 9_999_999_999)
    .map(str)
    .filter(lambda national: number_type(national) in MOBILE_TYPES)
)
landlines = (
    st.integers(1_000_000_000, 5_999_999_999)
    .map(str)
    .filter(lambda national: number_type(national) == PhoneNumberType.FIXED_LINE)
)
foreign_mobiles = (
    st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS - {"IN"}))
    .map(lambda region: phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE))
    .filter(lambda number: number is not None and number.country_code != 91)
)

# Digits as the keyboards of India (and a phone's full-width layout) type them.
DIGIT_ZEROS = {
    "ascii": "0",
    "devanagari": "\u0966",
    "bengali": "\u09e6",
    "gurmukhi": "\u0a66",
    "gujarati": "\u0ae6",
    "odia": "\u0b66",
    "tamil": "\u0be6",
    "telugu": "\u0c66",
    "kannada": "\u0ce6",
    "malayalam": "\u0d66",
    "full-width": "\uff10",
    "arabic-indic": "\u0660",
    "urdu": "\u06f0",
}
scripts = st.sampled_from(sorted(DIGIT_ZEROS))
PREFIXES = ["", "+91", "+91 ", "+91-", "+ 91 ", "+(91) ", "91", "91 ", "0", "0 ", "0091", "00 91 "]
SEPARATORS = [" ", "-", ".", " - ", "\u00a0", "\u2013", "  "]
GROUPINGS = [(10,), (5, 5), (3, 3, 4), (4, 3, 3), (2, 4, 4), (3, 7)]
EDGES = ["", " ", "\t", "\n", "\u202a", "\u202c", "\u200e", "\ufeff"]


def in_script(text: str, script: str) -> str:
    zero = ord(DIGIT_ZEROS[script])
    return "".join(chr(zero + int(ch)) if ch.isascii() and ch.isdigit() else ch for ch in text)


@st.composite
def typed(draw: st.DrawFn, digits: str, *, prefixes: list[str] = PREFIXES) -> str:
    """`digits` as a person might type them: a prefix, groups, separators, brackets, a script."""
    grouping = draw(st.sampled_from(GROUPINGS))
    groups, rest = [], digits
    for size in grouping[:-1]:
        groups.append(rest[:size])
        rest = rest[size:]
    groups.append(rest)
    groups = [group for group in groups if group]
    if len(groups) > 1 and draw(st.booleans()):
        groups[0] = f"({groups[0]})"
    body = draw(st.sampled_from(SEPARATORS)).join(groups)
    text = draw(st.sampled_from(prefixes)) + body
    before, after = draw(st.sampled_from(EDGES)), draw(st.sampled_from(EDGES))
    return before + in_script(text, draw(scripts)) + after


@st.composite
def libphonenumber_formats(draw: st.DrawFn, national: str) -> str:
    number = phonenumbers.parse(f"+91{national}")
    style = draw(
        st.sampled_from(
            [PhoneNumberFormat.E164, PhoneNumberFormat.INTERNATIONAL, PhoneNumberFormat.NATIONAL]
        )
    )
    return in_script(phonenumbers.format_number(number, style), draw(scripts))


# --- every way of typing a mobile means the same number ------------------------------------------


@examples(300)
@given(data=st.data(), national=indian_mobiles)
def test_every_rendering_of_an_indian_mobile_parses_to_its_national_number(
    data: st.DataObject, national: str
) -> None:
    text = data.draw(typed(national) | libphonenumber_formats(national))
    assert MobileNumber.parse(text) == MobileNumber(national)


@examples(100)
@given(national=indian_mobiles)
def test_a_parsed_number_gives_back_the_e164_form_libphonenumber_gives(national: str) -> None:
    expected = phonenumbers.format_number(
        phonenumbers.parse(national, "IN"), PhoneNumberFormat.E164
    )
    assert MobileNumber.parse(national).e164 == expected


# --- anything else is invalid input --------------------------------------------------------------


@examples(200)
@given(data=st.data(), national=landlines)
def test_a_landline_is_invalid_input_however_it_is_typed(
    data: st.DataObject, national: str
) -> None:
    text = data.draw(typed(national))
    with_trunk = data.draw(typed("0" + national, prefixes=[""]))
    for rendering in (text, with_trunk):
        try:
            MobileNumber.parse(rendering)
        except InvalidInput:
            continue
        raise AssertionError(f"{rendering!r} parsed")


@examples(200)
@given(data=st.data(), digits=st.text("0123456789", max_size=9))
def test_nine_digits_or_fewer_are_invalid_input_whatever_the_prefix(
    data: st.DataObject, digits: str
) -> None:
    # Not a bare `91`: "91" and eight digits are ten digits, a mobile number of the 91 series.
    text = data.draw(typed(digits, prefixes=[p for p in PREFIXES if not p.startswith("91")]))
    try:
        MobileNumber.parse(text)
    except InvalidInput:
        return
    raise AssertionError(f"{text!r} parsed")


@examples(200)
@given(data=st.data(), national=st.integers(10**10, 10**13).map(str))
def test_more_than_ten_digits_after_plus_91_are_invalid_input(
    data: st.DataObject, national: str
) -> None:
    text = data.draw(typed(national, prefixes=["+91", "+91 ", "0091 "]))
    try:
        MobileNumber.parse(text)
    except InvalidInput:
        return
    raise AssertionError(f"{text!r} parsed")


@examples(200)
@given(
    data=st.data(),
    national=indian_mobiles,
    letter=st.characters(categories=["L"]),
    where=st.integers(0, 30),
)
def test_a_letter_anywhere_makes_it_invalid_input(
    data: st.DataObject, national: str, letter: str, where: int
) -> None:
    text = data.draw(typed(national))
    where = min(where, len(text))
    garbled = text[:where] + letter + text[where:]
    try:
        MobileNumber.parse(garbled)
    except InvalidInput:
        return
    raise AssertionError(f"{garbled!r} parsed")


@examples(200)
@given(
    number=foreign_mobiles,
    style=st.sampled_from([PhoneNumberFormat.E164, PhoneNumberFormat.INTERNATIONAL]),
    script=scripts,
)
def test_another_countrys_number_in_international_form_is_invalid_input(
    number: phonenumbers.PhoneNumber, style: int, script: str
) -> None:
    text = in_script(phonenumbers.format_number(number, style), script)
    try:
        MobileNumber.parse(text)
    except InvalidInput:
        return
    raise AssertionError(f"{text!r} parsed")


@examples(500)
@given(text=st.text(max_size=40) | st.text("+0123456789 -().\u0966\u096f", max_size=20))
@example(text="\ud800")  # a lone surrogate
@example(text="+")
@example(text="0" * 10_000)
def test_any_text_is_a_mobile_or_invalid_input_and_nothing_else(text: str) -> None:
    try:
        mobile = MobileNumber.parse(text)
    except InvalidInput:
        return
    assert len(mobile.national) == 10
    assert mobile.national.isascii()
    assert mobile.national[0] in "6789"


# --- the number never shows in full --------------------------------------------------------------


@examples(200)
@given(national=indian_mobiles)
def test_the_masked_forms_never_show_the_full_number(national: str) -> None:
    mobile = MobileNumber.parse(national)
    person = Beneficiary(
        reference_id="12345678901230",
        full_name="Asha Patel",
        birth_year=1988,
        gender=Gender.FEMALE,
        mobile=mobile,
    )
    for shown in (repr(mobile), str(mobile), f"{mobile}", f"{[mobile]}", repr(person)):
        assert national not in shown
        assert national[-4:] in shown
