"""The rules every SMS gateway adapter shares, as tables: what a status code says, how an error
answer's words are sorted, and which codes may be shown."""

from __future__ import annotations

import httpx
import pytest

from kyvs.adapters.sms._delivery import (
    Refused,
    TryAgain,
    Unsure,
    refusal,
    safe_code,
    status_outcome,
    unreadable,
)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (500, TryAgain("HTTP 500")),
        (503, TryAgain("HTTP 503")),
        (429, TryAgain("HTTP 429")),
        (502, Unsure("HTTP 502")),
        (504, Unsure("HTTP 504")),
        (401, Refused("credentials or account refused (HTTP 401)")),
        (403, Refused("credentials or account refused (HTTP 403)")),
        (400, None),
        (200, None),
    ],
)
def test_what_a_status_code_alone_says(status, outcome):
    assert status_outcome(httpx.Response(status)) == outcome


@pytest.mark.parametrize(
    ("words", "carrier_failing", "about"),
    [
        ("Authentication failed due to invalid userId or password.", True, "credentials"),
        ("Invalid API key", True, "credentials"),
        ("Insufficient balance", True, "credentials"),
        ("Invalid Template ID", True, "template"),
        ("DLT template not registered or content not matched", True, "template"),
        ("Sender ID not approved", True, "template"),
        ("The phone number 919876543210 is not a valid phone number", False, "number"),
        ("Invalid mobile number", False, "number"),
        ("Something else went wrong", True, "error answer"),
    ],
)
def test_an_error_answer_is_sorted_by_its_words(words, carrier_failing, about):
    refused = refusal(words, "E1")
    assert refused.carrier_failing is carrier_failing
    assert about in refused.detail
    assert refused.detail.endswith("(E1)")
    assert "9876543210" not in refused.detail


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("InvalidParameter", "InvalidParameter"),
        ("E413", "E413"),
        ("105", "105"),
        ("INV-TEMPLATE-MATCH", "INV-TEMPLATE-MATCH"),
        ("919876543210", "?"),
        ("Invalid number +919876543210", "?"),
        ("<script>", "?"),
        ("x" * 41, "?"),
    ],
)
def test_only_short_codes_are_shown(code, shown):
    assert safe_code(code) == shown


def test_an_unreadable_answer_after_success_may_have_been_taken():
    assert unreadable(httpx.Response(200, text="<html>")).maybe_taken is True
    assert unreadable(httpx.Response(400, text="<html>")).maybe_taken is False
