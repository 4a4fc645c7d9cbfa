"""OTPs by the WhatsApp Business Cloud API's authentication templates (copy-code button), and
WhatsApp's delivery reports.

Follows Meta's "Send authentication templates": `POST {base}/{version}/{phone_number_id}/messages`
with `Authorization: Bearer <token>` and `{"messaging_product": "whatsapp", "recipient_type":
"individual", "to", "type": "template", "template": {"name", "language": {"code"}, "components":
[body parameter = the OTP, button sub_type "url" index "0" parameter = the OTP]}}` (the OTP
appears twice, at most 15 characters). The answer is `{"messages": [{"id": "wamid..."}]}`; an
error is `{"error": {"code": <int>, ...}}`, sorted here by its code as the Cloud API's error
codes document them. One attempt (the shared SMS delivery loop, `_delivery`): a citizen's
fallback is the SMS, not a second try here.

Delivery reports: the `messages` webhook's `entry[].changes[].value.statuses[]` (`id`, `status`
sent/delivered/read/failed, `errors[].code`). Logs name the mobile by its last four digits only
and never carry the token, the OTP or an answer body.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from kyvs.adapters.sms._delivery import (
    Bounds,
    HttpCall,
    HttpSender,
    Outcome,
    Refused,
    Taken,
    Unsure,
    deliver,
)
from kyvs.domain.dlt import VariableTag
from kyvs.ports import DeliveryReport, SmsMessage, SmsNotDelivered, SmsReceipt

log = logging.getLogger(__name__)

NAME = "whatsapp"
# kyvs's languages as WhatsApp's template language codes. Meta's list has no Odia or Assamese:
# their citizens get the English template.
LANGUAGES: Mapping[str, str] = {
    code: code for code in ("en", "hi", "gu", "mr", "bn", "ta", "te", "kn", "ml", "pa")
}
FALLBACK_LANGUAGE = "en"
MAX_OTP_CHARS = 15
# Error codes that are the recipient's, not the account's: 131026 undeliverable (not on
# WhatsApp, old app, terms not accepted), 131021 the sender itself, 131030 not on a test
# account's allowed list, 131049 held back by Meta for this user. Every other code (auth 0, 190,
# 10, 200-299; rate limits 4, 80007, 130429, 131048, 131056; templates 132xxx; 131000 and 1, 2
# service errors) would fail the next message too.
NUMBER_CODES = frozenset({131021, 131026, 131030, 131049})
_RATE_CODES = frozenset({4, 80007, 130429, 131048, 131056})
_AUTH_CODES = frozenset({0, 3, 10, 190, *range(200, 300)})
_MAX_REPORT = 1024 * 1024


@dataclass(frozen=True, slots=True)
class WhatsAppConfig:
    """The business phone number's id, the token, the default template and the bounds."""

    phone_number_id: str
    token: SecretStr
    template: str = "kyvs_otp"
    base_url: str = "https://graph.facebook.com"
    api_version: str = "v21.0"
    # One attempt: a citizen's fallback is the SMS, not a second try here.
    bounds: Bounds = field(default_factory=lambda: Bounds(attempts=1))

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("the WhatsApp base URL is not an http(s) URL")
        if not self.phone_number_id.isdigit():
            raise ValueError("the WhatsApp phone number id is digits")

    @property
    def url(self) -> str:
        """Where messages are posted."""
        base = self.base_url.rstrip("/")
        return f"{base}/{self.api_version}/{self.phone_number_id}/messages"

    def __repr__(self) -> str:
        return f"WhatsAppConfig(phone_number_id={self.phone_number_id!r})"


def otp_of(message: SmsMessage) -> str:
    """The OTP the message carries: its template's `{#numeric#}` value; SmsNotDelivered (the
    message's, not WhatsApp's) when it carries none."""
    tags = message.dlt.tags if message.dlt is not None else ()
    values = message.values
    for tag, value in zip(tags, values, strict=False):
        if tag is VariableTag.NUMERIC and value.isdigit() and len(value) <= MAX_OTP_CHARS:
            return value
    raise SmsNotDelivered("the message carries no OTP for WhatsApp", carrier_failing=False)


def request_body(message: SmsMessage, *, default_template: str) -> dict[str, Any]:
    """The documented send request for the message's OTP, template and language."""
    otp = otp_of(message)
    ids = message.dlt.gateway_ids if message.dlt is not None else {}
    language = LANGUAGES.get(message.language, FALLBACK_LANGUAGE)
    parameter = [{"type": "text", "text": otp}]
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": message.to.e164.removeprefix("+"),
        "type": "template",
        "template": {
            "name": ids.get(NAME) or default_template,
            "language": {"code": language},
            "components": [
                {"type": "body", "parameters": parameter},
                {"type": "button", "sub_type": "url", "index": "0", "parameters": parameter},
            ],
        },
    }


