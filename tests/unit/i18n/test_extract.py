"""The msgid extractor finds every message kyvs uses, and the catalogs translate what they must.

Complete languages (en, hi, gu, mr) translate every extracted msgid; the others at least what a
person sees while a provider checks their status (`VERIFICATION_SOURCES`). Run
`python -m kyvs.i18n.extract --missing` to list what a catalog lacks.
"""

from __future__ import annotations

import io
import tomllib
from importlib import resources

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from kyvs.i18n import COMPLETE_LANGUAGES, STATUS_LABELS, SUPPORTED_LANGUAGES
from kyvs.i18n import extract as extract_module
from kyvs.i18n.catalogs import catalog, placeholders
from kyvs.i18n.extract import (
    VERIFICATION_SOURCES,
    Extraction,
    extract,
    missing,
    purpose_labels,
    python_messages,
    template_messages,
)
from kyvs.services import sms_texts
from kyvs.web import problem_catalogue
from kyvs.web.pages import console, rights_texts, rights_view, shared

PARTIAL_LANGUAGES = [lang for lang in SUPPORTED_LANGUAGES if lang not in COMPLETE_LANGUAGES]


@pytest.fixture(scope="module")
def extraction() -> Extraction:
    return extract()


def coverage_problems(msgids: list[str], translated: Catalog) -> list[str]:
    """What `translated` lacks of `msgids`: missing, empty, fuzzy, other placeholders."""
    found = []
    for msgid in msgids:
        message = translated.get(msgid)
        # A plural message has a form per count, each checked like a singular message.
        forms = () if message is None else _forms(message.string)
        if message is None:
            found.append(f"{msgid!r} is missing")
        elif not forms or not all(forms):
            found.append(f"{msgid!r} is empty")
        elif message.fuzzy:
            found.append(f"{msgid!r} is fuzzy")
        elif any(_placeholders_of(form) != _placeholders_of(msgid) for form in forms):
            found.append(f"{msgid!r} has other placeholders: {message.string!r}")
    return found


def _forms(string: object) -> tuple[str, ...]:
    return tuple(string) if isinstance(string, tuple | list) else (str(string),)


def _placeholders_of(text: str) -> frozenset[str] | str:
    try:
        return placeholders(text)
    except ValueError as error:
        return f"broken braces: {error}"


# --- the catalogs against the extraction ---------------------------------------------------


@pytest.mark.parametrize("language", COMPLETE_LANGUAGES)
def test_a_complete_language_translates_every_extracted_msgid(extraction, language):
    assert coverage_problems(list(extraction.messages), catalog(language)) == []


@pytest.mark.parametrize("language", PARTIAL_LANGUAGES)
def test_a_partial_language_translates_the_verification_screens(extraction, language):
    needed = extraction.used_by(VERIFICATION_SOURCES)
    assert coverage_problems(needed, catalog(language)) == []


def test_english_has_no_msgid_that_nothing_uses(extraction):
    singular = [m.id[0] if m.pluralizable else m.id for m in catalog("en") if m.id]
    stale = [msgid for msgid in singular if msgid not in extraction.messages]
    assert stale == []


def test_english_messages_are_their_msgids():
    assert [m.id for m in catalog("en") if m.id and m.string != m.id] == []


BROKEN_GUJARATI = """
msgid ""
msgstr ""
"Language: gu\\n"
"Content-Type: text/plain; charset=utf-8\\n"

msgid "Send OTP"
msgstr ""

#, fuzzy
msgid "Verify"
msgstr "ચકાસો"

msgid "{days} day"
msgid_plural "{days} days"
msgstr[0] "{days} દિવસ"
msgstr[1] "{દિવસ} દિવસ"

msgid "Try again in {seconds} second."
msgid_plural "Try again in {seconds} seconds."
msgstr[0] "{seconds} સેકન્ડ પછી ફરી પ્રયાસ કરો."
msgstr[1] "{seconds} સેકન્ડ પછી ફરી પ્રયાસ કરો."

msgid "{count} attempt left"
msgid_plural "{count} attempts left"
msgstr[0] "{count} પ્રયાસ બાકી"
msgstr[1] ""
"""


def test_missing_lists_what_a_catalog_cannot_use(monkeypatch, extraction):
    broken = read_po(io.StringIO(BROKEN_GUJARATI), locale="gu")
    monkeypatch.setattr(extract_module, "catalog", lambda language: broken)
    lacking = missing(extraction, "gu")
    assert {"Send OTP", "Verify", "Log in", "{count} attempt left"} <= set(lacking)
    assert "Try again in {seconds} second." not in lacking


