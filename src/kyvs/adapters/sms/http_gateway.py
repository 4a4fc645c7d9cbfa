"""An SMS sender that POSTs JSON to an HTTP SMS gateway, with bounded retries.

Logs name the mobile by its last four digits only and never carry the text (it holds the OTP),
the gateway URL (it may hold a key) or the gateway's answer body.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Mapping
from types import TracebackType
from urllib.parse import urlsplit

import httpx

from kyvs.ports import SmsMessage, SmsNotDelivered

log = logging.getLogger(__name__)

DEFAULT_BODY_TEMPLATE = '{"to": "{to}", "text": "{text}", "sender": "{sender}"}'
_PLACEHOLDER = re.compile(r"\{(to|text|sender)\}")
# Worth another try: the gateway may not have seen the message, or may be briefly down.
_RETRYABLE = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError, TimeoutError)
_MAX_BACKOFF_S = 5.0
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
    """An `SmsSender` for a JSON-over-HTTP gateway: 2xx delivered, 4xx refused, 5xx retried."""

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
        self._timeout_s = timeout_s
        self._attempts = attempts
        self._backoff_s = backoff_s
        self._headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            **(headers or {}),
        }
        self._client = client
        self._owns_client = client is None

    async def send(self, message: SmsMessage) -> None:
        """POST the message; retry timeouts, connection errors and 5xx; raise when not taken."""
        body = render_body(
            self._template, to=message.to.e164, text=message.text, sender=self._sender_id
        )
        tail = message.to.national[-4:]
        outcome = "no attempt"
        for attempt in range(1, self._attempts + 1):
            failure, retry, carrier = await self._attempt(body)
            if failure is None:
                log.info("SMS to ...%s delivered (%s, attempt %d)", tail, message.category, attempt)
                return
            outcome = failure
            if not retry:
                log.error("SMS to ...%s refused by the gateway: %s", tail, outcome)
                raise SmsNotDelivered(
                    f"the SMS gateway refused the message ({outcome})", carrier_failing=carrier
                )
            if attempt < self._attempts:
                log.warning(
                    "SMS to ...%s not taken: %s (attempt %d of %d), retrying",
                    tail,
                    outcome,
                    attempt,
                    self._attempts,
                )
                await asyncio.sleep(min(self._backoff_s * 2 ** (attempt - 1), _MAX_BACKOFF_S))
        log.error("SMS to ...%s not delivered after %d attempts: %s", tail, self._attempts, outcome)
        raise SmsNotDelivered(
            f"the SMS gateway did not take the message after {self._attempts} attempts "
            f"(last: {outcome})"
        )

    async def _attempt(self, body: bytes) -> tuple[str | None, bool, bool]:
        """One POST: (None, ...) when delivered, else (what went wrong, whether to try again,
        whether the carrier itself is failing rather than refusing this message)."""
        try:
            async with asyncio.timeout(self._timeout_s):
                response = await self._http().post(self._url, content=body, headers=self._headers)
        except _RETRYABLE as error:
            return type(error).__name__, True, True
        except httpx.HTTPError as error:
            # A bad URL or a protocol misuse will not heal by trying again.
            return type(error).__name__, False, True
        if response.is_success:
            return None, False, False
        status = response.status_code
        failing = not response.is_client_error or status in _CARRIER_4XX
        return f"HTTP {status}", response.is_server_error, failing

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout_s, follow_redirects=False)
        return self._client

    async def aclose(self) -> None:
        """Close the HTTP client if this sender made it."""
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    async def __aenter__(self) -> HttpGatewaySms:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