class WhatsAppSms:
    """An `SmsSender` for OTPs by WhatsApp (the receipt names the `wamid`)."""

    def __init__(self, config: WhatsAppConfig, *, client: httpx.AsyncClient | None = None) -> None:
        self._config = config
        self._http = HttpSender(config.bounds, client)

    def __repr__(self) -> str:
        return "WhatsAppSms()"

    async def send(self, message: SmsMessage) -> SmsReceipt:
        """Send the OTP under the authentication template, or raise `SmsNotDelivered`."""
        config = self._config
        body = json.dumps(request_body(message, default_template=config.template))
        headers = {
            "Authorization": f"Bearer {config.token.get_secret_value()}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        call = HttpCall("POST", config.url, body.encode("utf-8"), headers)
        message_id = await deliver(
            message,
            lambda: self._http.attempt(call, _interpret),
            gateway=NAME,
            bounds=config.bounds,
            log=log,
        )
        return SmsReceipt(NAME, message_id)

    async def aclose(self) -> None:
        """Close the HTTP client if this sender made it."""
        await self._http.aclose()


def _interpret(response: httpx.Response) -> Outcome:
    """A success answer's `wamid`, or what the error answer says."""
    status = response.status_code
    if status in {502, 504}:
        # A proxy's answer: WhatsApp behind it may have taken the message.
        return Unsure(f"HTTP {status}")
    answer = _json(response)
    if response.is_success:
        messages = answer.get("messages") if isinstance(answer, dict) else None
        first = messages[0] if isinstance(messages, list) and messages else None
        message_id = first.get("id") if isinstance(first, dict) else None
        if isinstance(message_id, str) and message_id.strip():
            return Taken(message_id.strip())
        return Refused("an unreadable answer", maybe_taken=True)
    return refusal(status, _error_code(answer))


def refusal(status: int, code: int | None) -> Refused:
    """An error answer: the number's (`carrier_failing` False) for the recipient codes,
    WhatsApp's or the account's for everything else (never retried: the SMS is the retry)."""
    if code in NUMBER_CODES:
        return Refused(f"the number was refused (error {code})", carrier_failing=False)
    if code in _RATE_CODES:
        return Refused(f"rate limit (error {code})")
    if code in _AUTH_CODES:
        return Refused(f"credentials or account refused (error {code})")
    shown = f"error {code}" if code is not None else f"HTTP {status}"
    return Refused(f"an error answer ({shown})")


def _json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None


def _error_code(answer: Any) -> int | None:
    error = answer.get("error") if isinstance(answer, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def parse_delivery_reports(
    body: bytes, content_type: str, query: Mapping[str, str]
) -> list[DeliveryReport]:
    """The final statuses in a `messages` webhook: delivered or read (delivered), failed (by
    its first error code); sent and other statuses are left out. ValueError when malformed."""
    del content_type, query  # WhatsApp posts JSON and names nothing in the URL
    if len(body) > _MAX_REPORT:
        raise ValueError("the report is too large")
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ValueError("the report is not JSON") from None
    reports: list[DeliveryReport] = []
    for change in _changes(document):
        value = _object(change.get("value", {}), "a change's value")
        for status in _list(value.get("statuses", []), "statuses"):
            report = _report(_object(status, "a status"))
            if report is not None:
                reports.append(report)
    return reports


def _changes(document: Any) -> list[dict[str, Any]]:
    entries = _list(_object(document, "the report").get("entry"), "entry")
    changes = []
    for entry in entries:
        for change in _list(_object(entry, "an entry").get("changes", []), "changes"):
            changes.append(_object(change, "a change"))
    return changes


def _report(status: dict[str, Any]) -> DeliveryReport | None:
    message_id, word = status.get("id"), status.get("status")
    if not isinstance(message_id, str) or not message_id.strip() or not isinstance(word, str):
        raise ValueError("a status has no id or no status")
    if word in {"delivered", "read"}:
        return DeliveryReport(NAME, message_id.strip(), delivered=True, detail=word)
    if word != "failed":
        return None
    errors = status.get("errors")
    first = errors[0] if isinstance(errors, list) and errors else None
    code = _error_code({"error": first})
    return DeliveryReport(
        NAME,
        message_id.strip(),
        delivered=False,
        carrier_failing=code not in NUMBER_CODES,
        detail=str(code) if code is not None else "failed",
    )


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{what} is not an object")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{what} is not a list")
    return value
