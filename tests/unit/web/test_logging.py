"""Server logs: JSON lines with the request id; mobiles and OTPs masked as a safety net; the
access log without query strings or client addresses; the config `kyvs serve` hands uvicorn."""

from __future__ import annotations

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
    RedactFilter,
    TextFormatter,
    redact,
)
from kyvs.request_context import ROUTE


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


def access_record() -> logging.LogRecord:
    # Exactly what uvicorn's access logger emits.
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("203.0.113.7:51000", "GET", "/healthz?mobile=9876543210&otp=123456", "1.1", 200),
        None,
    )


def test_the_access_log_has_no_query_string_and_no_client_address():
    record = access_record()
    RedactFilter().filter(record)
    line = JsonFormatter(access=True).format(record)
    entry = json.loads(line)
    assert (entry["message"], entry["path"], entry["status"]) == (
        "GET /healthz 200",
        "/healthz",
        200,
    )
    assert "203.0.113.7" not in line
    assert "?" not in line


def test_text_lines_carry_the_same_fields_for_a_terminal():
    token = REQUEST_ID.set("req-2")
    try:
        line = TextFormatter(access=True).format(access_record())
    finally:
        REQUEST_ID.reset(token)
    assert line.endswith(" INFO    uvicorn.access [req-2] GET /healthz 200")


SERVER_LOGGING = """
import logging, logging.config
from kyvs.adapters.logging import log_config
logging.config.dictConfig(log_config())
logging.getLogger("kyvs.sms").info("OTP 123456 sent to 9876543210")
logging.getLogger("uvicorn.error").info("Started server process")
logging.getLogger("httpx").info("HTTP Request: POST https://gateway/?key=secret")
logging.getLogger("some.library").info("chatter")
"""


def test_the_server_configuration_writes_json_lines_through_the_filter():
    done = subprocess.run(
        [sys.executable, "-c", SERVER_LOGGING], capture_output=True, text=True, check=True
    )
    entries = [json.loads(line) for line in done.stderr.splitlines()]
    assert [(e["logger"], e["message"]) for e in entries] == [
        ("kyvs.sms", "OTP ****** sent to ******3210"),
        ("uvicorn.error", "Started server process"),
    ]
    assert done.stdout == ""


def test_the_access_log_names_the_route_not_the_ids_in_the_path():
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("203.0.113.7:51000", "GET", "/hosted/6f1c2a9e-8d0b-4a57-9a36-1f3c5e7d9b20", "1.1", 200),
        None,
    )
    token = ROUTE.set("/hosted/{session_id}")
    try:
        entry = json.loads(JsonFormatter(access=True).format(record))
    finally:
        ROUTE.reset(token)

    assert entry["path"] == "/hosted/{session_id}"
    assert "6f1c2a9e" not in entry["message"]


def test_an_unmatched_path_keeps_its_words_but_not_what_looks_like_an_id():
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("203.0.113.7:51000", "GET", "/s/Zk3v9QpLm2Xc7RtY8wBn/cardx", "1.1", 404),
        None,
    )

    assert json.loads(JsonFormatter(access=True).format(record))["path"] == "/s/{id}/cardx"
