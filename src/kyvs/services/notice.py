"""The privacy notice in each language: the general one (the `/notice` page) and a provider's
(the OTP screens), rendered from the packaged content and the message catalogs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from kyvs.domain.access import AccessCatalogue
from kyvs.domain.notice import GENERAL, PROVIDER, Notice, NoticeContent
from kyvs.i18n import normalise_language, translator
from kyvs.rules import load_access_catalogue, load_notice_content


class NoticeBook:
    """The notice in force, in any language (English for an unknown one)."""

    def __init__(
        self,
        *,
        operator: str | None = None,
        content: NoticeContent | None = None,
        access: AccessCatalogue | None = None,
    ) -> None:
        self._operator = operator
        self._content = content or load_notice_content()
        self._access = access or load_access_catalogue()

    @property
    def version(self) -> str:
        """The version of the notice in force."""
        return self._content.version

    def stated_periods(self) -> Mapping[str, str]:
        """The retention periods the notice's text states, by kind of record (`"24 hours"`)."""
        return self._content.states

    def unpublished(self, languages: Iterable[str]) -> dict[str, str]:
        """The languages whose notice text (with the default operator) is not the one the
        version in force was published with, each with the digest its text has now."""
        published = self._content.publications[-1].digests
        now = {
            code: NoticeBook(content=self._content, access=self._access).current(code).digest
            for code in languages
        }
        return {code: digest for code, digest in now.items() if published.get(code) != digest}

    def current(self, language: str) -> Notice:
        """The general notice in `language`: every scope's items and every purpose."""
        code = normalise_language(language) or "en"
        words = translator(code)
        labels = tuple(words.gettext(p.label) for p in self._access.purposes.values())
        return self._content.render(
            code, words, operator=self._operator_name(code), purposes=labels, audience=GENERAL
        )

    def for_provider(
        self, language: str, *, scopes: Iterable[str], purpose_label: str | None
    ) -> Notice:
        """The notice a citizen reads before giving a provider the OTP: the items of its
        `scopes` and its purpose (`purpose_label` in English, as `rules/access.toml` has it)."""
        code = normalise_language(language) or "en"
        words = translator(code)
        purposes = (words.gettext(purpose_label),) if purpose_label else ()
        return self._content.render(
            code,
            words,
            operator=self._operator_name(code),
            scopes=frozenset(scopes),
            purposes=purposes,
            audience=PROVIDER,
        )

    def _operator_name(self, language: str) -> str:
        return self._operator or translator(language).gettext(self._content.default_operator)
