"""Server logs: JSON lines with the request id; mobiles and OTPs masked as a safety net; the
request log without query strings or client addresses; the config `kyvs serve` hands uvicorn."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from kyvs.adapters.logging import (
    REQUEST_ID,
    JsonFormatter,
    LoggingRequestLog,
    RedactFilter,
    TextFormatter,
    redact,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SMS to 9876543210 sent", "SMS to ******3210 sent"),
        ("to +91 98765 43210.", "to ******3210."),
        ("to +91-9876543210", "to ******3210"),
        ("to 919876543210", "to ******3210"),
        ("to 09876543210", "to ******3210"),
        ("mobile=6000000001&x=1", "mobile=******0001&x=1"),
        ("OTP 123456", "OTP ******"),
        ("Your OTP for Yatra Travels is 123456.", "Your OTP for Yatra Travels is ******."),
        ('{"otp": "654321"}', '{"otp": "******"}'),
        ("/confirm?otp=000123", "/confirm?otp=******"),
    ],
)
def test_mobiles_and_otps_are_masked(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "txn 0e3c9c6a-8123-4567-89ab-cdef01234567 confirmed",
        "request 9876543210abcdef",  # hex, not a mobile
        "5876543210 is not a mobile (it starts with 5)",
        "12345678901 has 11 digits",
        "batch of 123456 rows",  # six digits, but no OTP before them
        "took 1234567 ms",
    ],
)
def test_other_numbers_are_left_alone(text):
    assert redact(text) == text


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("kyvs.tests.logging")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_record_is_one_json_line_with_the_request_id(captured):
    logger, stream = captured
    token = REQUEST_ID.set("req-1")
    try:
        logger.info("SMS to %s sent (%s)", "9876543210", "verification-otp", extra={"tries": 2})
    finally:
        REQUEST_ID.reset(token)
    logger.warning("outside any request")
    inside, outside = lines(stream)
    assert inside["message"] == "SMS to ******3210 sent (verification-otp)"
    assert (inside["level"], inside["logger"], inside["request_id"]) == (
        "INFO",
        "kyvs.tests.logging",
        "req-1",
    )
    assert inside["tries"] == 2
    assert inside["time"].endswith("+00:00")
    assert "request_id" not in outside


@pytest.mark.parametrize("created", [1765108800.0, 1765108800.9995, 1765108800.9999996, 1.5])
def test_the_time_is_iso_8601_utc_to_the_millisecond(created):
    record = logging.makeLogRecord({"msg": "tick", "created": created})
    expected = dt.datetime.fromtimestamp(created, dt.UTC).isoformat(timespec="milliseconds")
    assert json.loads(JsonFormatter().format(record))["time"] == expected


def test_numbers_formatted_into_a_message_and_exceptions_are_masked(captured):
    logger, stream = captured
    logger.info("OTP %d issued", 123456)
    try:
        raise ValueError("no person on 9876543210")
    except ValueError:
        logger.exception("lookup failed")
    issued, failed = lines(stream)
    assert issued["message"] == "OTP ****** issued"
    assert "ValueError: no person on ******3210" in failed["exception"]
    assert "9876543210" not in stream.getvalue()


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def request_line(
    path: str = "/healthz", route: str | None = "/healthz", method: str = "GET", status: int = 200
) -> logging.LogRecord:
    """The record the request log makes of one answer (as the server's handler gets it)."""
    logger = logging.getLogger("kyvs.tests.requests")
    kept = Kept()
    kept.addFilter(RedactFilter())
    logger.addHandler(kept)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        LoggingRequestLog(logger).answered(
            method=method, path=path, route=route, status=status, http_version="1.1"
        )
    finally:
        logger.removeHandler(kept)
    (record,) = kept.records
    return record


def test_a_request_line_names_the_method_the_route_and_the_status():
    entry = json.loads(JsonFormatter().format(request_line()))
    assert (entry["message"], entry["method"], entry["path"], entry["status"]) == (
        "GET /healthz 200",
        "GET",
        "/healthz",
        200,
    )
    assert entry["http_version"] == "1.1"


def test_text_lines_carry_the_same_fields_for_a_terminal():
    token = REQUEST_ID.set("req-2")
    try:
        line = TextFormatter().format(request_line())
    finally:
        REQUEST_ID.reset(token)
    assert line.endswith(" INFO    kyvs.tests.requests [req-2] GET /healthz 200")


def test_the_request_log_names_the_route_not_the_ids_in_the_path():
    record = request_line("/hosted/6f1c2a9e-8d0b-4a57-9a36-1f3c5e7d9b20", "/hosted/{session_id}")
    entry = json.loads(JsonFormatter().format(record))
    assert entry["path"] == "/hosted/{session_id}"
    assert "6f1c2a9e" not in entry["message"]


def test_an_unmatched_path_keeps_its_words_but_not_what_looks_like_an_id():
    record = request_line("/s/Zk3v9QpLm2Xc7RtY8wBn/cardx", "(unmatched)", status=404)
    assert json.loads(JsonFormatter().format(record))["path"] == "/s/{id}/cardx"


def test_an_unmatched_path_or_an_invented_method_is_masked_like_any_message():
    line = JsonFormatter().format(request_line("/no/such/9876543210", None, method="9876543210"))
    entry = json.loads(line)
    assert entry["path"] == "/no/such/******3210"
    assert entry["method"] == "******3210"
    assert "9876543210" not in line


def test_a_request_line_costs_nothing_when_the_request_log_is_off():
    logger = logging.getLogger("kyvs.tests.requests.off")
    logger.setLevel(logging.WARNING)
    kept = Kept()
    logger.addHandler(kept)
    try:
        LoggingRequestLog(logger).answered(
            method="GET", path="/", route="/", status=200, http_version="1.1"
        )
    finally:
        logger.removeHandler(kept)
    assert kept.records == []


SERVER_LOGGING = """
import logging, logging.config
from kyvs.adapters.logging import LoggingRequestLog, log_config
logging.config.dictConfig(log_config())
logging.getLogger("kyvs.sms").info("OTP 123456 sent to 9876543210")
logging.getLogger("uvicorn.error").info("Started server process")
logging.getLogger("uvicorn.access").info("%s - %s", "203.0.113.7:51000", "GET / HTTP/1.1 200")
LoggingRequestLog().answered(method="GET", path="/me", route="/me", status=200, http_version="1.1")
logging.getLogger("httpx").info("HTTP Request: POST https://gateway/?key=secret")
logging.getLogger("some.library").info("chatter")
"""


def test_the_server_configuration_writes_json_lines_through_the_filter():
    # Application logs on stderr; on stdout, the request log alone (uvicorn's access log is off).
    done = subprocess.run(
        [sys.executable, "-c", SERVER_LOGGING], capture_output=True, text=True, check=True
    )
    entries = [json.loads(line) for line in done.stderr.splitlines()]
    assert [(e["logger"], e["message"]) for e in entries] == [
        ("kyvs.sms", "OTP ****** sent to ******3210"),
        ("uvicorn.error", "Started server process"),
    ]
    requests = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(e["logger"], e["message"]) for e in requests] == [("kyvs.requests", "GET /me 200")]
