"""The SMS texts: registered DLT templates filled with the provider and the OTP, in the person's
language, naming the purpose, within two segments."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from kyvs.adapters.transliteration import indic_to_latin
from kyvs.domain.dlt import MAX_VALUE_CHARS, MIN_NAME_CHARS, name_room
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.sms_encoding import SmsEncoding, sms_size
from kyvs.domain.sms_templates import CITIZEN_LOGIN_OTP, VERIFICATION_OTP, SmsTemplateRegistry
from kyvs.i18n import SUPPORTED_LANGUAGES, translator
from kyvs.rules import SMS_TEMPLATES_EXAMPLE, load_access_catalogue, load_example_sms_templates
from kyvs.services.sms_texts import SmsTexts, draft_registry

MOBILE = MobileNumber("9876543210")
OTP = "042719"
LONG_PROVIDER = "Mahalaxmi Tours and Travels Private Limited"
PURPOSES = {code: purpose.label for code, purpose in load_access_catalogue().purposes.items()}
TEXTS = SmsTexts(load_example_sms_templates(), to_latin=indic_to_latin)


def verification(language: str, *, provider: str = "IndiGo", purpose: str = "travel"):
    return TEXTS.verification_otp(
        to=MOBILE, otp=OTP, provider_name=provider, purpose=purpose, language=language
    )


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("purpose", sorted(PURPOSES))
def test_the_verification_sms_names_provider_purpose_and_otp_in_its_template(language, purpose):
    message = verification(language, provider="Vistara Travels", purpose=purpose)
    assert "Vistara Travels" in message.text
    assert translator(language).gettext(PURPOSES[purpose]) in message.text
    assert OTP in message.text
    assert message.dlt is not None
    assert message.dlt.matches(message.text)
    assert message.values == ("Vistara Travels", OTP)
    assert (message.to, message.category, message.language) == (MOBILE, VERIFICATION_OTP, language)
    if language != "en":
        assert "asks for" not in message.text


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_the_citizen_login_sms_carries_the_otp_and_the_minutes(language):
    message = TEXTS.citizen_login_otp(to=MOBILE, otp=OTP, language=language)
    assert message.text.startswith(f"{OTP} ")
    assert "3" in message.text.replace(OTP, "")
    assert message.dlt is not None and message.dlt.matches(message.text)
    assert message.values == (OTP,)
    assert (message.category, message.language) == (CITIZEN_LOGIN_OTP, language)


def test_the_english_sms_read_as_written():
    assert verification("en").text == (
        "IndiGo asks for your vaccination status for travel. OTP 042719. "
        "Share it only if you agree. -kyvs"
    )
    login = TEXTS.citizen_login_otp(to=MOBILE, otp=OTP, language="en")
    assert login.text == (
        "042719 is your kyvs login OTP. Valid 3 min. Do not share it with anyone. -kyvs"
    )


def test_the_texts_in_hindi_gujarati_and_marathi():
    assert verification("hi").text == (
        "IndiGo ने यात्रा के लिए आपकी टीकाकरण स्थिति माँगी है। OTP 042719। सहमत हों तभी बताएँ। -kyvs"
    )
    assert verification("gu").text.startswith("IndiGo મુસાફરી માટે તમારી રસીકરણની સ્થિતિ")
    assert "(उद्देश: प्रवास)" in verification("mr").text


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_sms_in_every_language_fits_two_segments_even_with_a_long_provider_name(language):
    for purpose in PURPOSES:
        message = verification(language, provider=LONG_PROVIDER, purpose=purpose)
        size = sms_size(message.text)
        assert size.segments <= 2, (purpose, size)
        assert message.dlt is not None and message.dlt.matches(message.text)
        expected = SmsEncoding.GSM7 if language == "en" else SmsEncoding.UCS2
        assert size.encoding is expected
    login = TEXTS.citizen_login_otp(to=MOBILE, otp=OTP, language=language)
    assert sms_size(login.text).segments <= (1 if language == "en" else 2)


def test_a_long_name_is_cut_at_a_word_to_the_room_its_template_leaves():
    english = verification("en", provider=LONG_PROVIDER)
    assert english.values[0] == "Mahalaxmi Tours and Travels"  # 27 of 30 characters
    malayalam = verification("ml", provider=LONG_PROVIDER, purpose="event-entry")
    assert malayalam.dlt is not None
    room = name_room(malayalam.dlt)
    assert MIN_NAME_CHARS <= room < MAX_VALUE_CHARS
    assert LONG_PROVIDER.startswith(malayalam.values[0])
    assert len(malayalam.values[0]) <= room


def test_a_name_is_reduced_to_what_an_alphanumeric_variable_takes():
    message = verification("en", provider="A&B Tours (Pune) Pvt. Ltd.\n")
    assert message.values[0] == "A B Tours Pune Pvt Ltd"
    assert message.dlt is not None and message.dlt.matches(message.text)


def test_a_name_in_an_indic_script_goes_in_latin_letters():
    message = verification("hi", provider="सुनीता ट्रैवल्स")
    assert message.values[0].isascii()
    assert message.values[0].startswith("Sunita")


def test_a_name_with_nothing_left_still_fills_the_variable():
    assert verification("en", provider="€€€").values[0] == "Provider"


def test_an_unsupported_language_gets_english():
    message = verification("fr")
    assert message.language == "en"
    assert message.text.startswith("IndiGo asks for your vaccination status for travel.")


def test_a_regional_tag_uses_its_language():
    assert verification("gu-IN").language == "gu"


def test_an_otp_is_ascii_digits():
    with pytest.raises(ValueError, match="ASCII digits"):
        TEXTS.citizen_login_otp(to=MOBILE, otp="٠٤٢٧١٩", language="en")


def test_the_packaged_example_is_the_draft_of_the_translated_texts_and_breaks_no_rule():
    shipped = resources.files("kyvs.rules").joinpath(SMS_TEMPLATES_EXAMPLE).read_text("utf-8")
    drafted = draft_registry(
        languages=SUPPORTED_LANGUAGES,
        purposes=PURPOSES,
        minutes=3,
        entity_id="1101000000000000000",
        header="KYVSOT",
    )
    assert shipped == drafted, "regenerate it with `kyvs sms templates draft`"
    registry = SmsTemplateRegistry.from_mapping(tomllib.loads(shipped))
    assert registry.problems(purposes=PURPOSES, otp_minutes=3) == []
    assert registry.missing_languages(purposes=PURPOSES, languages=SUPPORTED_LANGUAGES) == []
    assert len(registry.templates) == len(SUPPORTED_LANGUAGES) * (len(PURPOSES) + 1)


def test_a_language_without_templates_gets_the_english_one_and_says_so():
    registry = load_example_sms_templates()
    without_tamil = SmsTemplateRegistry(
        registry.version,
        registry.brand,
        registry.otp_minutes,
        {key: t for key, t in registry.templates.items() if key.language != "ta"},
    )
    message = SmsTexts(without_tamil).citizen_login_otp(to=MOBILE, otp=OTP, language="ta")
    assert message.language == "en"
    assert message.text.startswith(f"{OTP} is your kyvs login OTP.")
