"""The README's table of what an SMS costs in each language is what the texts measure."""

from __future__ import annotations

from pathlib import Path

from kyvs.domain.dlt import name_room
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.sms_encoding import SmsEncoding, sms_size
from kyvs.i18n import LANGUAGE_NAMES, SUPPORTED_LANGUAGES
from kyvs.rules import load_access_catalogue, load_example_sms_templates
from kyvs.services.sms_texts import SmsTexts

README = Path(__file__).resolve().parents[3] / "README.md"
BEGIN, END = "<!-- sms-costs:begin -->", "<!-- sms-costs:end -->"
EXAMPLE_PRICE_INR = 0.20
LONGEST_NAME = "Mahalaxmi Tours and Travels Private Limited"
ENCODINGS = {SmsEncoding.GSM7: "GSM-7", SmsEncoding.UCS2: "UCS-2"}


def measured_table() -> str:
    registry = load_example_sms_templates()
    texts = SmsTexts(registry)
    mobile = MobileNumber("9876543210")
    purposes = sorted(load_access_catalogue().purposes)
    lines = [
        "| Language | Encoding | Login OTP | Verification OTP (longest name) | Room for the name "
        f"| A check and a login at ₹{EXAMPLE_PRICE_INR:.2f} a segment |",
        "|---|---|---|---|---|---|",
    ]
    for language in SUPPORTED_LANGUAGES:
        login = sms_size(texts.citizen_login_otp(to=mobile, otp="042719", language=language).text)
        checks = [
            sms_size(
                texts.verification_otp(
                    to=mobile,
                    otp="042719",
                    provider_name=LONGEST_NAME,
                    purpose=purpose,
                    language=language,
                ).text
            )
            for purpose in purposes
        ]
        check = max(size.segments for size in checks)
        room = min(name_room(registry.template("verification-otp", language, p)) for p in purposes)
        cost = (login.segments + check) * EXAMPLE_PRICE_INR
        lines.append(
            f"| {LANGUAGE_NAMES[language]} ({language}) | {ENCODINGS[login.encoding]} "
            f"| {login.segments} | {check} | {room} characters | ₹{cost:.2f} |"
        )
    return "\n".join(lines)


def test_the_readme_states_the_measured_segments_and_costs():
    text = README.read_text(encoding="utf-8")
    shown = text[text.index(BEGIN) + len(BEGIN) : text.index(END)].strip()
    assert shown == measured_table(), "paste the table below into README.md:\n" + measured_table()