def test_the_coverage_check_catches_missing_empty_fuzzy_and_broken_messages():
    broken = read_po(io.StringIO(BROKEN_GUJARATI), locale="gu")
    needed = ["Send OTP", "Verify", "{days} day", "Try again in {seconds} second."]
    needed += ["{count} attempt left", "Log in"]
    assert coverage_problems(needed, broken) == [
        "'Send OTP' is empty",
        "'Verify' is fuzzy",
        "'{days} day' has other placeholders: ('{days} દિવસ', '{દિવસ} દિવસ')",
        "'{count} attempt left' is empty",
        "'Log in' is missing",
    ]


# --- what the extractor finds ---------------------------------------------------------------


def test_every_template_call_has_a_literal_msgid(extraction):
    assert extraction.dynamic == ()


def test_the_status_and_purpose_labels_are_extracted(extraction):
    text = resources.files("kyvs.rules").joinpath("access.toml").read_text(encoding="utf-8")
    labels = [purpose["label"] for purpose in tomllib.loads(text)["purposes"]]
    assert labels
    assert set(STATUS_LABELS) | set(labels) <= extraction.messages.keys()


def test_the_message_tables_and_constants_of_the_page_code_are_extracted(extraction):
    tables = [
        *(problem.page_text for problem in problem_catalogue.CATALOGUE),
        *problem_catalogue.REASONS.values(),
        problem_catalogue.FALLBACK_TEXT,
        *console._STATE_TEXT.values(),
        *rights_view._OUTCOMES.values(),
        *rights_view._SUBJECTS.values(),
        *(text for pair in rights_texts._ABOUT.values() for text in pair),
        *rights_texts._ERASED.values(),
        *(text for pair in rights_texts._KEPT.values() for text in pair),
        shared.SIGNED_NOTE,
    ]
    assert [msgid for msgid in tables if msgid not in extraction.messages] == []


def test_the_sms_texts_are_extracted(extraction):
    assert {sms_texts.VERIFICATION_TEXT, sms_texts.CITIZEN_LOGIN_TEXT} <= extraction.messages.keys()


def test_the_share_card_msgids_are_extracted(extraction):
    share_card = pytest.importorskip("kyvs.adapters.share_card")
    assert set(share_card.CARD_MSGIDS) <= extraction.messages.keys()


def test_the_extraction_is_deterministic(extraction):
    again = extract()
    assert list(again.messages.items()) == list(extraction.messages.items())


def test_the_verification_screens_need_a_part_of_the_msgids(extraction):
    needed = extraction.used_by(VERIFICATION_SOURCES)
    assert set(STATUS_LABELS) <= set(needed)
    assert "Enter the OTP" in needed
    assert "Your share card" not in needed  # citizen pages are for complete languages only


def test_templates_give_msgids_of_underscore_and_f_calls():
    source = """
    <h1>{{ _("Heading") }}</h1>
    <p title="{{ _('Quoted') }}">{{ f("Hello {name}", name=person) }}</p>
    {{ _(variable) }} {{ other("Not a msgid") }} {{ words.f("Nor this") }}
    """
    found, dynamic = template_messages(source, "sample.html")
    assert [(item.msgid, item.source) for item in found] == [
        ("Heading", "sample.html"),
        ("Quoted", "sample.html"),
        ("Hello {name}", "sample.html"),
    ]
    assert dynamic == ["sample.html:4"]


def test_python_code_gives_literals_constants_and_tables():
    source = """
NOTE = "A constant"
_MESSAGES = {"a": "From a table", "b": "Another"}
_FALLBACK = "The fallback"
_OUTCOMES = {"x": "An outcome"}
UNUSED = "Not passed to gettext"

def page(words, slug, flag, label):
    local = "A local is not followed"
    words.gettext("A literal")
    words.format("With {value}", value=1)
    words.gettext(NOTE)
    words.gettext(_MESSAGES.get(slug, _FALLBACK))
    words.gettext("Yes" if flag else "No")
    words.gettext(label or "Default")
    words.gettext(local)
    words.gettext(label)
    "{} is not a lookup".format(1)
"""
    msgids = [item.msgid for item in python_messages(source, "sample.py")]
    assert sorted(msgids) == sorted(
        [
            "From a table",
            "Another",
            "The fallback",
            "An outcome",
            "A literal",
            "With {value}",
            "A constant",
            "From a table",
            "Another",
            "The fallback",
            "Yes",
            "No",
            "Default",
        ]
    )


def test_purpose_labels_are_read_from_the_access_rules():
    text = (
        '[[purposes]]\ncode = "travel"\nlabel = "travel"\n\n[[purposes]]\ncode = "x"\nlabel = "y"\n'
    )
    assert purpose_labels(text) == ["travel", "y"]
