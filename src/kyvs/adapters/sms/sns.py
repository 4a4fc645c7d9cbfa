"""An SMS sender for Amazon SNS (`Publish` to a phone number), and its delivery events.

Follows "Publishing SMS messages to a mobile phone using Amazon SNS": `publish(PhoneNumber=
<E.164>, Message=<text>, MessageAttributes=...)` with `AWS.SNS.SMS.SMSType` `Transactional`,
`AWS.SNS.SMS.SenderID` (the DLT header), and for India `AWS.MM.SMS.EntityId` and
`AWS.MM.SMS.TemplateId` (the DLT entity and template ids). boto3 is synchronous: each publish
runs in a thread, with botocore's own retries off (`total_max_attempts=1`; its
`max_attempts` counts retries, not tries) so that this adapter alone decides what is retried.
The answer's `MessageId` is the receipt's id. Errors are the documented Publish errors:
`Throttling` and `InternalError` (and any 5xx but a proxy's 502 or 504, after which SNS may
have the message) are retried; `AuthorizationError` and bad or expired credentials are the
account's; `InvalidParameter`/`InvalidParameterValue` are the number's when they name the phone
number, else the message attributes' (the template's). botocore's DEBUG dumps of requests and
answers (the number, the text) are dropped.

boto3 is imported here, when an SNS sender is first used (the `aws` extra): kyvs runs without
it unless SNS is chosen.

Delivery reports: AWS End User Messaging SMS events (`messageId`, `messageStatus`, `isFinal`)
published to an SNS topic with an HTTP(S) subscription: the body is the SNS notification
(`{"Type": "Notification", "Message": "<the event as JSON>"}`), or the event itself with raw
message delivery, or an EventBridge envelope (`detail`). Other SNS message types (subscription
confirmations) carry no report and give none; checking the notification's signature is the
endpoint's job. `DELIVERED` and a final `SUCCESSFUL` are delivered; `INVALID`, `UNREACHABLE`,
`BLOCKED`, `OPTED_OUT`, `TTL_EXPIRED` are the number's; other failures (`CARRIER_UNREACHABLE`,
`CARRIER_BLOCKED` (DLT scrubbing), `SPAM`, `INVALID_MESSAGE`, `UNKNOWN`, ...) the route's.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from kyvs.adapters.sms import _reports
from kyvs.adapters.sms._delivery import (
    Bounds,
    Outcome,
    Refused,
    Taken,
    TryAgain,
    Unsure,
    deliver,
    needs_template,
    safe_code,
)
from kyvs.ports import DeliveryReport, SmsMessage, SmsReceipt

log = logging.getLogger(__name__)

NAME = "sns"
_RETRY_CODES = frozenset(
    {"Throttling", "ThrottlingException", "Throttled", "InternalError", "InternalFailure"}
    | {"ServiceUnavailable", "RequestTimeout"}
)
_ACCOUNT_CODES = frozenset(
    {"AuthorizationError", "InvalidClientTokenId", "SignatureDoesNotMatch", "AccessDenied"}
    | {"AccessDeniedException", "UnrecognizedClientException", "ExpiredToken"}
    | {"InvalidSecurity", "OptInRequired", "MissingAuthenticationToken"}
)
_NUMBER_STATUSES = frozenset({"INVALID", "UNREACHABLE", "BLOCKED", "OPTED_OUT", "TTL_EXPIRED"})
_DELIVERED = frozenset({"DELIVERED", "SUCCESSFUL"})
_PENDING = frozenset({"PENDING", "QUEUED", "ACCEPTED"})


@dataclass(frozen=True, slots=True)
class SnsConfig:
    """The AWS region, credentials (None: boto3's default chain), an endpoint override (tests,
    VPC endpoints) and the request bounds."""

    region: str
    access_key_id: str | None = field(default=None, repr=False)
    secret_access_key: SecretStr | None = None
    endpoint_url: str | None = field(default=None, repr=False)
    bounds: Bounds = field(default_factory=Bounds)


class SnsSms:
    """An `SmsSender` that publishes to a phone number through Amazon SNS."""

    def __init__(self, config: SnsConfig) -> None:
        self._config = config
        self._client: Any = None
        self._making = threading.Lock()  # publishes run in threads: make one client, not two

    def __repr__(self) -> str:
        return "SnsSms()"

    async def send(self, message: SmsMessage) -> SmsReceipt:
        """Publish the text with its DLT attributes; the receipt carries SNS's message id."""
        dlt = needs_template(message, NAME)
        request = {
            "PhoneNumber": message.to.e164,
            "Message": message.text,
            "MessageAttributes": {
                name: {"DataType": "String", "StringValue": value}
                for name, value in (
                    ("AWS.SNS.SMS.SMSType", "Transactional"),
                    ("AWS.SNS.SMS.SenderID", dlt.header),
                    ("AWS.MM.SMS.EntityId", dlt.entity_id),
                    ("AWS.MM.SMS.TemplateId", dlt.template_id),
                )
            },
        }
        message_id = await deliver(
            message,
            lambda: asyncio.to_thread(self._publish, request),
            gateway=NAME,
            bounds=self._config.bounds,
            log=log,
        )
        return SmsReceipt(gateway=NAME, message_id=message_id)

    def _publish(self, request: Mapping[str, Any]) -> Outcome:
        """One Publish, in a worker thread, and what came of it."""
        from botocore import exceptions  # noqa: PLC0415 - boto3 only when SNS is chosen

        try:
            answer = self._sns().publish(**request)
        except exceptions.ClientError as error:
            return _client_error(error.response)
        except exceptions.BotoCoreError as error:
            return _transport_error(error)
        message_id = answer.get("MessageId")
        return Taken(message_id if isinstance(message_id, str) and message_id else None)

    def _sns(self) -> Any:
        with self._making:
            if self._client is None:
                self._client = _make_client(self._config)
            return self._client

    async def aclose(self) -> None:
        """Close the boto3 client's connections."""
        if self._client is not None:
            await asyncio.to_thread(self._client.close)
            self._client = None


