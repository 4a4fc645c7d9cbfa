"""A deployment's registry of DLT templates: which registered template carries which SMS.

One template per message kind, language and (for a verification) purpose: the purpose is fixed
text in the template, so an SMS names it without a third variable. A language without its own
template falls back to English. The registry states the OTP validity its login texts promise,
which must be the validity the server gives an OTP.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kyvs.domain.dlt import ContentType, DltTemplate, VariableTag, template_problems

VERIFICATION_OTP = "verification-otp"
CITIZEN_LOGIN_OTP = "citizen-login-otp"
# The variables each kind may fill, in order: a verification with or without the link to the
# privacy notice (a DLT platform that takes only two variables registers it without).
KIND_TAGS: Mapping[str, tuple[tuple[VariableTag, ...], ...]] = {
    VERIFICATION_OTP: (
        (VariableTag.ALPHANUMERIC, VariableTag.NUMERIC, VariableTag.URL),
        (VariableTag.ALPHANUMERIC, VariableTag.NUMERIC),
    ),
    CITIZEN_LOGIN_OTP: ((VariableTag.NUMERIC,),),
}
# The kinds whose text tells how long the OTP is valid (a verification's screen shows it).
STATES_VALIDITY = frozenset({CITIZEN_LOGIN_OTP})
FALLBACK_LANGUAGE = "en"


@dataclass(frozen=True, slots=True)
class TemplateKey:
    """What a template is for: a message kind, a language and, for a verification, a purpose."""

    kind: str
    language: str
    purpose: str | None = None

    def __str__(self) -> str:
        purpose = f"/{self.purpose}" if self.purpose else ""
        return f"{self.kind}{purpose} [{self.language}]"


class TemplateMissing(LookupError):
    """No registered template (not even the English one) for a message."""


@dataclass(frozen=True)
class SmsTemplateRegistry:
    """The registered templates of one deployment (its `version` names the file's edition)."""

    version: str
    brand: str
    otp_minutes: int
    templates: Mapping[TemplateKey, DltTemplate]

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SmsTemplateRegistry:
        """Build the registry from its TOML file's contents (KeyError/ValueError when malformed)."""
        entity_id = str(data["entity_id"])
        header = str(data["header"])
        templates: dict[TemplateKey, DltTemplate] = {}
        for entry in data["templates"]:
            key = TemplateKey(
                str(entry["kind"]), str(entry["language"]), entry.get("purpose") or None
            )
            if key in templates:
                raise ValueError(f"two templates for {key}")
            templates[key] = DltTemplate(
                template_id=str(entry["template_id"]),
                entity_id=str(entry.get("entity_id", entity_id)),
                header=str(entry.get("header", header)),
                content_type=ContentType(entry["content_type"]),
                body=str(entry["body"]),
                gateway_ids={str(k): str(v) for k, v in entry.get("gateway_ids", {}).items()},
            )
        return cls(
            version=str(data["version"]),
            brand=str(data["brand"]),
            otp_minutes=int(data["otp_minutes"]),
            templates=templates,
        )

    def template(self, kind: str, language: str, purpose: str | None = None) -> DltTemplate:
        """The template for a message, the English one when the language has none."""
        return self.find(kind, language, purpose)[1]

    def find(
        self, kind: str, language: str, purpose: str | None = None
    ) -> tuple[TemplateKey, DltTemplate]:
        """The template for a message and the key it is registered under (whose language is
        English when `language` has no template)."""
        for key in (
            TemplateKey(kind, language, purpose),
            TemplateKey(kind, FALLBACK_LANGUAGE, purpose),
        ):
            found = self.templates.get(key)
            if found is not None:
                return key, found
        raise TemplateMissing(f"no SMS template for {TemplateKey(kind, language, purpose)}")

    def problems(self, *, purposes: Iterable[str], otp_minutes: int) -> list[str]:
        """Everything that would keep an SMS from going out, one line each; empty when none:
        a template breaking the DLT rules, a kind's variables wrong, a purpose without an English
        template, or texts promising another validity than the server's."""
        problems: list[str] = []
        if self.otp_minutes != otp_minutes:
            problems.append(
                f"the templates say an OTP is valid {self.otp_minutes} min, "
                f"the server gives it {otp_minutes} min"
            )
        for key, template in sorted(self.templates.items(), key=lambda item: str(item[0])):
            found = template_problems(template, brand=self.brand)
            expected = KIND_TAGS.get(key.kind)
            if expected is None:
                found.append(f"unknown kind {key.kind!r}")
            elif not found and template.tags not in expected:
                wanted = " or ".join(
                    ", ".join(tag.placeholder for tag in tags) for tags in expected
                )
                found.append(f"its variables must be, in order: {wanted}")
            if key.kind in STATES_VALIDITY and str(self.otp_minutes) not in template.body:
                found.append(f"the text does not state the validity ({self.otp_minutes} min)")
            problems.extend(f"{key} (template {template.template_id}): {p}" for p in found)
        needed = [TemplateKey(VERIFICATION_OTP, FALLBACK_LANGUAGE, p) for p in sorted(purposes)]
        needed.append(TemplateKey(CITIZEN_LOGIN_OTP, FALLBACK_LANGUAGE))
        problems.extend(f"{key}: no template" for key in needed if key not in self.templates)
        return problems

    def missing_languages(self, *, purposes: Iterable[str], languages: Iterable[str]) -> list[str]:
        """Messages that will go out in English for want of a template in their language."""
        kinds = [(VERIFICATION_OTP, p) for p in sorted(purposes)] + [(CITIZEN_LOGIN_OTP, None)]
        return [
            str(TemplateKey(kind, language, purpose))
            for language in sorted(languages)
            for kind, purpose in kinds
            if TemplateKey(kind, language, purpose) not in self.templates
        ]
