"""The notice book: the notice in force in every language, and the version it was published
as, which must be bumped whenever its words change in any language."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from importlib import resources

import pytest

from kyvs.bootstrap import bootstrap
from kyvs.domain.notice import NoticeContent
from kyvs.i18n import SUPPORTED_LANGUAGES, translator
from kyvs.rules import load_access_catalogue, load_notice_content
from kyvs.services import notice as notice_service
from kyvs.services.notice import NoticeBook
from kyvs.services.verification import Verifier
from kyvs.settings import Settings

BOOK = NoticeBook()


def published() -> list[dict[str, object]]:
    text = resources.files("kyvs.rules").joinpath("notice.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)["published"]


def test_the_notice_text_in_every_language_is_the_one_its_version_was_published_with():
    changed = BOOK.unpublished(SUPPORTED_LANGUAGES)
    entry = "\n".join(
        [
            "[[published]]",
            'version = "<a new version>"',
            'date = "<today>"',
            "[published.digests]",
            *(f'{code} = "{BOOK.current(code).digest}"' for code in SUPPORTED_LANGUAGES),
        ]
    )
    assert changed == {}, (
        f"The privacy notice's text changed in {', '.join(changed)} since version "
        f"{BOOK.version} was published. Bump the version: add this entry at the end of "
        f"src/kyvs/rules/notice.toml (never edit a published one, consent records quote it):"
        f"\n\n{entry}\n"
    )


def test_every_published_version_is_new_and_has_a_digest_for_every_language():
    versions = [str(entry["version"]) for entry in published()]
    assert len(set(versions)) == len(versions)
    assert versions == sorted(versions)
    digests = [entry["digests"] for entry in published()]
    for found in digests:
        assert isinstance(found, dict) and set(found) == set(SUPPORTED_LANGUAGES)
    texts = [tuple(sorted(found.items())) for found in digests]  # type: ignore[union-attr]
    assert len(set(texts)) == len(texts), "a new version must publish a changed text"


def test_a_changed_word_is_caught_even_when_only_one_language_changed(monkeypatch):
    title = load_notice_content().title
    hindi = translator("hi")
    edited = dataclasses.replace(hindi, messages={**hindi.messages, title: "नई सूचना"})
    monkeypatch.setattr(
        notice_service, "translator", lambda code: edited if code == "hi" else translator(code)
    )
    assert set(NoticeBook().unpublished(SUPPORTED_LANGUAGES)) == {"hi"}


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_the_notice_is_in_each_language_and_its_digest_is_that_text_s(language):
    notice = BOOK.current(language)
    words = translator(language)
    assert notice.language == language
    assert notice.version == BOOK.version == load_notice_content().version
    assert notice.title == words.gettext("Privacy notice")
    assert len(notice.digest) == 64
    assert notice.digest == BOOK.current(language).digest
    if language != "en":
        assert notice.title != "Privacy notice"
        assert notice.digest != BOOK.current("en").digest


def test_an_unknown_language_gets_the_english_notice_and_a_region_its_language():
    assert BOOK.current("fr") == BOOK.current("en")
    assert BOOK.current("").language == "en"
    assert BOOK.current("hi-IN") == BOOK.current("hi")


def test_the_general_notice_names_every_scope_and_every_purpose():
    notice = BOOK.current("en")
    shared = " ".join(notice.section("shared").items)
    assert "birth year, gender and masked reference id" in shared
    assert "vaccine, dose number, kind and date" in shared
    labels = {p.label for p in load_access_catalogue().purposes.values()}
    assert labels <= set(notice.section("purpose").items)


def test_a_provider_notice_names_only_its_scopes_and_its_purpose_in_the_language():
    status_only = BOOK.for_provider("en", scopes={"status"}, purpose_label="travel")
    assert status_only.section("shared").items == (
        "Every check shares your vaccination status: not, partly or fully vaccinated, and "
        "whether you had a precaution dose.",
        "We never give a provider your mobile number, your ID number or where you were vaccinated.",
    )
    assert status_only.section("purpose").items[0] == (
        "This provider checks your status for travel, and may use it only for that."
    )
    hindi = BOOK.for_provider("hi", scopes={"status", "vaccinations"}, purpose_label="travel")
    assert "यात्रा" in hindi.section("purpose").items[0]
    assert len(hindi.section("shared").items) == 3
    assert status_only.version == hindi.version == BOOK.version


def test_every_section_of_the_law_s_notice_is_there():
    keys = [section.key for section in BOOK.current("en").sections]
    assert keys == ["fiduciary", "shared", "purpose", "retention", "withdraw", "complain"]
    notice = BOOK.current("en")
    assert any("1 day" in item for item in notice.section("retention").items)
    assert any("24 hours" in item for item in notice.section("retention").items)
    assert any("1 year" in item for item in notice.section("retention").items)
    assert any("withdraw a consent" in item for item in notice.section("withdraw").items)
    assert any("90 days" in item for item in notice.section("complain").items)
    assert any("Data Protection Board" in item for item in notice.section("complain").items)


def test_the_data_fiduciary_is_the_operator_the_settings_name_else_the_kyvs_operator():
    default = BOOK.current("hi").section("fiduciary").items[0]
    assert translator("hi").gettext("the kyvs operator") in default
    named = NoticeBook(operator="State Health Society, Gujarat").current("gu")
    assert "State Health Society, Gujarat" in named.section("fiduciary").items[0]
    assert named.digest != BOOK.current("gu").digest  # the name is part of the text
    assert named.version == BOOK.version


def test_the_container_wires_a_notice_book_with_the_operator_of_the_settings():
    wired = bootstrap(Settings(demo=True, notice_operator="Health Dept"))
    assert isinstance(wired.notices, NoticeBook)
    assert "Health Dept" in wired.notices.current("en").section("fiduciary").items[0]


def test_a_book_renders_the_content_it_is_given():
    data = tomllib.loads(
        resources.files("kyvs.rules").joinpath("notice.toml").read_text(encoding="utf-8")
    )
    data["published"] = [*data["published"], {"version": "9999.1", "date": "x", "digests": {}}]
    book = NoticeBook(content=NoticeContent.from_mapping(data))
    assert book.current("en").version == "9999.1"
    assert set(book.unpublished(["en", "hi"])) == {"en", "hi"}


def test_the_notice_states_the_retention_periods_the_default_settings_keep():
    assert BOOK.stated_periods() == {
        "verification_details": "24 hours",
        "access_log": "365 days",
    }
    assert bootstrap(Settings(demo=True)).notice_problems == []
    retention = " ".join(BOOK.current("en").section("retention").items)
    assert "after 24 hours" in retention and "for 1 year" in retention
    assert Verifier.attestation_lifetime == dt.timedelta(days=1)  # "valid for 1 day"


def test_a_server_keeping_records_longer_than_the_notice_says_is_told(monkeypatch):
    monkeypatch.setenv("KYVS_RETENTION_VERIFICATION_DETAILS_HOURS", "48")
    problems = bootstrap(Settings(demo=True)).notice_problems
    assert problems == [
        "the privacy notice says verification_details are kept 24 hours, the settings keep "
        "them 48 hours (KYVS_RETENTION_VERIFICATION_DETAILS_HOURS)"
    ]
