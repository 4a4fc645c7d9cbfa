"""The SMS texts: provider, purpose, OTP and lifetime in the person's language, and short."""

from __future__ import annotations

import math
import tomllib
from importlib import resources

import pytest

from kyvs.domain.mobile import MobileNumber
from kyvs.i18n import COMPLETE_LANGUAGES, SUPPORTED_LANGUAGES, translator
from kyvs.services.sms_texts import (
    CITIZEN_LOGIN_OTP,
    MAX_PROVIDER_CHARS,
    VERIFICATION_OTP,
    citizen_login_otp_sms,
    provider_display_name,
    verification_otp_sms,
)

MOBILE = MobileNumber("9876543210")
LONGEST_PROVIDER = "Mahalaxmi Tours and Travels Pv"  # exactly MAX_PROVIDER_CHARS

# GSM 03.38 basic character set: an SMS in these characters takes 160 per segment.
GSM_7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


def purpose_labels() -> list[str]:
    text = resources.files("kyvs.rules").joinpath("access.toml").read_text(encoding="utf-8")
    return [purpose["label"] for purpose in tomllib.loads(text)["purposes"]]


def ucs2_segments(text: str) -> int:
    """How many SMS a UCS-2 text takes: 70 units alone, 67 per part when concatenated."""
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


def verification(language: str, *, provider: str = "IndiGo", purpose: str = "travel"):
    return verification_otp_sms(
        to=MOBILE,
        otp="042719",
        provider_name=provider,
        purpose_label=purpose,
        minutes=3,
        language=language,
    )


@pytest.mark.parametrize("language", COMPLETE_LANGUAGES)
@pytest.mark.parametrize("purpose", ["travel", "a hotel stay", "a government service"])
def test_the_verification_sms_names_provider_purpose_otp_and_minutes(language, purpose):
    message = verification(language, provider="Vistara Travels", purpose=purpose)
    translated_purpose = translator(language).gettext(purpose)
    assert "Vistara Travels" in message.text
    assert translated_purpose in message.text
    assert "042719" in message.text
    assert "3" in message.text.replace("042719", "")
    assert message.to == MOBILE
    assert message.category == VERIFICATION_OTP
    assert message.language == language
    if language != "en":
        assert translated_purpose != purpose
        assert "asks for" not in message.text


@pytest.mark.parametrize("language", COMPLETE_LANGUAGES)
def test_the_citizen_login_sms_carries_the_otp_and_minutes(language):
    message = citizen_login_otp_sms(to=MOBILE, otp="042719", minutes=5, language=language)
    assert message.text.startswith("042719 ")
    assert "5" in message.text.replace("042719", "")
    assert message.category == CITIZEN_LOGIN_OTP
    assert message.language == language


def test_the_english_sms_read_as_written():
    assert verification("en").text == (
        "IndiGo asks for your vaccination status for travel. OTP 042719. "
        "Share it only if you agree. Valid 3 min. -kyvs"
    )
    login = citizen_login_otp_sms(to=MOBILE, otp="042719", minutes=3, language="en")
    assert login.text == (
        "042719 is your kyvs login OTP. Valid 3 min. Do not share it with anyone. -kyvs"
    )


def test_the_texts_in_hindi_gujarati_and_marathi():
    assert verification("hi").text == (
        "IndiGo ने यात्रा के लिए आपकी टीकाकरण स्थिति माँगी है। OTP 042719। "
        "सहमत हों तभी बताएँ। 3 मिनट तक मान्य। -kyvs"
    )
    assert verification("gu").text.startswith("IndiGo મુસાફરી માટે તમારી રસીકરણની સ્થિતિ")
    assert "(उद्देश: प्रवास)" in verification("mr").text


def test_an_english_sms_stays_in_one_gsm_segment_even_with_the_longest_name():
    for purpose in purpose_labels():
        text = verification("en", provider=LONGEST_PROVIDER, purpose=purpose).text
        assert set(text) <= GSM_7
        assert len(text) <= 160


@pytest.mark.parametrize("language", [lang for lang in SUPPORTED_LANGUAGES if lang != "en"])
def test_indic_sms_are_short(language):
    assert ucs2_segments(verification(language).text) <= 2
    for purpose in purpose_labels():
        longest = verification(language, provider=LONGEST_PROVIDER, purpose=purpose)
        assert ucs2_segments(longest.text) <= 3
    login = citizen_login_otp_sms(to=MOBILE, otp="042719", minutes=3, language=language)
    assert ucs2_segments(login.text) <= (1 if language in COMPLETE_LANGUAGES else 2)


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_supported_language_translates_the_purpose(language):
    message = verification(language, purpose="entry to an event")
    assert translator(language).gettext("entry to an event") in message.text
    assert message.language == language


def test_an_unsupported_language_gets_english_and_says_so():
    message = verification("fr")
    assert message.language == "en"
    assert message.text.startswith("IndiGo asks for your vaccination status for travel.")


def test_a_regional_tag_uses_its_language():
    assert verification("gu-IN").language == "gu"


def test_a_purpose_without_a_translation_is_used_as_it_is():
    assert "(उद्देश: a boat ride)" in verification("mr", purpose="a boat ride").text


def test_a_provider_name_is_one_short_line():
    assert provider_display_name("  Acme\nTravels\t Ltd\u2028 ") == "Acme Travels Ltd"
    long_name = "Shree Mahalaxmi Tours and Travels Private Limited"
    shown = provider_display_name(long_name)
    assert len(shown) <= MAX_PROVIDER_CHARS
    assert shown.endswith("...")
    assert verification("en", provider=long_name).text.startswith(shown + " asks")


@pytest.mark.parametrize("otp", ["12a456", "", "١٢٣٤٥٦"])
def test_an_otp_is_ascii_digits(otp):
    with pytest.raises(ValueError, match="digits"):
        citizen_login_otp_sms(to=MOBILE, otp=otp, minutes=3, language="en")
