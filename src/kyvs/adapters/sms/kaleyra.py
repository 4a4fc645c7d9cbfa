"""An SMS sender for the Kaleyra (kaleyra.io) SMS API, and its delivery callbacks.

Follows "Send the First SMS": `POST https://api.kaleyra.io/v1/<SID>/messages` (or a regional
pod such as `https://api.in.kaleyra.io`) with the `api-key` header and a form-encoded body:
`to` (E.164), `sender` (the DLT header), `type` (`OTP` for one-time passwords, else `TXN`),
`body` (the text), `template_id` (the DLT template id, which Indian routes need), `entity_id`
(the DLT entity id), `unicode` (1 for a UCS-2 text) and `ref` (the message's client
reference). The answer carries the request `id` and a `data` list with each recipient's
`message_id`, the id the status API and callbacks name, which the receipt carries. An error
answer is a 4xx with `code` and `message` (and an `error` object); the docs give no table
sorting the codes, so the words of the answer sort it (account, template, number).

Delivery reports: the callback (a callback profile or the `callback` parameter, GET or POST,
form, JSON or query) with the message's `id` (or `message_id`), its `status` (`Delivered`,
`Sent`, `Failed`, `Undelivered`, `NOT-SENT`) and the status trace (`status_details`, `trace`
or `error_code`, e.g. `INV-NUMBER`, `TEMPLATE-NOT-FOUND`). Sent and queued are not final and
are left out; a failure is the number's when the trace names the subscriber or the number.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from pydantic import SecretStr

from kyvs.adapters.sms import _reports
from kyvs.adapters.sms._delivery import (
    Bounds,
    HttpCall,
    HttpSender,
    Outcome,
    Taken,
    is_unicode,
    needs_template,
    refusal,
    safe_code,
    status_outcome,
    unreadable,
)
from kyvs.ports import DeliveryReport, SmsMessage, SmsReceipt

log = logging.getLogger(__name__)

NAME = "kaleyra"
DEFAULT_URL = "https://api.kaleyra.io"
_NUMBER_TRACES = frozenset(
    {"INV-NUMBER", "KLR-INV-NUMBER", "INV-MOB-PATTRN", "INVALID-SUB", "ABSENT-SUB"}
    | {"HANDSET-ERR", "BARRED", "MEM-EXEC", "DND-NUMB", "CON-DND", "BLACKLIST", "OPT-OUT"}
    | {"SERIES-BLOCK", "NOT-OPTIN", "FAILED"}
)
_DELIVERED = frozenset({"DELIVERED", "DELIVRD"})
_FAILED = frozenset({"FAILED", "UNDELIVERED", "NOT-SENT", "NOTSENT", "REJECTED"})


@dataclass(frozen=True, slots=True)
class KaleyraConfig:
    """The Kaleyra account (SID and API key), the API's base URL and the request bounds."""

    sid: str = field(repr=False)
    api_key: SecretStr
    url: str = DEFAULT_URL
    bounds: Bounds = field(default_factory=Bounds)


class KaleyraSms:
    """An `SmsSender` for the Kaleyra SMS API."""

    def __init__(self, config: KaleyraConfig, *, client: httpx.AsyncClient | None = None) -> None:
        self._config = config
        self._http = HttpSender(config.bounds, client)
        self._url = f"{config.url.rstrip('/')}/v1/{quote(config.sid, safe='')}/messages"

    def __repr__(self) -> str:
        return "KaleyraSms()"

    async def send(self, message: SmsMessage) -> SmsReceipt:
        """Send the text under its DLT template; the receipt carries the recipient's message
        id."""
        return await self._http.send(
            message, self._call(message), _interpret, gateway=NAME, log=log
        )

    def _call(self, message: SmsMessage) -> HttpCall:
        dlt = needs_template(message, NAME)
        fields = {
            "to": message.to.e164,
            "sender": dlt.header,
            "type": "OTP" if message.category.endswith("otp") else "TXN",
            "body": message.text,
            "template_id": dlt.template_id,
            "entity_id": dlt.entity_id,
            "unicode": "1" if is_unicode(message) else "0",
        }
        if message.reference:
            fields["ref"] = message.reference
        headers = {
            "api-key": self._config.api_key.get_secret_value(),
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "Accept": "application/json",
        }
        return HttpCall("POST", self._url, urlencode(fields).encode("ascii"), headers)

    async def aclose(self) -> None:
        """Close the HTTP client if this sender made it."""
        await self._http.aclose()


def _interpret(response: httpx.Response) -> Outcome:
    by_status = status_outcome(response)
    if by_status is not None:
        return by_status
    try:
        answer: Any = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return unreadable(response)
    if not isinstance(answer, Mapping):
        return unreadable(response)
    if response.is_success and not answer.get("code"):
        return Taken(_message_id(answer))
    code = safe_code(answer.get("code", f"HTTP {response.status_code}"))
    words = f"{answer.get('message', '')} {json.dumps(answer.get('error', ''))}"
    return refusal(words, code)


def _message_id(answer: Mapping[str, Any]) -> str | None:
    data = answer.get("data")
    if isinstance(data, list) and data and isinstance(data[0], Mapping):
        message_id = data[0].get("message_id")
        if isinstance(message_id, str) and message_id:
            return message_id
    request_id = answer.get("id")
    return request_id if isinstance(request_id, str) and request_id else None


def parse_delivery_reports(
    body: bytes, content_type: str, query: Mapping[str, str]
) -> list[DeliveryReport]:
    """The final reports in one Kaleyra callback: its query, a form, or JSON (one or a list)."""
    if "id" in query or "message_id" in query:
        events: list[Any] = [dict(query)]
    elif _reports.is_json(content_type):
        document = _reports.json_body(body)
        inner = document.get("data") if isinstance(document, Mapping) else None
        document = inner if isinstance(inner, list) else document
        events = document if isinstance(document, list) else [document]
    elif body.strip():
        events = [_reports.form_body(body)]
    else:
        raise ValueError("the report has no id")
    return [r for event in events if (r := _report(event)) is not None]


def _report(event: Any) -> DeliveryReport | None:
    message_id = _reports.field(event, "message_id", "id")
    status = _reports.field(event, "status").upper().replace(" ", "-")
    trace = _reports.field(event, "status_details", "trace", "error_code", required=False).upper()
    if status in _DELIVERED:
        return DeliveryReport(NAME, message_id, delivered=True, detail=safe_code(status))
    if status not in _FAILED:
        return None  # sent, queued: no final word yet
    return DeliveryReport(
        NAME,
        message_id,
        delivered=False,
        carrier_failing=trace not in _NUMBER_TRACES,
        detail=safe_code(trace or status),
    )
