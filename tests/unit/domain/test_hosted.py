"""A hosted session's rules: starts from the details step only, at most three; bound to one
browser; the provider's nonce checked; what its attestation says of it."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from kyvs.domain.errors import InvalidInput
from kyvs.domain.hosted import (
    MAX_STARTS,
    HostedOtpPending,
    HostedSession,
    HostedSessionExhausted,
    HostedStep,
    browser_digest,
    check_nonce,
)

NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
BROWSER = "a" * 43


def a_session(**changes: object) -> HostedSession:
    session = HostedSession(
        session_id="6f1c0a52-7d1e-4b8e-9a31-5c2f4e8b9d10",
        provider_id="prov-yatra",
        return_url="https://shop.example.com/kyvs/return",
        purpose="travel",
        language="en",
        created_at=NOW,
        expires_at=NOW + dt.timedelta(minutes=15),
    )
    return dataclasses.replace(session, **changes)


def test_a_start_counts_and_binds_the_session_to_the_browser_that_made_it():
    started = a_session().with_txn("txn-1", BROWSER)
    assert (started.step, started.starts) == (HostedStep.OTP, 1)
    assert started.browser_digest == browser_digest(BROWSER)
    again = started.restarted().with_txn("txn-2", "b" * 43)
    assert again.browser_digest == browser_digest(BROWSER), "the first browser stays"


def test_the_session_keeps_only_the_digest_of_the_browser_secret():
    assert BROWSER not in repr(a_session().with_txn("txn-1", BROWSER))


@pytest.mark.parametrize(("secret", "belongs"), [(BROWSER, True), ("b" * 43, False), (None, False)])
def test_a_bound_session_belongs_only_to_its_browser(secret, belongs):
    bound = a_session().with_txn("txn-1", BROWSER)
    assert bound.belongs_to(secret) is belongs


def test_an_unbound_session_belongs_to_any_browser():
    assert a_session().belongs_to(None)
    assert a_session().belongs_to(BROWSER)


def test_details_are_refused_while_an_otp_is_pending():
    with pytest.raises(HostedOtpPending):
        a_session().with_txn("txn-1", BROWSER).check_can_start()


def test_the_fourth_start_is_refused():
    session = a_session()
    for n in range(MAX_STARTS):
        session.check_can_start()
        session = session.with_txn(f"txn-{n}", BROWSER).restarted()
    assert (session.starts, session.starts_left) == (3, 0)
    with pytest.raises(HostedSessionExhausted) as refused:
        session.check_can_start()
    assert refused.value.slug == "hosted-session-exhausted"


def test_the_result_is_marked_shown_once_viewed():
    done = a_session().with_txn("txn-1", BROWSER).with_result("jws")
    assert done.step is HostedStep.DONE
    assert done.result_shown(NOW).result_shown_at == NOW


@pytest.mark.parametrize("nonce", [None, "a", "booking-4711_Yx2f", "x" * 128])
def test_url_safe_nonces_up_to_128_characters_are_kept(nonce):
    assert check_nonce(nonce) == nonce


@pytest.mark.parametrize("nonce", ["", "x" * 129, "has space", "a/b", "é", "a=b", "a\nb"])
def test_other_nonces_are_refused(nonce):
    with pytest.raises(InvalidInput):
        check_nonce(nonce)


def test_the_attestation_claims_name_the_session_and_the_nonce_when_given():
    assert a_session().claims == {"hosted_session": a_session().session_id}
    assert a_session(nonce="n-1").claims == {
        "hosted_session": a_session().session_id,
        "nonce": "n-1",
    }
