"""The privacy notice: what is shared, for which purpose, for how long, how to withdraw, how to
complain, and who is responsible; itemised, versioned, and the same words in every language.

The notice's content is data (`rules/notice.toml`): sections of items, each item an English
msgid that the message catalogs translate, some only for a scope or only for the general notice
or a provider's. A rendered `Notice` is one language's text; its `digest` (SHA-256 of a
canonical serialisation of that text) lets a consent record quote "version v, hash h".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Audience = Literal["general", "provider"]
GENERAL: Audience = "general"  # the /notice page: every scope, every purpose
PROVIDER: Audience = "provider"  # an OTP screen: one provider's scopes and purpose


class Words(Protocol):
    """One language's messages (the i18n `Translator` is one)."""

    def gettext(self, msgid: str) -> str:
        """The translation of `msgid`."""
        ...

    def format(self, msgid: str, **values: object) -> str:
        """The translation of `msgid` with its `{placeholders}` filled in."""
        ...


@dataclass(frozen=True, slots=True)
class NoticeSection:
    """One heading of a rendered notice and its items, in one language."""

    key: str
    heading: str
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Notice:
    """The notice in one language: its version, its text and the digest of that text."""

    version: str
    language: str
    digest: str
    title: str
    sections: tuple[NoticeSection, ...]

    @classmethod
    def of(
        cls, *, version: str, language: str, title: str, sections: Iterable[NoticeSection]
    ) -> Notice:
        """The notice with these words, its digest computed from them."""
        parts = tuple(sections)
        return cls(version, language, notice_digest(title, parts), title, parts)

    def section(self, key: str) -> NoticeSection:
        """The section `key` ("shared", "purpose", ...); KeyError when there is none."""
        for part in self.sections:
            if part.key == key:
                return part
        raise KeyError(key)


def canonical_text(title: str, sections: Iterable[NoticeSection]) -> str:
    """The notice's words as one deterministic string: JSON, keys sorted, no spaces."""
    document = {
        "title": title,
        "sections": [
            {"key": s.key, "heading": s.heading, "items": list(s.items)} for s in sections
        ],
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def notice_digest(title: str, sections: Iterable[NoticeSection]) -> str:
    """The SHA-256 hex digest of the notice's canonical text (UTF-8)."""
    return hashlib.sha256(canonical_text(title, sections).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class NoticeItem:
    """One line of the notice (a msgid), shown always, for one scope, or to one audience.

    The general notice (the `/notice` page) lists every item for every scope; a provider's
    notice (the OTP screens) only the items of its scopes. `{purpose}` and `{operator}` are
    filled in when the notice is rendered.
    """

    text: str
    scope: str | None = None
    audience: Audience | None = None

    def shown(self, audience: Audience, scopes: frozenset[str] | None) -> bool:
        """Whether this item belongs in a notice for `audience` with `scopes` (None: all)."""
        if self.audience is not None and self.audience != audience:
            return False
        return self.scope is None or scopes is None or self.scope in scopes


@dataclass(frozen=True, slots=True)
class SectionContent:
    """A section of the notice's content: its key, its heading's msgid and its items; the
    general notice lists every purpose's label after the items of a `lists_purposes` one."""

    key: str
    heading: str
    items: tuple[NoticeItem, ...]
    lists_purposes: bool = False


@dataclass(frozen=True, slots=True)
class Publication:
    """A published version of the notice and the digest of its text in each language."""

    version: str
    date: str
    digests: Mapping[str, str]


@dataclass(frozen=True)
class NoticeContent:
    """The notice's content (msgids) and the versions it was published as, newest last."""

    title: str
    default_operator: str  # the data fiduciary's name when the deployment names none
    sections: tuple[SectionContent, ...]
    publications: tuple[Publication, ...]
    states: Mapping[str, str] = field(default_factory=dict)  # retention periods, by kind

    @property
    def version(self) -> str:
        """The version in force: the newest publication's."""
        return self.publications[-1].version

    def render(
        self,
        language: str,
        words: Words,
        *,
        operator: str,
        scopes: frozenset[str] | None = None,
        purposes: tuple[str, ...] = (),
        audience: Audience = GENERAL,
    ) -> Notice:
        """The notice in `words`' language: every scope's items for the general notice,
        `scopes`' items for a provider's; `purposes` are translated purpose labels."""
        values = {"operator": operator, "purpose": ", ".join(purposes)}
        sections = []
        for section in self.sections:
            items = [
                words.format(item.text, **values)
                for item in section.items
                if item.shown(audience, scopes)
            ]
            if section.lists_purposes and audience == GENERAL:
                items += purposes
            sections.append(
                NoticeSection(section.key, words.gettext(section.heading), tuple(items))
            )
        return Notice.of(
            version=self.version,
            language=language,
            title=words.gettext(self.title),
            sections=sections,
        )

    def msgids(self) -> list[str]:
        """Every msgid of the content: the title, the headings and the items, in order."""
        found = [self.title, self.default_operator]
        for section in self.sections:
            found += [section.heading, *(item.text for item in section.items)]
        return found

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> NoticeContent:
        """The content from its data file's contents (KeyError/ValueError when malformed)."""
        sections = tuple(
            SectionContent(
                key=str(section["key"]),
                heading=str(section["heading"]),
                items=tuple(_item(item) for item in section["items"]),
                lists_purposes=bool(section.get("lists_purposes", False)),
            )
            for section in data["sections"]
        )
        publications = tuple(
            Publication(
                version=str(entry["version"]),
                date=str(entry["date"]),
                digests={str(k): str(v) for k, v in entry["digests"].items()},
            )
            for entry in data["published"]
        )
        if not publications:
            raise ValueError("the notice has no published version")
        states = {str(k): str(v) for k, v in data.get("states", {}).items()}
        return cls(
            str(data["title"]), str(data["default_operator"]), sections, publications, states
        )


def _item(data: Mapping[str, Any]) -> NoticeItem:
    audience = data.get("audience")
    if audience not in (None, GENERAL, PROVIDER):
        raise ValueError(f"unknown notice audience {audience!r}")
    scope = data.get("scope")
    return NoticeItem(str(data["text"]), None if scope is None else str(scope), audience)


# The notice page, and the short link to it that an SMS carries (a few characters of a segment).
NOTICE_PATH = "/notice"
SHORT_PATH = "/n"


def short_link(base_url: str, language: str) -> str:
    """The link an SMS in `language` carries to the notice: `{base_url}/n/{language}`."""
    return f"{base_url.rstrip('/')}{SHORT_PATH}/{language}"
