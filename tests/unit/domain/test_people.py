"""Beneficiaries and what they register with: gender, photo ID, full name, birth year."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.in_ import aadhaar

from kyvs.domain import reference_ids
from kyvs.domain.errors import InvalidInput, InvalidPhotoId
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.people import (
    MAX_NAME_LENGTH,
    Beneficiary,
    Gender,
    PhotoId,
    PhotoIdType,
    check_birth_year,
    clean_full_name,
)

# --- gender -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "gender"),
    [
        pytest.param("M", Gender.MALE, id="M"),
        pytest.param("m", Gender.MALE, id="m"),
        pytest.param("Male", Gender.MALE, id="Male"),
        pytest.param(" MALE ", Gender.MALE, id="MALE-spaced"),
        pytest.param("F", Gender.FEMALE, id="F"),
        pytest.param("female", Gender.FEMALE, id="female"),
        pytest.param("O", Gender.OTHER, id="O"),
        pytest.param("other", Gender.OTHER, id="other"),
        pytest.param("Others", Gender.OTHER, id="Others"),
        pytest.param("Transgender", Gender.OTHER, id="Transgender"),
    ],
)
def test_gender_accepts_the_letter_or_the_word(typed: str, gender: Gender) -> None:
    assert Gender.parse(typed) is gender


@pytest.mark.parametrize("typed", ["", "X", "man", "femal", "MF"])
def test_gender_refuses_anything_else(typed: str) -> None:
    with pytest.raises(InvalidInput, match="M \\(male\\), F \\(female\\) or O \\(other\\)"):
        Gender.parse(typed)


# --- photo ID -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        pytest.param("AADHAAR", PhotoIdType.AADHAAR, id="AADHAAR"),
        pytest.param("aadhaar", PhotoIdType.AADHAAR, id="lower-case"),
        pytest.param("pan", PhotoIdType.PAN, id="pan"),
        pytest.param("Passport", PhotoIdType.PASSPORT, id="Passport"),
        pytest.param("voter id", PhotoIdType.VOTER_ID, id="space-for-underscore"),
        pytest.param("Voter-ID", PhotoIdType.VOTER_ID, id="dash-for-underscore"),
        pytest.param("DRIVING_LICENCE", PhotoIdType.DRIVING_LICENCE, id="DRIVING_LICENCE"),
        pytest.param("npr smart card", PhotoIdType.NPR_SMART_CARD, id="npr-smart-card"),
        pytest.param("pension-passbook", PhotoIdType.PENSION_PASSBOOK, id="pension-passbook"),
        pytest.param(" udid ", PhotoIdType.UDID, id="udid-spaced"),
        pytest.param("Ration Card", PhotoIdType.RATION_CARD, id="ration-card"),
    ],
)
def test_photo_id_type_accepts_the_code_in_any_case(typed: str, kind: PhotoIdType) -> None:
    assert PhotoIdType.parse(typed) is kind


@pytest.mark.parametrize("typed", ["", "library card", "DRIVING_LICENSE", "AADHAR"])
def test_photo_id_type_refuses_anything_else_and_lists_the_kinds(typed: str) -> None:
    with pytest.raises(InvalidInput, match="AADHAAR, PAN, PASSPORT"):
        PhotoIdType.parse(typed)


@pytest.mark.parametrize(
    ("kind", "typed", "number", "masked"),
    [
        pytest.param("aadhaar", "2341 2341 2346", "234123412346", "XXXXXXXX2346", id="aadhaar"),
        pytest.param("PAN", "abcpe1234f", "ABCPE1234F", "XXXXXX234F", id="pan-upper-cased"),
        pytest.param("passport", "K1234567", "K1234567", "XXXX4567", id="passport"),
        pytest.param("UDID", "ab12", "AB12", "AB12", id="four-characters"),
        pytest.param("UDID", "A" * 20, "A" * 20, "X" * 16 + "AAAA", id="twenty-characters"),
    ],
)
def test_a_photo_id_keeps_the_number_and_shows_only_its_last_four(
    kind: str, typed: str, number: str, masked: str
) -> None:
    photo_id = PhotoId.parse(kind, typed)
    assert photo_id.number == number
    assert photo_id.masked == masked


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("", id="empty"),
        pytest.param("123", id="three-characters"),
        pytest.param("A" * 21, id="twenty-one-characters"),
        pytest.param("ABCDE-1234F", id="a-dash"),
        pytest.param("1234/5678", id="a-slash"),
        pytest.param("१२३४५६७८", id="devanagari-digits"),
    ],
)
def test_a_photo_id_number_has_4_to_20_ascii_letters_or_digits(typed: str) -> None:
    with pytest.raises(InvalidInput, match="4 to 20"):
        PhotoId.parse("AADHAAR", typed)


def test_a_photo_id_of_an_unknown_type_is_refused() -> None:
    with pytest.raises(InvalidInput, match="Photo-ID type"):
        PhotoId.parse("library card", "12345678")


def test_the_repr_of_a_photo_id_never_shows_the_full_number() -> None:
    photo_id = PhotoId.parse("AADHAAR", "2341 2341 2346")
    for shown in (repr(photo_id), str(photo_id), f"{photo_id}", f"{[photo_id]}"):
        assert "234123412346" not in shown
        assert "XXXXXXXX2346" in shown


@pytest.mark.parametrize(
    ("kind", "typed"),
    [
        pytest.param("AADHAAR", "2341 2341 2347", id="aadhaar-wrong-check-digit"),
        pytest.param("AADHAAR", "2341 2341 2364", id="aadhaar-last-two-swapped"),
        pytest.param("AADHAAR", "1341 2341 2344", id="aadhaar-starting-with-1"),
        pytest.param("AADHAAR", "0341 2341 2340", id="aadhaar-starting-with-0"),
        pytest.param("AADHAAR", "2341 2341 234", id="aadhaar-eleven-digits"),
        pytest.param("AADHAAR", "2341 2341 2346 1", id="aadhaar-thirteen-digits"),
        pytest.param("AADHAAR", "2341A2341234", id="aadhaar-a-letter"),
        pytest.param("PAN", "ABCDE1234F", id="pan-unknown-holder-type"),
        pytest.param("PAN", "ABCP51234F", id="pan-a-digit-among-the-letters"),
        pytest.param("PAN", "ABCPE12345", id="pan-a-digit-at-the-end"),
        pytest.param("PAN", "ABCPE0000F", id="pan-serial-0000"),
        pytest.param("PAN", "ABCPE1234", id="pan-nine-characters"),
    ],
)
def test_aadhaar_and_pan_numbers_are_held_to_their_rules(kind: str, typed: str) -> None:
    with pytest.raises(InvalidPhotoId) as raised:
        PhotoId.parse(kind, typed)
    assert raised.value.slug == "invalid-photo-id"
    assert isinstance(raised.value, InvalidInput)
    digits = "".join(typed.split())
    assert digits not in str(raised.value) and digits[-4:] not in str(raised.value)


@settings(max_examples=500)
@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_an_aadhaar_number_is_accepted_exactly_when_stdnum_accepts_it(number: str) -> None:
    try:
        PhotoId.parse("AADHAAR", number)
    except InvalidPhotoId:
        accepted = False
    else:
        accepted = True
    assert accepted == aadhaar.is_valid(number)


@pytest.mark.parametrize("holder", "ABCFGHLJPTK")
def test_a_pan_of_each_holder_type_is_accepted(holder: str) -> None:
    assert PhotoId.parse("PAN", f"ABC{holder}E1234F").number == f"ABC{holder}E1234F"


@pytest.mark.parametrize("kind", ["PASSPORT", "VOTER_ID", "DRIVING_LICENCE", "RATION_CARD"])
def test_other_documents_keep_only_the_general_shape_rule(kind: str) -> None:
    assert PhotoId.parse(kind, "1234 5678 9012").number == "123456789012"


# --- full name ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        pytest.param("Asha Devi", "Asha Devi", id="latin"),
        pytest.param("  Asha   Devi  ", "Asha Devi", id="spaces-collapsed"),
        pytest.param("Asha\tDevi", "Asha Devi", id="tab-is-a-space"),
        pytest.param("आशा देवी", "आशा देवी", id="devanagari"),
        pytest.param("ஆஷா தேவி", "ஆஷா தேவி", id="tamil"),
        pytest.param("আশা দেবী", "আশা দেবী", id="bengali"),
        pytest.param("ఆశా దేవి", "ఆశా దేవి", id="telugu"),
        pytest.param("ਆਸ਼ਾ ਦੇਵੀ", "ਆਸ਼ਾ ਦੇਵੀ", id="gurmukhi"),
        pytest.param("ആശ ദേവി", "ആശ ദേവി", id="malayalam"),
        pytest.param("آشا دیوی", "آشا دیوی", id="urdu"),
        pytest.param("D'Souza-Fernandes Jr.", "D'Souza-Fernandes Jr.", id="punctuation"),
        pytest.param("A" * MAX_NAME_LENGTH, "A" * MAX_NAME_LENGTH, id="longest"),
    ],
)
def test_a_full_name_is_kept_in_its_own_script(typed: str, name: str) -> None:
    assert clean_full_name(typed) == name


@pytest.mark.parametrize(
    "decomposed",
    [
        pytest.param("Jose\u0301", id="latin-combining-acute"),
        pytest.param("\u0915\u093c\u092e\u0932", id="devanagari-nukta"),
        pytest.param("\u0b95\u0bc6\u0bbe", id="tamil-two-part-vowel"),
    ],
)
def test_a_full_name_is_nfc_normalised(decomposed: str) -> None:
    cleaned = clean_full_name(decomposed)
    assert cleaned == unicodedata.normalize("NFC", decomposed)
    assert unicodedata.is_normalized("NFC", cleaned)


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        pytest.param("", "empty", id="empty"),
        pytest.param("   \n\t ", "empty", id="only-spaces"),
        pytest.param("A" * (MAX_NAME_LENGTH + 1), "longer than", id="too-long"),
        pytest.param("12345", "no letters", id="only-digits"),
        pytest.param("-- .", "no letters", id="only-punctuation"),
        pytest.param("Asha\x00Devi", "control", id="nul"),
        pytest.param("Asha\x07Devi", "control", id="bell"),
        pytest.param("Asha\x1bDevi", "control", id="escape"),
        pytest.param("Asha\u200bDevi", "control", id="zero-width-space"),
        pytest.param("Asha\u202eiveD", "control", id="right-to-left-override"),
        pytest.param("Asha\ufeffDevi", "control", id="byte-order-mark"),
        pytest.param("Asha\ue000Devi", "control", id="private-use"),
        pytest.param("Asha\U000e0041Devi", "control", id="tag-character"),
    ],
)
def test_a_full_name_is_refused_when_it_is_not_a_name(typed: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        clean_full_name(typed)


# --- birth year and beneficiary -----------------------------------------------------------------


@pytest.mark.parametrize("year", [1900, 1970, 2024])
def test_a_birth_year_from_1900_to_this_year_is_plausible(year: int) -> None:
    assert check_birth_year(year, current_year=2024) == year


@pytest.mark.parametrize("year", [1899, 2025, 0, -1970])
def test_any_other_birth_year_is_refused(year: int) -> None:
    with pytest.raises(InvalidInput, match="between 1900 and 2024"):
        check_birth_year(year, current_year=2024)


def _beneficiary(reference_id: str) -> Beneficiary:
    return Beneficiary(
        reference_id=reference_id,
        full_name="Asha Devi",
        birth_year=1970,
        gender=Gender.FEMALE,
        mobile=MobileNumber.parse("9876543210"),
    )


def test_a_beneficiary_shows_providers_only_the_last_four_of_the_reference_id() -> None:
    reference_id = reference_ids.make("1234567890123")
    assert _beneficiary(reference_id).reference_id_masked == "XXXXXXXXXX" + reference_id[-4:]


def test_a_beneficiary_needs_a_valid_reference_id() -> None:
    valid = reference_ids.make("1234567890123")
    mistyped = valid[:-1] + str((int(valid[-1]) + 1) % 10)
    with pytest.raises(InvalidInput, match="check digit"):
        _beneficiary(mistyped)
