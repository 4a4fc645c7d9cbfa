"""The SMS kyvs sends, in the person's language, each one a registered DLT template filled in.

The texts are written (and translated) here as catalog messages; `draft_body` turns one into the
body a deployment registers on DLT, with the provider, the OTP and the link to the privacy
notice as tagged variables and the purpose and the validity as fixed text. At run time
`SmsTexts` only fills registered templates: an SMS whose text does not match its template is
never composed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from kyvs.domain.dlt import (
    MAX_VALUE_CHARS,
    ContentType,
    DltTemplate,
    VariableTag,
    alphanumeric_value,
    name_room,
)
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.notice import short_link
from kyvs.domain.sms_encoding import SmsEncoding, sms_size
from kyvs.domain.sms_templates import (
    CITIZEN_LOGIN_OTP,
    VERIFICATION_OTP,
    SmsTemplateRegistry,
    TemplateKey,
)
from kyvs.i18n import translator
from kyvs.ports import SmsMessage
from kyvs.rules import load_example_sms_templates

__all__ = [
    "CITIZEN_LOGIN_OTP",
    "CITIZEN_LOGIN_TEXT",
    "VERIFICATION_LINKED_TEXT",
    "VERIFICATION_OTP",
    "VERIFICATION_TEXT",
    "SmsTexts",
    "TemplateMismatch",
    "draft_body",
    "draft_registry",
    "example_sms_texts",
    "notice_link_problems",
]

# The verification SMS leaves the validity to the provider's screen: with the purpose and the
# consent warning written out, an Indic text would not fit two UCS-2 segments with it.
VERIFICATION_TEXT = (
    "{provider} asks for your vaccination status for {purpose}. OTP {otp}. "
    "Share it only if you agree. -kyvs"
)
# The same with the link to the privacy notice (`{base}/n/<language>`): one segment more.
VERIFICATION_LINKED_TEXT = (
    "{provider} asks for your vaccination status for {purpose}. OTP {otp}. "
    "Share it only if you agree. Notice {url} -kyvs"
)
# Where a server listens unless told otherwise (KYVS_HOST, KYVS_PORT): the example's link.
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
# A plural message whose English forms are alike ("1 min", "3 min"); the translations differ by
# count in some languages (Marathi "1 मिनिट", "3 मिनिटे").
CITIZEN_LOGIN_TEXT = (
    "{otp} is your kyvs login OTP. Valid {minutes} min. Do not share it with anyone. -kyvs"
)


class TemplateMismatch(ValueError):
    """A filled-in text would not match its registered template: it must not be sent."""


def draft_body(
    kind: str,
    language: str,
    *,
    minutes: int,
    purpose_label: str = "",
    notice_link: bool = True,
) -> str:
    """The DLT template body for `kind` in `language`: the catalog text with the provider as
    `{#alphanumeric#}`, the OTP as `{#numeric#}`, the link to the privacy notice (of a
    verification, unless `notice_link` is false) as `{#url#}`, the purpose (of a verification)
    and the validity (of a login OTP) written out."""
    words = translator(language)
    if kind == VERIFICATION_OTP and notice_link:
        return words.format(
            VERIFICATION_LINKED_TEXT,
            provider=VariableTag.ALPHANUMERIC.placeholder,
            purpose=words.gettext(purpose_label),
            otp=VariableTag.NUMERIC.placeholder,
            url=VariableTag.URL.placeholder,
        )
    if kind == VERIFICATION_OTP:
        return words.format(
            VERIFICATION_TEXT,
            provider=VariableTag.ALPHANUMERIC.placeholder,
            purpose=words.gettext(purpose_label),
            otp=VariableTag.NUMERIC.placeholder,
        )
    return words.nformat(
        CITIZEN_LOGIN_TEXT,
        CITIZEN_LOGIN_TEXT,
        minutes,
        otp=VariableTag.NUMERIC.placeholder,
        minutes=minutes,
    )


@dataclass(frozen=True)
class SmsTexts:
    """Composes each SMS from the deployment's registered templates.

    `to_latin` writes a provider name typed in an Indic script in Latin letters, since a
    `{#alphanumeric#}` value takes only those. `base_url` is where people reach kyvs: a
    verification's link to the privacy notice starts with it.
    """

    registry: SmsTemplateRegistry
    to_latin: Callable[[str], str] | None = None
    base_url: str = DEFAULT_BASE_URL

    def verification_otp(
        self, *, to: MobileNumber, otp: str, provider_name: str, purpose: str, language: str
    ) -> SmsMessage:
        """The SMS asking a person to consent to a provider's check, for `purpose`."""
        key, template = self.registry.find(VERIFICATION_OTP, _language(language), purpose)
        name = self.provider_value(provider_name, room=name_room(template, len(otp)))
        values: tuple[str, ...] = (name, _checked_otp(otp))
        if VariableTag.URL in template.tags:
            values += (short_link(self.base_url, key.language),)
        return _message(to, key, template, values)

    def citizen_login_otp(self, *, to: MobileNumber, otp: str, language: str) -> SmsMessage:
        """The SMS carrying a citizen's login OTP."""
        key, template = self.registry.find(CITIZEN_LOGIN_OTP, _language(language))
        return _message(to, key, template, (_checked_otp(otp),))

    def provider_value(self, name: str, *, room: int = MAX_VALUE_CHARS) -> str:
        """The provider's name as a `{#alphanumeric#}` takes it, at most `room` characters
        (cut at a word) and never empty."""
        latin = None
        if self.to_latin is not None and not name.isascii():
            latin = self.to_latin(name).title()
        return alphanumeric_value(name, latin=latin, limit=room) or "Provider"