class _NoWireDumps(logging.Filter):
    """Drops botocore's DEBUG dumps of requests and answers: they hold the number and the text
    (the OTP), and SNS's error answers repeat the number."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


_NO_WIRE_DUMPS = _NoWireDumps()
_WIRE_LOGGERS = ("botocore.endpoint", "botocore.parsers", "botocore.hooks")


def _make_client(config: SnsConfig) -> Any:
    import boto3  # noqa: PLC0415 - boto3 only when SNS is chosen
    from botocore.config import Config  # noqa: PLC0415

    for name in _WIRE_LOGGERS:
        logging.getLogger(name).addFilter(_NO_WIRE_DUMPS)  # a filter is added once

    bounds = config.bounds
    settings = Config(
        connect_timeout=bounds.connect_timeout_s,
        read_timeout=bounds.timeout_s,
        retries={"total_max_attempts": 1, "mode": "standard"},
    )
    secret = config.secret_access_key
    return boto3.session.Session().client(
        "sns",
        region_name=config.region,
        endpoint_url=config.endpoint_url,
        aws_access_key_id=config.access_key_id,
        aws_secret_access_key=secret.get_secret_value() if secret is not None else None,
        config=settings,
    )


def _transport_error(error: Exception) -> Outcome:
    from botocore import exceptions  # noqa: PLC0415 - boto3 only when SNS is chosen

    name = type(error).__name__
    if isinstance(error, exceptions.SSLError):
        return Refused(name)  # a certificate will not heal by trying again
    if isinstance(error, exceptions.ConnectTimeoutError | exceptions.EndpointConnectionError):
        return TryAgain(name)
    if isinstance(error, exceptions.HTTPClientError):
        # A read timeout, a connection closed before the answer, or any other failure once
        # the request may have left.
        return Unsure(name)
    if isinstance(error, exceptions.NoCredentialsError):
        return Refused("no AWS credentials")
    return Refused(name)


def _client_error(response: Mapping[str, Any]) -> Outcome:
    error = response.get("Error", {})
    code = str(error.get("Code", ""))
    status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    shown = safe_code(code or f"HTTP {status}")
    if status in {502, 504}:
        return Unsure(shown)  # a proxy's answer: SNS behind it may have taken the message
    if code in _RETRY_CODES or status >= 500 or status == 429:
        return TryAgain(shown)
    if code in _ACCOUNT_CODES or status in {401, 403}:
        return Refused(f"credentials or account refused ({shown})")
    if code.startswith("InvalidParameter") and "phone" in str(error.get("Message", "")).lower():
        return Refused(f"the number was refused ({shown})", carrier_failing=False)
    if code.startswith("InvalidParameter"):
        return Refused(f"the DLT template was rejected ({shown})")
    return Refused(f"an error answer ({shown})")


def parse_delivery_reports(
    body: bytes, content_type: str, query: Mapping[str, str]
) -> list[DeliveryReport]:
    """The report in one SNS notification of an End User Messaging SMS event (or the event
    itself, or its EventBridge envelope); none for other SNS message types."""
    del content_type, query  # SNS posts JSON as text/plain; nothing rides in the query
    document = _reports.json_body(body)
    if not isinstance(document, Mapping):
        raise ValueError("the report is not a JSON object")
    if "Type" in document:
        if document["Type"] != "Notification":
            return []
        inner = document.get("Message")
        if not isinstance(inner, str):
            raise ValueError("the notification has no message")
        document = _reports.json_body(inner.encode("utf-8"))
    if isinstance(document, Mapping) and isinstance(document.get("detail"), Mapping):
        document = document["detail"]
    report = _report(document)
    return [report] if report is not None else []


def _report(event: Any) -> DeliveryReport | None:
    message_id = _reports.field(event, "messageId")
    status = _reports.field(event, "messageStatus").upper()
    final = event.get("isFinal", True) is not False
    if status in _DELIVERED and final:
        return DeliveryReport(NAME, message_id, delivered=True, detail=safe_code(status))
    if status in _DELIVERED | _PENDING:
        return None  # no final word yet
    return DeliveryReport(
        NAME,
        message_id,
        delivered=False,
        carrier_failing=status not in _NUMBER_STATUSES,
        detail=safe_code(status),
    )
