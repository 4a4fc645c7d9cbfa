"""The message catalogs: complete where promised, placeholders intact, English as the fallback."""

from __future__ import annotations

import io
import tomllib
from importlib import resources

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from kyvs.i18n import (
    COMPLETE_LANGUAGES,
    STATUS_LABELS,
    SUPPORTED_LANGUAGES,
    Translator,
    negotiate_language,
    translator,
)
from kyvs.i18n.catalogs import catalog, placeholders, usable_messages, usable_plurals
from kyvs.services.sms_texts import CITIZEN_LOGIN_TEXT, VERIFICATION_TEXT

PARTIAL_LANGUAGES = [lang for lang in SUPPORTED_LANGUAGES if lang not in COMPLETE_LANGUAGES]

# Each language's script; the danda (U+0964/0965) is shared by the North Indian scripts.
SCRIPTS = {
    "hi": (0x0900, 0x097F),
    "mr": (0x0900, 0x097F),
    "bn": (0x0980, 0x09FF),
    "as": (0x0980, 0x09FF),
    "pa": (0x0A00, 0x0A7F),
    "gu": (0x0A80, 0x0AFF),
    "or": (0x0B00, 0x0B7F),
    "ta": (0x0B80, 0x0BFF),
    "te": (0x0C00, 0x0C7F),
    "kn": (0x0C80, 0x0CFF),
    "ml": (0x0D00, 0x0D7F),
}


def purpose_labels() -> list[str]:
    text = resources.files("kyvs.rules").joinpath("access.toml").read_text(encoding="utf-8")
    return [purpose["label"] for purpose in tomllib.loads(text)["purposes"]]


REQUIRED = [*STATUS_LABELS, *purpose_labels(), VERIFICATION_TEXT]
REQUIRED_PLURALS = [CITIZEN_LOGIN_TEXT]  # with a form per count of minutes


def problems(reference: Catalog, translated: Catalog, *, complete: bool) -> list[str]:
    """What is wrong with `translated` against the English `reference` catalog."""
    found = []
    if translated.fuzzy:
        found.append("the header is fuzzy")
    for message in translated:
        if not message.id:
            continue
        if message.id not in reference:
            found.append(f"{message.id!r} is not an English message")
        if message.fuzzy:
            found.append(f"{message.id!r} is fuzzy")
        msgid = _singular(message.id)
        for string in _forms(message.string):
            if string and _placeholders_of(string) != _placeholders_of(msgid):
                found.append(f"{msgid!r} has other placeholders: {string!r}")
    if complete:
        for english in reference:
            if not english.id:
                continue
            msgid = _singular(english.id)
            translation = translated.get(english.id)
            if translation is None or not all(_forms(translation.string)):
                found.append(f"{msgid!r} is untranslated")
            elif translated.locale_identifier != "en" and set(_forms(translation.string)) & set(
                _forms(english.id)
            ):
                found.append(f"{msgid!r} is still in English")
    return found


def _singular(msgid: object) -> str:
    return str(msgid[0]) if isinstance(msgid, tuple | list) else str(msgid)


def _forms(string: object) -> tuple[str, ...]:
    """A message's translation: one string, or one per plural form."""
    return tuple(string) if isinstance(string, tuple | list) else (str(string or ""),)


def _placeholders_of(text: str) -> frozenset[str] | str:
    try:
        return placeholders(text)
    except ValueError as error:
        return f"broken braces: {error}"


@pytest.mark.parametrize("language", COMPLETE_LANGUAGES)
def test_a_complete_language_translates_every_message(language):
    assert problems(catalog("en"), catalog(language), complete=True) == []


@pytest.mark.parametrize("language", PARTIAL_LANGUAGES)
def test_a_partial_language_has_no_fuzzy_or_broken_translation(language):
    assert problems(catalog("en"), catalog(language), complete=False) == []


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_language_translates_the_sms_texts_status_and_purpose_labels(language):
    messages = usable_messages(catalog(language))
    assert [msgid for msgid in REQUIRED if not messages.get(msgid)] == []
    plurals = usable_plurals(catalog(language))
    assert [msgid for msgid in REQUIRED_PLURALS if not plurals.get(msgid)] == []


def test_english_names_every_purpose_of_the_access_rules_and_every_status():
    english = usable_messages(catalog("en"))
    assert {msgid: english.get(msgid) for msgid in REQUIRED} == {m: m for m in REQUIRED}
    sms = usable_plurals(catalog("en"))
    assert {msgid: sms.get(msgid) for msgid in REQUIRED_PLURALS} == {
        m: (m, m) for m in REQUIRED_PLURALS
    }


