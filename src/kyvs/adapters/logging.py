"""Server logs: one JSON object per line, with the request id, and personal data masked.

Code never logs OTPs, names, ID numbers or whole mobiles (SECURITY.md); `RedactFilter` is the
safety net behind that rule: it masks anything shaped like an Indian mobile (keeping the last
four digits) and any six-digit number that follows "OTP". The request log (`kyvs.requests`, one
line per answer, written by the web's edge) keeps the method, the route template or the path
without its query string (a query could carry data) and the status, not the client address.
`log_config()` is the `logging.config.dictConfig` document `kyvs serve` hands to uvicorn.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import math
import re
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import quote

from kyvs.request_context import REQUEST_ID, UNMATCHED

__all__ = [
    "REQUEST_ID",
    "JsonFormatter",
    "LoggingRequestLog",
    "RedactFilter",
    "TextFormatter",
    "log_config",
    "redact",
]
REQUESTS_LOGGER = "kyvs.requests"

# 10 digits starting 6-9, alone or after +91 / 91 / 0, written whole or as 5 + 5 digits.
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(?:\+?91[ -]?|0)?[6-9]\d{4}[ -]?\d(\d{4})(?![0-9A-Za-z])")
_OTP = re.compile(r"(otp\D{0,40}?)(?<!\d)\d{6}(?!\d)", re.IGNORECASE)
_FIVE_DIGITS = re.compile(r"\d{5}")
_ID_SEGMENT = re.compile(r"[0-9A-Za-z_-]{16,}")
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message"}
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def redact(text: str) -> str:
    """`text` with mobiles masked to their last four digits and OTPs after "OTP" masked."""
    if not _FIVE_DIGITS.search(text):  # both shapes hold five digits in a row: most lines don't
        return text
    return _OTP.sub(r"\1******", _MOBILE.sub(r"******\1", text))


class RedactFilter(logging.Filter):
    """Masks mobiles and OTPs in a record's message, arguments, exception and stack text."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, Mapping):
            record.args = {k: _redacted(v) for k, v in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_redacted(v) for v in record.args)
        if record.args or not isinstance(record.msg, str):
            message = record.getMessage()
            if redact(message) != message:  # formed only once formatted (a number argument, say)
                record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _redacted(value: object) -> object:
    return redact(value) if isinstance(value, str) else value


_JSON = json.JSONEncoder(ensure_ascii=False, default=str).encode  # made once, not per line


def _utc_time(created: float) -> str:
    """`created` (seconds since the epoch) as ISO 8601 UTC to the millisecond."""
    fraction, whole = math.modf(created)  # rounded as `datetime.fromtimestamp` rounds
    micro = round(fraction * 1_000_000)
    if micro >= 1_000_000:
        whole, micro = whole + 1, micro - 1_000_000
    return f"{_utc_second(int(whole))}.{micro // 1000:03d}+00:00"


@functools.lru_cache(maxsize=4)  # a server writes many lines a second: format the second once
def _utc_second(whole: int) -> str:
    return dt.datetime.fromtimestamp(whole, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id (inside a request)
    and any `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        return _JSON(self.fields(record))

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        """The record's fields, in the order they are written."""
        fields: dict[str, Any] = {
            "time": _utc_time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id is not None:
            fields["request_id"] = request_id
        fields.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            fields["exception"] = record.exc_text
        if record.stack_info:
            fields["stack"] = record.stack_info
        return fields


class LoggingRequestLog:
    """The request log: one line per answered request on the `kyvs.requests` logger, with the
    request id (from the context), the method, the route template, the status and the HTTP version.
    """

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.logger = logger or logging.getLogger(REQUESTS_LOGGER)

    def answered(
        self, *, method: str, path: str, route: str | None, status: int, http_version: str
    ) -> None:
        """Log one answer: `route` is the template of the route that answered (None or
        `(unmatched)` when none did: then `path`, without what looks like an id, stands for it)."""
        logger = self.logger
        if not logger.isEnabledFor(logging.INFO):
            return
        shown = route if route and route != UNMATCHED else redact(_without_ids(quote(path)))
        verb = method if method in _METHODS else redact(method)
        # A record made here, not by `logger.info`: the caller's frame is never logged anyway.
        record = logging.LogRecord(
            logger.name, logging.INFO, __file__, 0, f"{verb} {shown} {status}", (), None
        )
        record.method, record.path, record.status = verb, shown, status
        record.http_version = http_version
        logger.handle(record)


def _without_ids(full_path: str) -> str:
    """The path without its query and with every segment that could be an id (a UUID, a token:
    16 or more letters, digits, `-` or `_`) written `{id}`."""
    segments = full_path.split("?", 1)[0].split("/")
    return "/".join("{id}" if _ID_SEGMENT.fullmatch(part) else part for part in segments)


class TextFormatter(JsonFormatter):
    """The same fields as plain text, for a developer's terminal (`--log-format text`)."""

    def format(self, record: logging.LogRecord) -> str:
        """`time level logger [request id] message`, then the exception if any."""
        fields = self.fields(record)
        request = f" [{fields['request_id']}]" if "request_id" in fields else ""
        line = (
            f"{fields['time']} {fields['level']:<7} {fields['logger']}{request} {fields['message']}"
        )
        return f"{line}\n{fields['exception']}" if "exception" in fields else line


def log_config(log_format: Literal["json", "text"] = "json", level: str = "INFO") -> dict[str, Any]:
    """The `dictConfig` document of the server: kyvs and uvicorn logs through `RedactFilter`
    (application logs on stderr, the request log on stdout), other libraries at WARNING."""
    formatter = f"{__name__}.{'JsonFormatter' if log_format == 'json' else 'TextFormatter'}"

    def handler(stream: str, style: str) -> dict[str, Any]:
        return {
            "class": "logging.StreamHandler",
            "stream": f"ext://sys.{stream}",
            "formatter": style,
            "filters": ["redact"],
        }

    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": f"{__name__}.RedactFilter"}},
        "formatters": {
            "default": {"()": formatter},
        },
        "handlers": {
            "default": handler("stderr", "default"),
            "requests": handler("stdout", "default"),
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            # The edge writes the request log: uvicorn's own access log stays off.
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            REQUESTS_LOGGER: {"handlers": ["requests"], "level": level, "propagate": False},
            "kyvs": {"level": level},
            # httpx logs every request's URL at INFO, and an SMS gateway URL may hold a key.
            "httpx": {"level": "WARNING"},
            "httpcore": {"level": "WARNING"},
        },
        "root": {"handlers": ["default"], "level": "WARNING"},
    }
