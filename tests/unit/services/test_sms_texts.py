"""The SMS texts: registered DLT templates filled with the provider, the OTP and the link to the
privacy notice, in the person's language, naming the purpose, within two segments (three with
the notice link)."""

from __future__ import annotations

import dataclasses
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
from kyvs.services.sms_texts import (
    DEFAULT_BASE_URL,
    SmsTexts,
    draft_body,
    draft_registry,
    notice_link_problems,
)

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
    link = f"{DEFAULT_BASE_URL}/n/{language}"
    assert message.values == ("Vistara Travels", OTP, link)
    assert f" {link} " in message.text
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
        "Share it only if you agree. Notice http://127.0.0.1:8000/n/en -kyvs"
    )
    login = TEXTS.citizen_login_otp(to=MOBILE, otp=OTP, language="en")
    assert login.text == (
        "042719 is your kyvs login OTP. Valid 3 min. Do not share it with anyone. -kyvs"
    )


def test_the_texts_in_hindi_gujarati_and_marathi():
    assert verification("hi").text == (
        "IndiGo ने यात्रा के लिए आपकी टीकाकरण स्थिति माँगी है। OTP 042719। सहमत हों तभी बताएँ। "
        "सूचना http://127.0.0.1:8000/n/hi -kyvs"
    )
    assert verification("gu").text.startswith("IndiGo મુસાફરી માટે તમારી રસીકરણની સ્થિતિ")
    assert "(उद्देश: प्रवास)" in verification("mr").text


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_sms_in_every_language_fits_its_segments_even_with_a_long_provider_name(language):
    longest_link = SmsTexts(TEXTS.registry, base_url="https://kyvs.mohfw.gov.in")  # 30 chars
    for purpose in PURPOSES:
        message = longest_link.verification_otp(
            to=MOBILE, otp=OTP, provider_name=LONG_PROVIDER, purpose=purpose, language=language
        )
        size = sms_size(message.text)
        assert size.segments <= (2 if language == "en" else 3), (purpose, size)
        assert len(message.values[0]) >= MIN_NAME_CHARS
        assert message.dlt is not None and message.dlt.matches(message.text)
        expected = SmsEncoding.GSM7 if language == "en" else SmsEncoding.UCS2
        assert size.encoding is expected
    login = TEXTS.citizen_login_otp(to=MOBILE, otp=OTP, language=language)
    assert sms_size(login.text).segments <= (1 if language == "en" else 2)


def test_a_long_name_is_cut_at_a_word_to_the_room_its_template_leaves():
    english = verification("en", provider=LONG_PROVIDER)
    assert english.values[0] == "Mahalaxmi Tours and Travels"  # 27 of 30 characters
    unlinked = _registry(notice_link=False)
    malayalam = SmsTexts(unlinked).verification_otp(
        to=MOBILE, otp=OTP, provider_name=LONG_PROVIDER, purpose="event-entry", language="ml"
    )
    assert malayalam.dlt is not None
    room = name_room(malayalam.dlt)
    assert MIN_NAME_CHARS <= room < MAX_VALUE_CHARS
    assert LONG_PROVIDER.startswith(malayalam.values[0])
    assert len(malayalam.values[0]) <= room


def _registry(*, notice_link: bool) -> SmsTemplateRegistry:
    drafted = draft_registry(
        languages=SUPPORTED_LANGUAGES,
        purposes=PURPOSES,
        minutes=3,
        entity_id="1101000000000000000",
        header="KYVSOT",
        notice_link=notice_link,
    )
    return SmsTemplateRegistry.from_mapping(tomllib.loads(drafted))


def test_the_notice_link_takes_a_segment_more_and_leaves_a_name_its_full_room():
    linked, unlinked = _registry(notice_link=True), _registry(notice_link=False)
    for language in SUPPORTED_LANGUAGES:
        for purpose in PURPOSES:
            with_link = linked.template(VERIFICATION_OTP, language, purpose)
            assert name_room(with_link) == MAX_VALUE_CHARS
            assert "{#url#}" not in unlinked.template(VERIFICATION_OTP, language, purpose).body
    assert linked.problems(purposes=PURPOSES, otp_minutes=3) == []
    assert unlinked.problems(purposes=PURPOSES, otp_minutes=3) == []


def test_a_template_without_the_notice_link_sends_the_name_and_the_otp_only():
    message = SmsTexts(_registry(notice_link=False)).verification_otp(
        to=MOBILE, otp=OTP, provider_name="IndiGo", purpose="travel", language="hi"
    )
    assert message.values == ("IndiGo", OTP)
    assert "http" not in message.text


def test_the_link_carries_the_language_of_the_template_it_is_sent_in():
    texts = SmsTexts(TEXTS.registry, base_url="https://kyvs.gov.in/")
    message = texts.verification_otp(
        to=MOBILE, otp=OTP, provider_name="IndiGo", purpose="travel", language="fr"
    )
    assert message.values[2] == "https://kyvs.gov.in/n/en"


def test_a_base_url_too_long_for_the_url_variable_is_a_problem_before_anything_is_sent():
    registry = TEXTS.registry
    assert notice_link_problems(registry, "https://kyvs.mohfw.gov.in") == []
    problems = notice_link_problems(registry, "https://vaccination-status.example.gov.in")
    assert len(problems) == len(registry.templates) - len(SUPPORTED_LANGUAGES)  # not logins
    assert "KYVS_PUBLIC_BASE_URL" in problems[0]
    assert notice_link_problems(_registry(notice_link=False), "https://" + "x" * 60) == []
    broken = _registry(notice_link=True)
    key = next(iter(broken.templates))
    unknown = dataclasses.replace(broken.templates[key], body="{#var#} OTP {#url#} -kyvs")
    templates = {**broken.templates, key: unknown}
    mended = dataclasses.replace(broken, templates=templates)
    assert notice_link_problems(mended, "https://kyvs.gov.in") == []  # reported as unknown


def test_the_drafted_body_puts_the_link_between_fixed_words():
    body = draft_body(VERIFICATION_OTP, "ta", minutes=3, purpose_label="travel")
    assert body.endswith(" {#url#} -kyvs")


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
