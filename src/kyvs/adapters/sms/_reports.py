"""Reading delivery-report callbacks: bodies as JSON or forms, fields as short strings.

Errors are `ValueError` with a reason in a few words; they never repeat the input, which holds
phone numbers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

_MAX_BODY = 1024 * 1024


def json_body(body: bytes) -> Any:
    """The body as JSON (ValueError when it is not)."""
    if len(body) > _MAX_BODY:
        raise ValueError("the report is too large")
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ValueError("the report is not JSON") from None


def form_body(body: bytes) -> dict[str, str]:
    """The body as an HTML form (ValueError when it is not)."""
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True))
    except (UnicodeDecodeError, ValueError):
        raise ValueError("the report is not a form") from None


def is_json(content_type: str) -> bool:
    """Whether a Content-Type names JSON (SNS posts JSON as text/plain)."""
    return "json" in content_type.lower()


def field(record: Any, *names: str, required: bool = True) -> str:
    """The first of `names` present in `record` as a non-empty string or number."""
    if not isinstance(record, Mapping):
        raise ValueError("a report entry is not an object")
    for name in names:
        value = record.get(name)
        if isinstance(value, bool):
            continue
        if isinstance(value, str | int) and str(value).strip():
            return str(value).strip()
    if required:
        raise ValueError(f"a report entry has no {names[0]}")
    return ""
