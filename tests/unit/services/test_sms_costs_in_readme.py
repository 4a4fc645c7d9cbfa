"""The README's table of what an SMS costs in each language is what the texts measure."""

from __future__ import annotations

import tomllib
from pathlib import Path

from kyvs.domain.dlt import name_room
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.sms_encoding import SmsEncoding, sms_size
from kyvs.domain.sms_templates import SmsTemplateRegistry
from kyvs.i18n import LANGUAGE_NAMES, SUPPORTED_LANGUAGES
from kyvs.rules import load_access_catalogue, load_example_sms_templates
from kyvs.services.sms_texts import SmsTexts, draft_registry

README = Path(__file__).resolve().parents[3] / "README.md"
BEGIN, END = "<!-- sms-costs:begin -->", "<!-- sms-costs:end -->"
EXAMPLE_PRICE_INR = 0.20
LONGEST_NAME = "Mahalaxmi Tours and Travels Private Limited"
ENCODINGS = {SmsEncoding.GSM7: "GSM-7", SmsEncoding.UCS2: "UCS-2"}
MOBILE = MobileNumber("9876543210")
# A public base URL as long as a notice link may have (30 characters with `/n/hi`).
PUBLIC_BASE_URL = "https://kyvs.mohfw.gov.in"


def measured_table() -> str:
    registry = load_example_sms_templates()
    texts = SmsTexts(registry, base_url=PUBLIC_BASE_URL)
    unlinked = SmsTexts(unlinked_registry())
    purposes = sorted(load_access_catalogue().purposes)
    lines = [
        "| Language | Encoding | Login OTP | Verification OTP (longest name) | Without the notice "
        "link | Room for the name | A check and a login at "
        f"₹{EXAMPLE_PRICE_INR:.2f} a segment |",
        "|---|---|---|---|---|---|---|",
    ]
    for language in SUPPORTED_LANGUAGES:
        login = sms_size(texts.citizen_login_otp(to=MOBILE, otp="042719", language=language).text)
        check = check_segments(texts, language, purposes)
        room = min(name_room(registry.template("verification-otp", language, p)) for p in purposes)
        cost = (login.segments + check) * EXAMPLE_PRICE_INR
        lines.append(
            f"| {LANGUAGE_NAMES[language]} ({language}) | {ENCODINGS[login.encoding]} "
            f"| {login.segments} | {check} | {check_segments(unlinked, language, purposes)} "
            f"| {room} characters | ₹{cost:.2f} |"
        )
    return "\n".join(lines)


def check_segments(texts: SmsTexts, language: str, purposes: list[str]) -> int:
    """The segments of the longest verification SMS of `language`, with the longest name."""
    return max(
        sms_size(
            texts.verification_otp(
                to=MOBILE,
                otp="042719",
                provider_name=LONGEST_NAME,
                purpose=purpose,
                language=language,
            ).text
        ).segments
        for purpose in purposes
    )


def unlinked_registry() -> SmsTemplateRegistry:
    """The example drafted without the notice link (`--no-notice-link`)."""
    drafted = draft_registry(
        languages=SUPPORTED_LANGUAGES,
        purposes={code: p.label for code, p in load_access_catalogue().purposes.items()},
        minutes=3,
        entity_id="1101000000000000000",
        header="KYVSOT",
        notice_link=False,
    )
    return SmsTemplateRegistry.from_mapping(tomllib.loads(drafted))


def test_the_readme_states_the_measured_segments_and_costs():
    text = README.read_text(encoding="utf-8")
    shown = text[text.index(BEGIN) + len(BEGIN) : text.index(END)].strip()
    assert shown == measured_table(), "paste the table below into README.md:\n" + measured_table()
