"""An SMS sender that POSTs JSON to an HTTP SMS gateway, with bounded retries.

Logs name the mobile by its last four digits only and never carry the text (it holds the OTP),
the gateway URL (it may hold a key) or the gateway's answer body.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from types import TracebackType
from urllib.parse import urlsplit

import httpx

from kyvs.adapters.sms._delivery import (
    Bounds,
    HttpCall,
    HttpSender,
    Outcome,
    Refused,
    Taken,
    TryAgain,
    deliver,
)
from kyvs.ports import SmsMessage, SmsReceipt

log = logging.getLogger(__name__)

NAME = "http"

DEFAULT_BODY_TEMPLATE = '{"to": "{to}", "text": "{text}", "sender": "{sender}"}'
_PLACEHOLDER = re.compile(r"\{(to|text|sender)\}")
# 4xx answers that say the gateway (its URL, credentials or capacity) is wrong, not the message:
# every message would fail the same way, so they count toward the SMS circuit breaker. Other 4xx
# (400, 422, ...) refuse this message, usually its number.
_CARRIER_4XX = frozenset({401, 402, 403, 404, 405, 407, 408, 429})


def render_body(template: str, *, to: str, text: str, sender: str) -> bytes:
    """The request body: `template` with `{to}`, `{text}`, `{sender}` as JSON-escaped strings.

    Placeholders belong inside JSON string literals (`"{text}"`); values are escaped so that
    quotes, backslashes and newlines in a text cannot break or extend the document.
    """
    values = {"to": to, "text": text, "sender": sender}
    # One pass, so a value that itself contains "{sender}" is never substituted again.
    rendered = _PLACEHOLDER.sub(lambda m: json.dumps(values[m.group(1)])[1:-1], template)
    return rendered.encode("utf-8")


def check_body_template(template: str) -> str:
    """The template, if it renders to JSON and places the number and the text; else ValueError."""
    if "{to}" not in template or "{text}" not in template:
        raise ValueError("the SMS body template must contain {to} and {text}")
    try:
        json.loads(render_body(template, to="+910000000000", text='"\\\n', sender="X"))
    except json.JSONDecodeError as error:
        raise ValueError(f"the SMS body template is not JSON once filled in: {error}") from None
    return template


def check_gateway_settings(url: str | None, body_template: str | None) -> None:
    """ValueError unless `url` is an http(s) URL and the body template (default: JSON with the
    number, text and sender) places the number and the text in valid JSON."""
    parts = urlsplit(url or "")
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("the SMS gateway URL is not an http(s) URL")
    check_body_template(body_template or DEFAULT_BODY_TEMPLATE)


class HttpGatewaySms:
    """An `SmsSender` for a JSON-over-HTTP gateway: 2xx delivered, 4xx refused, 5xx retried.

    Unlike the Indian gateways' adapters it also retries a timeout or a dropped connection
    after the request was sent (the gateway may then send the text twice); when the attempts
    run out after such a failure the error says `maybe_taken`.
    """

    def __init__(
        self,
        url: str,
        *,
        body_template: str | None = None,
        sender_id: str = "KYVSOT",
        timeout_s: float = 5.0,
        attempts: int = 3,
        backoff_s: float = 0.2,
        headers: Mapping[str, str] | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        if attempts < 1 or timeout_s <= 0 or backoff_s < 0:
            raise ValueError("attempts >= 1, timeout_s > 0 and backoff_s >= 0 are required")
        self._url = url
        self._template = check_body_template(body_template or DEFAULT_BODY_TEMPLATE)
        self._sender_id = sender_id
        self._bounds = Bounds(
            timeout_s=timeout_s, connect_timeout_s=timeout_s, attempts=attempts, backoff_s=backoff_s
        )
        self._headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            **(headers or {}),
        }
        self._http = HttpSender(self._bounds, client)

    def __repr__(self) -> str:
        return "HttpGatewaySms()"  # the URL may hold a key

    async def send(self, message: SmsMessage) -> SmsReceipt:
        """POST the message; retry timeouts, connection errors and 5xx; raise when not taken."""
        body = render_body(
            self._template, to=message.to.e164, text=message.text, sender=self._sender_id
        )
        call = HttpCall("POST", self._url, body, self._headers)
        await deliver(
            message,
            lambda: self._http.attempt(call, _interpret),
            gateway=NAME,
            bounds=self._bounds,
            log=log,
            retry_unsure=True,
        )
        return SmsReceipt(gateway=NAME)

    async def aclose(self) -> None:
        """Close the HTTP client if this sender made it."""
        await self._http.aclose()

    async def __aenter__(self) -> HttpGatewaySms:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


def _interpret(response: httpx.Response) -> Outcome:
    """2xx taken; 5xx tried again; 4xx refused, counted against the gateway when it says the
    gateway (URL, credentials, capacity) is wrong rather than the message."""
    if response.is_success:
        return Taken()
    status = response.status_code
    if response.is_server_error:
        return TryAgain(f"HTTP {status}")
    failing = not response.is_client_error or status in _CARRIER_4XX
    return Refused(f"HTTP {status}", carrier_failing=failing)