def notice_link_problems(registry: SmsTemplateRegistry, base_url: str) -> list[str]:
    """Why the notice links from `base_url` would not fit the `{#url#}` of the templates that
    carry one (longer than a variable takes, or not a URL); empty when they fit."""
    problems = []
    for key, template in sorted(registry.templates.items(), key=lambda item: str(item[0])):
        link = short_link(base_url, key.language)
        # The body, not its tags: a template with an unknown tag is a problem of its own.
        linked = VariableTag.URL.placeholder in template.body
        if linked and not VariableTag.URL.accepts(link):
            problems.append(
                f"{key} (template {template.template_id}): the notice link {link} does not fit "
                f"{VariableTag.URL.placeholder} (a URL of at most {MAX_VALUE_CHARS} characters, "
                "no query): give KYVS_PUBLIC_BASE_URL a shorter host"
            )
    return problems


def example_sms_texts() -> SmsTexts:
    """The texts of the packaged example templates (for services built without a registry)."""
    return SmsTexts(load_example_sms_templates())


def _message(
    to: MobileNumber, key: TemplateKey, template: DltTemplate, values: tuple[str, ...]
) -> SmsMessage:
    """The message filling `template` (each value checked against its tag): in the language
    of the template, which is English where the person's language has none."""
    try:
        text = template.fill(values)
    except ValueError as error:
        raise TemplateMismatch(f"{key.kind} template {template.template_id}: {error}") from None
    return SmsMessage(
        to=to, text=text, category=key.kind, language=key.language, dlt=template, values=values
    )


def _language(language: str) -> str:
    return translator(language).language


def _checked_otp(otp: str) -> str:
    if not (otp.isascii() and otp.isdigit()):
        raise ValueError("an OTP is ASCII digits")
    return otp


def draft_registry(
    *,
    languages: Iterable[str],
    purposes: Mapping[str, str],
    minutes: int,
    entity_id: str,
    header: str,
    brand: str = "kyvs",
    first_template_id: int = 1107000000000000001,
    notice_link: bool = True,
) -> str:
    """A template registry file (TOML) with a template per kind, purpose and language, drafted
    from the translated texts (a verification with the notice link unless `notice_link` is
    false); the template ids are numbered placeholders, to be replaced by the ids DLT gives
    each template once registered."""
    lines = [
        "# kyvs SMS templates for India's DLT platforms: register each body as it is written,",
        "# then put the template id DLT gives it in place of the numbered placeholder.",
        "# Checked at start-up and by `kyvs sms templates check`.",
        'version = "1"',
        f"brand = {json.dumps(brand)}",
        f"otp_minutes = {minutes}",
        f"entity_id = {json.dumps(entity_id)}",
        f"header = {json.dumps(header)}",
    ]
    number = first_template_id
    kinds = [(VERIFICATION_OTP, code, label) for code, label in sorted(purposes.items())]
    kinds.append((CITIZEN_LOGIN_OTP, "", ""))
    for language in languages:
        for kind, purpose, label in kinds:
            body = draft_body(
                kind, language, minutes=minutes, purpose_label=label, notice_link=notice_link
            )
            encoding = sms_size(body).encoding
            content = ContentType.UNICODE if encoding is SmsEncoding.UCS2 else ContentType.TEXT
            lines += ["", "[[templates]]", f'kind = "{kind}"']
            if purpose:
                lines.append(f'purpose = "{purpose}"')
            lines += [
                f'language = "{language}"',
                f'template_id = "{number}"',
                f'content_type = "{content}"',
                f"body = {json.dumps(body, ensure_ascii=False)}",
            ]
            number += 1
    return "\n".join(lines) + "\n"
