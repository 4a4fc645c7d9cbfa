"""An SMS sender for the Gupshup Enterprise SMS API, and its real-time delivery reports.

Follows "Send Messages to Single Number": `https://enterprise.smsgupshup.com/GatewayAPI/rest`
with `method=SendMessage`, `userid`, `password`, `auth_scheme=plain`, `v=1.1`, `send_to`
(digits only, with the country code), `msg`, `msg_type` (`TEXT`, or `Unicode_text` for UCS-2),
`mask` (the header), and the DLT `principalEntityId` and `dltTemplateId`. The docs allow GET or
POST; this sends a form-encoded POST, so that the password never sits in a URL. It asks for
`format=json` and reads `{"response": {"status": "success", "id": <id>, "phone", "details"}}`
(or `"status": "error"` with the error code as `id` and the reason in `details`), and also the
text answer `success | <phone> | <id>` / `error | <code> | <reason>`. The docs list codes without
saying which are the account's, the template's or the number's: this reads the reason's words.

Delivery reports: the "Realtime Delivery URL", called with `externalId`, `deliveredTS`,
`status` (`SUCCESS`, `FAILURE`, `UNKNOWN`), `cause`, `phoneNo`, `errCode` in the query (GET),
or POSTed as a JSON array of events (`externalId`, `eventType` `DELIVERED`/`FAILED`, `cause`,
`errCode`). `UNKNOWN` is not final and is left out. A failure is the number's when its cause is
one of the subscriber's (absent, unknown, barred, DND, blocked), else the route's.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

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

NAME = "gupshup"
DEFAULT_URL = "https://enterprise.smsgupshup.com/GatewayAPI/rest"
# Causes (and their error codes) that are the subscriber's, not the route's.
_NUMBER_CAUSES = frozenset(
    {"ABSENT_SUBSCRIBER", "CALL_BARRED", "UNKNOWN_SUBSCRIBER", "DND_FAIL", "BLOCKED"}
    | {"MEMORY_EXCEEDED", "HANDSET_ERROR", "INVALID_NUMBER", "SUBSCRIBER_BUSY"}
)
_NUMBER_CODES = frozenset({"001", "002", "003", "006", "007", "1", "2", "3", "6", "7"})


@dataclass(frozen=True, slots=True)
class GupshupConfig:
    """The Gupshup account (user id and password), the endpoint and the request bounds."""

    userid: str = field(repr=False)
    password: SecretStr
    url: str = DEFAULT_URL
    bounds: Bounds = field(default_factory=Bounds)


class GupshupSms:
    """An `SmsSender` for the Gupshup Enterprise SMS API."""

    def __init__(self, config: GupshupConfig, *, client: httpx.AsyncClient | None = None) -> None:
        self._config = config
        self._http = HttpSender(config.bounds, client)

    def __repr__(self) -> str:
        return "GupshupSms()"

    async def send(self, message: SmsMessage) -> SmsReceipt:
        """Send the message's text under its DLT template; the receipt carries Gupshup's id."""
        return await self._http.send(
            message, self._call(message), _interpret, gateway=NAME, log=log
        )

    def _call(self, message: SmsMessage) -> HttpCall:
        dlt = needs_template(message, NAME)
        fields = {
            "method": "SendMessage",
            "userid": self._config.userid,
            "password": self._config.password.get_secret_value(),
            "auth_scheme": "plain",
            "v": "1.1",
            "format": "json",
            "send_to": f"91{message.to.national}",
            "msg": message.text,
            "msg_type": "Unicode_text" if is_unicode(message) else "TEXT",
            "mask": dlt.header,
            "principalEntityId": dlt.entity_id,
            "dltTemplateId": dlt.template_id,
        }
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        return HttpCall("POST", self._config.url, urlencode(fields).encode("ascii"), headers)

    async def aclose(self) -> None:
        """Close the HTTP client if this sender made it."""
        await self._http.aclose()


def _interpret(response: httpx.Response) -> Outcome:
    by_status = status_outcome(response)
    if by_status is not None:
        return by_status
    answer = _answer(response.text)
    if answer is None:
        return unreadable(response)
    status, code, rest = answer
    if status == "success" and response.is_success and code:
        return Taken(code)
    if status != "error":
        return unreadable(response)
    return refusal(rest, f"error {safe_code(code)}")


def _answer(text: str) -> tuple[str, str, str] | None:
    """(status, id or error code, the rest) from a JSON or a text answer."""
    try:
        document: Any = json.loads(text)
    except json.JSONDecodeError:
        parts = [part.strip() for part in text.strip().split("|")]
        if len(parts) < 3:
            return None
        status = parts[0].lower()
        # success | phone | id; error | code | reason
        return (status, parts[2], "") if status == "success" else (status, parts[1], parts[2])
    response = document.get("response") if isinstance(document, Mapping) else None
    if isinstance(response, list) and response:
        response = response[0]
    if not isinstance(response, Mapping):
        return None
    return (
        str(response.get("status", "")).lower(),
        str(response.get("id", "")).strip(),
        str(response.get("details", "")),
    )


def parse_delivery_reports(
    body: bytes, content_type: str, query: Mapping[str, str]
) -> list[DeliveryReport]:
    """The final reports in one Gupshup callback: the query of a GET, or a POSTed JSON array."""
    if "externalId" in query:
        events: list[Any] = [dict(query)]
    elif _reports.is_json(content_type) or body.strip().startswith(b"["):
        document = _reports.json_body(body)
        events = document if isinstance(document, list) else [document]
    else:
        raise ValueError("the report has no externalId")
    return [r for event in events if (r := _report(event)) is not None]


def _report(event: Any) -> DeliveryReport | None:
    message_id = _reports.field(event, "externalId")
    status = _reports.field(event, "status", "eventType").upper()
    cause = _reports.field(event, "cause", required=False).upper()
    code = _reports.field(event, "errCode", required=False)
    if status in {"SUCCESS", "DELIVERED"}:
        return DeliveryReport(NAME, message_id, delivered=True, detail=safe_code(status))
    if status not in {"FAILURE", "FAILED"}:
        return None  # UNKNOWN: no final word yet
    numbers = cause in _NUMBER_CAUSES or (not cause and code in _NUMBER_CODES)
    return DeliveryReport(
        NAME,
        message_id,
        delivered=False,
        carrier_failing=not numbers,
        detail=safe_code(cause or code or status),
    )