@pytest.mark.parametrize("language", sorted(SCRIPTS))
def test_translations_are_written_in_the_language_s_script(language):
    low, high = SCRIPTS[language]
    singular = usable_messages(catalog(language)).items()
    plural = [(m, form) for m, forms in usable_plurals(catalog(language)).items() for form in forms]
    for msgid, text in [*singular, *plural]:
        foreign = {
            ch
            for ch in text
            if not (ch.isascii() or low <= ord(ch) <= high or ch in "\u0964\u0965\u200c\u200d")
        }
        assert not foreign, f"{language} {msgid!r}: {sorted(foreign)}"
        assert any(low <= ord(ch) <= high for ch in text), f"{language} {msgid!r} is not in script"


BROKEN_HINDI = """
msgid ""
msgstr ""
"Language: hi\\n"
"Content-Type: text/plain; charset=utf-8\\n"

msgid "Not vaccinated"
msgstr ""

#, fuzzy
msgid "Fully vaccinated"
msgstr "पूर्ण टीकाकरण"

msgid "{otp} is your kyvs login OTP. Valid {minutes} min. Do not share it with anyone. -kyvs"
msgstr "{otp} आपका kyvs लॉगिन OTP है। {मिनट} मिनट तक मान्य। -kyvs"

msgid "travel"
msgstr "travel"
"""


def test_the_completeness_check_catches_empty_fuzzy_untranslated_and_broken_messages():
    broken = read_po(io.StringIO(BROKEN_HINDI), locale="hi")
    found = "\n".join(problems(catalog("en"), broken, complete=True))
    assert "'Not vaccinated' is untranslated" in found
    assert "'Fully vaccinated' is fuzzy" in found
    assert "has other placeholders" in found
    assert "'travel' is still in English" in found
    assert "'Partially vaccinated' is untranslated" in found


def test_empty_and_fuzzy_entries_are_not_used():
    broken = read_po(io.StringIO(BROKEN_HINDI), locale="hi")
    usable = usable_messages(broken)
    assert "Not vaccinated" not in usable
    assert "Fully vaccinated" not in usable
    assert usable["travel"] == "travel"


def test_translations_follow_the_language():
    assert translator("hi").gettext("Fully vaccinated") == "पूर्ण टीकाकरण"
    assert translator("gu").gettext("travel") == "મુસાફરી"
    assert translator("mr").gettext("Partially vaccinated") == "अंशतः लसीकरण"
    assert translator("en").gettext("a hotel stay") == "a hotel stay"


def test_a_region_or_case_variant_picks_the_language():
    assert translator("hi-IN").language == "hi"
    assert translator("GU_in").language == "gu"


def test_an_unsupported_language_gets_english():
    words = translator("fr")
    assert words.language == "en"
    assert words.gettext("Fully vaccinated") == "Fully vaccinated"


def test_an_unknown_message_is_returned_as_it_is():
    assert translator("hi").gettext("No such message") == "No such message"
    assert translator("hi").format("Hello {name}", name="Asha") == "Hello Asha"


def test_a_missing_translation_falls_back_to_english():
    fallback = Translator("ta", {}, usable_messages(catalog("en")))
    assert fallback.gettext("Fully vaccinated") == "Fully vaccinated"


def test_a_translation_with_other_placeholders_falls_back_to_english():
    english = usable_messages(catalog("en"))
    words = Translator("hi", {CITIZEN_LOGIN_TEXT: "{otp} {मिनट}"}, english)
    assert words.format(CITIZEN_LOGIN_TEXT, otp="123456", minutes=3) == (
        "123456 is your kyvs login OTP. Valid 3 min. Do not share it with anyone. -kyvs"
    )


def test_format_fills_every_placeholder():
    words = translator("gu")
    text = words.nformat(CITIZEN_LOGIN_TEXT, CITIZEN_LOGIN_TEXT, 3, otp="042719", minutes=3)
    assert text.startswith("042719 ")
    assert "3 મિનિટ" in text


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gu-IN,gu;q=0.9,en;q=0.8", "gu"),
        ("hi", "hi"),
        ("mr-IN", "mr"),
        ("en-US,en;q=0.9,hi;q=0.8", "en"),
        ("fr-FR,fr;q=0.9", "en"),
        ("de, ta;q=0.5", "ta"),
        ("en;q=0.2, bn;q=0.7", "bn"),
        ("hi;q=0, gu;q=0.3", "gu"),
        ("*", "en"),
        ("ml;q=oops, kn", "kn"),
        ("TE-in", "te"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_accept_language_negotiation(header, expected):
    assert negotiate_language(header) == expected


def test_negotiation_falls_back_to_the_given_default():
    assert negotiate_language("xx-YY", default="hi") == "hi"
    assert negotiate_language(None, default="gu") == "gu"


@given(st.text(max_size=300))
def test_negotiation_never_fails_and_answers_a_supported_language(header):
    assert negotiate_language(header) in SUPPORTED_LANGUAGES
