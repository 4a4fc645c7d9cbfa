"""What every SMS gateway adapter shares: one attempt's outcome, the bounded retry loop around
attempts, and one HTTP attempt with its failures sorted.

The loop retries only when the message certainly was not taken (a connection never made, an
explicit error answer such as 503 or 429). When the gateway may have taken it (a read timeout
once the request was sent, a connection dropped before the answer) the loop stops at once with
`maybe_taken`: trying again, here or at another gateway, could send the same OTP twice.

Logs name the mobile by its last four digits only, and never carry the text, the URL, the
credentials or a gateway's answer; exception details are words and codes chosen here.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

import httpx

from kyvs.domain.dlt import ContentType, DltTemplate
from kyvs.domain.sms_encoding import SmsEncoding, sms_size
from kyvs.ports import SmsMessage, SmsNotDelivered, SmsReceipt

_MAX_BACKOFF_S = 5.0
_SAFE_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]{0,39}|[0-9]{1,6}")
# Errors raised before the request left: the gateway cannot have seen it.
_NOT_SENT: tuple[type[Exception], ...] = (httpx.ConnectError, httpx.ConnectTimeout)
_NOT_SENT += (httpx.PoolTimeout, httpx.WriteError, httpx.WriteTimeout)
# Errors raised once the request was sent: the gateway may have taken the message.
_MAYBE_TAKEN = (httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError, TimeoutError)


@dataclass(frozen=True, slots=True)
class Taken:
    """The gateway took the message; `message_id` is its id for it, when it gives one."""

    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class Refused:
    """The gateway will not take the message; trying again would not change that."""

    detail: str
    carrier_failing: bool = True
    maybe_taken: bool = False


@dataclass(frozen=True, slots=True)
class TryAgain:
    """The message certainly was not taken, and the gateway may take it on another try."""

    detail: str


@dataclass(frozen=True, slots=True)
class Unsure:
    """The gateway may have taken the message (its answer never came)."""

    detail: str


Outcome = Taken | Refused | TryAgain | Unsure


@dataclass(frozen=True, slots=True)
class Bounds:
    """How long one request may take and how often a message is tried."""

    timeout_s: float = 5.0
    connect_timeout_s: float = 2.0
    attempts: int = 3
    backoff_s: float = 0.2

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.timeout_s <= 0 or self.connect_timeout_s <= 0:
            raise ValueError("attempts >= 1, timeout_s > 0 and connect_timeout_s > 0 are required")
        if self.backoff_s < 0:
            raise ValueError("backoff_s >= 0 is required")


def safe_code(value: object) -> str:
    """A gateway's status or error code fit for a log or an exception: a short word or number,
    never a run of digits long enough to be a phone number; "?" otherwise."""
    text = str(value).strip()
    return text if _SAFE_CODE.fullmatch(text) else "?"


async def deliver(
    message: SmsMessage,
    attempt: Callable[[], Awaitable[Outcome]],
    *,
    gateway: str,
    bounds: Bounds,
    log: logging.Logger,
    retry_unsure: bool = False,
) -> str | None:
    """Try `attempt` until the message is taken (its id), refused, or the attempts are spent
    (`SmsNotDelivered`). `retry_unsure` also retries when the gateway may have taken it (the
    generic gateway keeps that earlier behaviour; the others never do)."""
    tail = message.to.national[-4:]
    last = "no attempt"
    unsure = False
    for number in range(1, bounds.attempts + 1):
        outcome = await attempt()
        if isinstance(outcome, Taken):
            log.info(
                "SMS to ...%s taken by %s (%s, attempt %d)", tail, gateway, message.category, number
            )
            return outcome.message_id
        if isinstance(outcome, Refused):
            log.error("SMS to ...%s refused by %s: %s", tail, gateway, outcome.detail)
            raise SmsNotDelivered(
                f"the {gateway} SMS gateway refused the message ({outcome.detail})",
                carrier_failing=outcome.carrier_failing,
                maybe_taken=outcome.maybe_taken,
            )
        if isinstance(outcome, Unsure) and not retry_unsure:
            log.error("SMS to ...%s may have been taken by %s: %s", tail, gateway, outcome.detail)
            raise SmsNotDelivered(
                f"the {gateway} SMS gateway may have taken the message ({outcome.detail})",
                maybe_taken=True,
            )
        unsure = unsure or isinstance(outcome, Unsure)
        last = outcome.detail
        if number < bounds.attempts:
            log.warning(
                "SMS to ...%s not taken by %s: %s (attempt %d of %d), retrying",
                tail,
                gateway,
                last,
                number,
                bounds.attempts,
            )
            await asyncio.sleep(min(bounds.backoff_s * 2 ** (number - 1), _MAX_BACKOFF_S))
    log.error(
        "SMS to ...%s not taken by %s after %d attempts: %s", tail, gateway, bounds.attempts, last
    )
    raise SmsNotDelivered(
        f"the {gateway} SMS gateway did not take the message after {bounds.attempts} attempts "
        f"(last: {last})",
        maybe_taken=unsure,
    )


@dataclass(frozen=True, slots=True)
class HttpCall:
    """One request to a gateway, sent again as it is on a retry."""

    method: str
    url: str
    content: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


class HttpSender:
    """The HTTP client of an adapter: made on first use (or handed in), bounded by `bounds`."""

    def __init__(self, bounds: Bounds, client: httpx.AsyncClient | None = None) -> None:
        self.bounds = bounds
        self._client = client
        self._owns_client = client is None

    async def send(
        self,
        message: SmsMessage,
        call: HttpCall,
        interpret: Callable[[httpx.Response], Outcome],
        *,
        gateway: str,
        log: logging.Logger,
    ) -> SmsReceipt:
        """Deliver `call` for `message` within the bounds; the receipt names `gateway`."""
        message_id = await deliver(
            message,
            lambda: self.attempt(call, interpret),
            gateway=gateway,
            bounds=self.bounds,
            log=log,
        )
        return SmsReceipt(gateway=gateway, message_id=message_id)

    async def attempt(
        self, call: HttpCall, interpret: Callable[[httpx.Response], Outcome]
    ) -> Outcome:
        """Send `call` once and say what came of it (`interpret` reads an answer)."""
        timeout = httpx.Timeout(self.bounds.timeout_s, connect=self.bounds.connect_timeout_s)
        try:
            # A bound on the whole exchange too: a gateway dripping its answer byte by byte
            # would otherwise stretch the per-read timeout without end.
            async with asyncio.timeout(self.bounds.connect_timeout_s + self.bounds.timeout_s):
                response = await self._http().request(
                    call.method,
                    call.url,
                    content=call.content,
                    headers=call.headers,
                    timeout=timeout,
                )
        except _NOT_SENT as error:
            return TryAgain(type(error).__name__)
        except _MAYBE_TAKEN as error:
            return Unsure(type(error).__name__)
        except httpx.HTTPError as error:
            # A bad URL or a protocol misuse will not heal by trying again.
            return Refused(type(error).__name__)
        return interpret(response)

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(follow_redirects=False)
        return self._client

    async def aclose(self) -> None:
        """Close the HTTP client if this sender made it."""
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None


def status_outcome(response: httpx.Response) -> Outcome | None:
    """What the status code alone says: 429 and 500/503 are explicit "not now" answers
    (retried); 502 and 504 come from a proxy whose upstream may have taken the message; 401,
    402, 403, 407 refuse the account. None when the body must be read."""
    status = response.status_code
    if status in {502, 504}:
        return Unsure(f"HTTP {status}")
    if status == 429 or response.is_server_error:
        return TryAgain(f"HTTP {status}")
    if status in {401, 402, 403, 407}:
        return Refused(f"credentials or account refused (HTTP {status})")
    return None


def unreadable(response: httpx.Response) -> Refused:
    """A 2xx answer that does not say what the gateway did: it may have taken the message."""
    if response.is_success:
        return Refused("an unreadable answer", maybe_taken=True)
    return Refused(f"an unreadable answer (HTTP {response.status_code})")


_ACCOUNT_WORDS: tuple[str, ...] = (
    "auth",
    "password",
    "api key",
    "api-key",
    "apikey",
    "credential",
    "userid",
)
_ACCOUNT_WORDS += ("unauthori", "balance", "credit", "account", "disabled", "expired")
_TEMPLATE_WORDS = ("template", "dlt", "entity", "header", "sender", "mask", "scrub", "flow")
_NUMBER_WORDS = ("number", "mobile", "phone", "recipient", "msisdn", "destination", "send_to")


def refusal(words: str, code: str) -> Refused:
    """A gateway's error answer, sorted by what it is about: the account or the template (every
    message would fail: `carrier_failing`), or this message's number. `words` is the gateway's
    error text, read here and never repeated; `code` is what the detail shows."""
    lowered = words.lower()
    if any(word in lowered for word in _ACCOUNT_WORDS):
        return Refused(f"credentials or account refused ({code})")
    if any(word in lowered for word in _TEMPLATE_WORDS):
        return Refused(f"the DLT template was rejected ({code})")
    if any(word in lowered for word in _NUMBER_WORDS):
        return Refused(f"the number was refused ({code})", carrier_failing=False)
    # An error we cannot place: the number was already checked as an Indian mobile, so count it
    # against the gateway rather than let a failing route pass as bad numbers.
    return Refused(f"an error answer ({code})")


def needs_template(message: SmsMessage, gateway: str) -> DltTemplate:
    """The message's DLT template, which every Indian gateway needs; SmsNotDelivered (carrier
    failing: every message like it fails) when it names none."""
    if message.dlt is None:
        raise SmsNotDelivered(f"the {gateway} SMS gateway needs the message's DLT template")
    return message.dlt


def is_unicode(message: SmsMessage) -> bool:
    """Whether the message goes as UCS-2: its template is registered as unicode, or its text
    needs it."""
    if message.dlt is not None and message.dlt.content_type is ContentType.UNICODE:
        return True
    return sms_size(message.text).encoding is SmsEncoding.UCS2
