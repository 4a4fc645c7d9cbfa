"""The privacy notice's content: items by scope and audience, and a digest of its words that
changes with any word and with nothing else."""

from __future__ import annotations

import hashlib
import json

import pytest

from kyvs.domain.notice import (
    GENERAL,
    PROVIDER,
    Notice,
    NoticeContent,
    NoticeSection,
    canonical_text,
    notice_digest,
    short_link,
)

CONTENT = {
    "title": "Privacy notice",
    "default_operator": "the operator",
    "sections": [
        {
            "key": "shared",
            "heading": "What is shared",
            "items": [
                {"text": "Your status."},
                {"text": "Some see your name.", "scope": "demographics", "audience": "general"},
                {"text": "Some see your doses.", "scope": "vaccinations", "audience": "general"},
                {"text": "It sees your name.", "scope": "demographics", "audience": "provider"},
                {"text": "It sees your doses.", "scope": "vaccinations", "audience": "provider"},
            ],
        },
        {
            "key": "purpose",
            "heading": "For which purpose",
            "lists_purposes": True,
            "items": [
                {"text": "It checks for {purpose}.", "audience": "provider"},
                {"text": "The purposes are:", "audience": "general"},
            ],
        },
        {"key": "fiduciary", "heading": "Who", "items": [{"text": "Run by {operator}."}]},
    ],
    "published": [{"version": "1", "date": "2026-12-01", "digests": {"en": "0" * 64}}],
}


class Words:
    """English as it is written, or every message in capitals (another "language")."""

    def __init__(self, *, shout: bool = False) -> None:
        self.shout = shout

    def gettext(self, msgid: str) -> str:
        return msgid.upper() if self.shout else msgid

    def format(self, msgid: str, **values: object) -> str:
        text = msgid.format(**values)
        return text.upper() if self.shout else text


def content(**changes: object) -> NoticeContent:
    return NoticeContent.from_mapping({**CONTENT, **changes})


def items(notice: Notice, key: str) -> tuple[str, ...]:
    return notice.section(key).items


def test_a_provider_notice_lists_only_the_items_of_its_scopes_and_its_purpose():
    notice = content().render(
        "en",
        Words(),
        operator="Acme",
        scopes=frozenset({"status", "demographics"}),
        purposes=("travel",),
        audience=PROVIDER,
    )
    assert items(notice, "shared") == ("Your status.", "It sees your name.")
    assert items(notice, "purpose") == ("It checks for travel.",)
    assert items(notice, "fiduciary") == ("Run by Acme.",)


def test_a_status_only_provider_shows_nothing_more_than_the_status():
    notice = content().render(
        "en", Words(), operator="Acme", scopes=frozenset({"status"}), audience=PROVIDER
    )
    assert items(notice, "shared") == ("Your status.",)


def test_the_general_notice_lists_every_scope_and_every_purpose():
    notice = content().render(
        "en", Words(), operator="Acme", purposes=("travel", "education"), audience=GENERAL
    )
    assert items(notice, "shared") == (
        "Your status.",
        "Some see your name.",
        "Some see your doses.",
    )
    assert items(notice, "purpose") == ("The purposes are:", "travel", "education")


def test_the_notice_is_in_the_words_it_is_rendered_with():
    notice = content().render("xx", Words(shout=True), operator="Acme", audience=GENERAL)
    assert notice.language == "xx"
    assert notice.title == "PRIVACY NOTICE"
    assert notice.section("shared").heading == "WHAT IS SHARED"


def test_the_digest_is_the_sha256_of_the_canonical_text():
    notice = content().render("en", Words(), operator="Acme")
    text = canonical_text(notice.title, notice.sections)
    assert notice.digest == hashlib.sha256(text.encode()).hexdigest()
    assert text.startswith('{"sections":[{"heading":"What is shared","items":["Your status."')
    assert json.loads(text)["title"] == "Privacy notice"


def test_the_digest_is_the_same_for_the_same_words_and_changes_with_any_word():
    first = content().render("en", Words(), operator="Acme")
    again = content().render("en", Words(), operator="Acme")
    assert first.digest == again.digest
    assert first.digest != content().render("en", Words(), operator="Acme Ltd").digest
    assert first.digest != content().render("en", Words(shout=True), operator="Acme").digest


def test_the_digest_covers_headings_items_and_their_order():
    sections = (NoticeSection("a", "A", ("one", "two")), NoticeSection("b", "B", ()))
    base = notice_digest("T", sections)
    assert notice_digest("T", sections) == base
    assert notice_digest("T", tuple(reversed(sections))) != base
    swapped = (NoticeSection("a", "A", ("two", "one")), sections[1])
    assert notice_digest("T", swapped) != base
    assert notice_digest("T", (NoticeSection("a", "A!", ("one", "two")), sections[1])) != base


def test_the_digest_does_not_depend_on_the_version():
    words = content().render("en", Words(), operator="Acme")
    bumped = content(published=[*CONTENT["published"], {**CONTENT["published"][0], "version": "2"}])
    later = bumped.render("en", Words(), operator="Acme")
    assert (later.version, words.version) == ("2", "1")
    assert later.digest == words.digest


def test_the_content_names_every_msgid_it_uses():
    msgids = content().msgids()
    assert msgids[:2] == ["Privacy notice", "the operator"]
    assert "It checks for {purpose}." in msgids and "Who" in msgids


def test_a_section_that_is_not_there_is_a_key_error():
    with pytest.raises(KeyError):
        content().render("en", Words(), operator="Acme").section("nothing")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"published": []}, "no published version"),
        (
            {
                "sections": [
                    {"key": "a", "heading": "A", "items": [{"text": "x", "audience": "all"}]}
                ]
            },
            "audience",
        ),
    ],
)
def test_malformed_content_is_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        content(**changes)


def test_the_short_link_names_the_language():
    assert short_link("https://kyvs.gov.in", "hi") == "https://kyvs.gov.in/n/hi"
    assert short_link("https://kyvs.gov.in/", "en") == "https://kyvs.gov.in/n/en"
