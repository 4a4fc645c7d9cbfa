"""An SMS sender for MSG91's Flow API (OneAPI "Send SMS via Flow"), and its delivery reports.

Follows `POST https://control.msg91.com/api/v5/flow` with the `authkey` header and a JSON body
`{"template_id", "short_url", "recipients": [{"mobiles": "91XXXXXXXXXX", "var1": ..}]}`: the
template id is MSG91's own id for the template (`DltTemplate.gateway_ids["msg91"]`); MSG91 holds
the DLT template id, entity id and header mapped to it in its panel, so the request sends only
the header (`sender`) besides. The variables are named as the MSG91 template names them; kyvs's
MSG91 templates use `##var1##`, `##var2##` for the DLT variables in order (the docs leave the
names to the template). The answer is `{"type": "success", "message": <request id>}` or
`{"type": "error", "message": <why>}`; the request id is what delivery reports name.

Delivery reports: MSG91's SMS webhook, version 3 (JSON, one report per object: `requestId`,
`status`, `desc`) or version 2 (form field `data`, or the same as a JSON array: objects with a
`requestId` and a `report` list of `status`, `desc`). Status 1 is delivered; 2 (failed), 9
(NDNC) and 17 (blocked number) are the number's; 16 and 25 (rejected: DLT scrubbing) the
route's. Other statuses are not final and are left out.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import SecretStr

from kyvs.adapters.sms import _reports
from kyvs.adapters.sms._delivery import (
    Bounds,
    HttpCall,
    HttpSender,
    Outcome,
    Taken,
    needs_template,
    refusal,
    status_outcome,
    unreadable,
)
from kyvs.ports import DeliveryReport, SmsMessage, SmsNotDelivered, SmsReceipt

log = logging.getLogger(__name__)

NAME = "msg91"
DEFAULT_URL = "https://control.msg91.com/api/v5/flow"
_DELIVERED = frozenset({"1"})
_NUMBER_FAILED = frozenset({"2", "9", "17"})
_ROUTE_FAILED = frozenset({"16", "25"})


@dataclass(frozen=True, slots=True)
class Msg91Config:
    """MSG91's auth key, the flow endpoint and the request bounds."""

    authkey: SecretStr
    url: str = DEFAULT_URL
    bounds: Bounds = field(default_factory=Bounds)


class Msg91Sms:
    """An `SmsSender` for MSG91's Flow API."""

    def __init__(self, config: Msg91Config, *, client: httpx.AsyncClient | None = None) -> None:
        self._config = config
        self._http = HttpSender(config.bounds, client)

    def __repr__(self) -> str:
        return "Msg91Sms()"

    async def send(self, message: SmsMessage) -> SmsReceipt:
        """Send the message under its MSG91 template; the receipt carries the request id."""
        return await self._http.send(
            message, self._call(message), _interpret, gateway=NAME, log=log
        )

    def _call(self, message: SmsMessage) -> HttpCall:
        dlt = needs_template(message, NAME)
        template_id = dlt.gateway_ids.get(NAME)
        if not template_id:
            raise SmsNotDelivered(f"the DLT template has no {NAME} template id")
        recipient = {"mobiles": f"91{message.to.national}"}
        recipient.update({f"var{n}": value for n, value in enumerate(message.values, start=1)})
        body = {
            "template_id": template_id,
            "sender": dlt.header,
            "short_url": "0",
            "recipients": [recipient],
        }
        headers = {
            "authkey": self._config.authkey.get_secret_value(),
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        return HttpCall("POST", self._config.url, content, headers)

    async def aclose(self) -> None:
        """Close the HTTP client if this sender made it."""
        await self._http.aclose()


def _interpret(response: httpx.Response) -> Outcome:
    answer = _answer(response)
    if answer is not None and answer.get("type") == "success" and response.is_success:
        request_id = answer.get("message")
        return Taken(str(request_id)) if isinstance(request_id, str | int) else Taken()
    by_status = status_outcome(response)
    if by_status is not None:
        return by_status
    if answer is None or answer.get("type") != "error":
        return unreadable(response)
    words = f"{answer.get('message', '')} {answer.get('code', '')}"
    return refusal(words, f"HTTP {response.status_code}")


def _answer(response: httpx.Response) -> Mapping[str, Any] | None:
    try:
        answer = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return answer if isinstance(answer, Mapping) else None


def parse_delivery_reports(
    body: bytes, content_type: str, query: Mapping[str, str]
) -> list[DeliveryReport]:
    """The final reports in one MSG91 webhook call (v2 form or JSON, or v3 JSON)."""
    del query  # MSG91 posts everything in the body
    if _reports.is_json(content_type):
        document = _reports.json_body(body)
    else:
        data = _reports.form_body(body).get("data")
        if data is None:
            raise ValueError("the report has no data field")
        document = _reports.json_body(data.encode("utf-8"))
    requests = document if isinstance(document, list) else [document]
    reports: list[DeliveryReport] = []
    for request in requests:
        request_id = _reports.field(request, "requestId")
        entries = request.get("report", [request])
        if not isinstance(entries, list):
            raise ValueError("a report entry's report is not a list")
        reports.extend(r for e in entries if (r := _report(request_id, e)) is not None)
    return reports


def _report(request_id: str, entry: Any) -> DeliveryReport | None:
    status = _reports.field(entry, "status")
    if status in _DELIVERED:
        return DeliveryReport(NAME, request_id, delivered=True, detail=status)
    if status in _NUMBER_FAILED | _ROUTE_FAILED:
        return DeliveryReport(
            NAME,
            request_id,
            delivered=False,
            carrier_failing=status in _ROUTE_FAILED,
            detail=status,
        )
    return None
