"""GSM-7 or UCS-2, and how many segments a carrier bills for a text."""

from __future__ import annotations

import pytest

from kyvs.domain.sms_encoding import SmsEncoding, SmsSize, sms_size


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * 160, SmsSize(SmsEncoding.GSM7, 160, 1)),
        ("a" * 161, SmsSize(SmsEncoding.GSM7, 161, 2)),
        ("a" * 306, SmsSize(SmsEncoding.GSM7, 306, 2)),
        ("a" * 307, SmsSize(SmsEncoding.GSM7, 307, 3)),
        ("€" * 80, SmsSize(SmsEncoding.GSM7, 160, 1)),  # extension characters take two septets
        ("[x]" * 16 + "a" * 81, SmsSize(SmsEncoding.GSM7, 161, 2)),
        ("é ñ Ä ß", SmsSize(SmsEncoding.GSM7, 7, 1)),
        ("न" * 70, SmsSize(SmsEncoding.UCS2, 70, 1)),
        ("न" * 71, SmsSize(SmsEncoding.UCS2, 71, 2)),
        ("न" * 134, SmsSize(SmsEncoding.UCS2, 134, 2)),
        ("न" * 135, SmsSize(SmsEncoding.UCS2, 135, 3)),
        ("a" * 69 + "😀", SmsSize(SmsEncoding.UCS2, 71, 2)),  # outside the BMP: two units
    ],
)
def test_the_encoding_and_segments_of_a_text(text, expected):
    assert sms_size(text) == expected


def test_one_indic_letter_makes_the_whole_text_ucs2():
    assert sms_size("Your OTP is 042719 - kyvs").encoding is SmsEncoding.GSM7
    assert sms_size("Your OTP is 042719 - kyvs ।").encoding is SmsEncoding.UCS2


def test_the_septet_table_agrees_with_the_gsm0338_codec_on_every_bmp_character():
    import gsm0338  # noqa: F401, PLC0415 - registers the codec this test compares against

    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        try:
            expected = SmsSize(SmsEncoding.GSM7, len(char.encode("gsm03.38")), 1)
        except UnicodeEncodeError:
            expected = SmsSize(SmsEncoding.UCS2, 1, 1)
        assert sms_size(char) == expected, hex(code)
