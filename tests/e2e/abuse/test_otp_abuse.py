"""OTP abuse against a real server: guessing, SMS pumping and replay.

What the service level already proves is not repeated here: the lock after 3 wrong OTPs
(`tests/integration/test_verification_flow.py::test_three_wrong_otps_lock_the_txn_even_for_the_right_one`),
the per-mobile cap across providers and for unmatched names (same file), the per-key limit's
`Retry-After` and the quota's reset at midnight UTC (same file), the counting of limit hits
(`tests/unit/web/test_metrics.py`, `tests/e2e/test_observability.py`) and one citizen login cap
(`tests/e2e/test_citizen_api.py::test_citizen_login_is_capped_per_mobile`). These tests add the
HTTP answers a client really sees, across the native API, the CoWIN facade and citizen login.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json

import pytest

from kyvs.adapters.clock import SystemClock
from kyvs.adapters.jws import AttestationInvalid, verify
from kyvs.adapters.secret_keys import SecretKeys
from kyvs.adapters.signing import KeyRing
from kyvs.adapters.sql.engine import make_engine
from kyvs.adapters.sql.signing_keys import SqlSigningKeyStore
from kyvs.domain.attestations import attestation_claims
from kyvs.settings import DEMO_SECRET
from tests.e2e.abuse.world import PROBLEMS


def wrong(otp: str) -> str:
    return f"{(int(otp) + 1) % 1_000_000:06d}"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --- guessing ---------------------------------------------------------------------------------


def test_guessing_locks_the_txn_and_then_even_the_right_otp_is_refused(world):
    locked_before = world.metric("kyvs_otp_failures_total", reason="locked")
    seen = world.sms_count("9400000001")
    txn = world.start("Yatra", "Asha Patel", "9400000001", "travel").json()["txn_id"]
    otp = world.otp_after("9400000001", seen)
    confirm = f"/api/v1/verifications/{txn}/confirm"
    answers = [world.post(confirm, "Yatra", json={"otp": wrong(otp)}) for _ in range(3)]
    assert [a.status_code for a in answers] == [400, 400, 429]
    assert [a.json().get("attempts_left") for a in answers[:2]] == [2, 1]
    assert answers[2].json()["type"] == PROBLEMS + "too-many-attempts"
    right = world.post(confirm, "Yatra", json={"otp": otp})
    assert (right.status_code, right.json()["type"]) == (429, PROBLEMS + "too-many-attempts")
    state = world.get(f"/api/v1/verifications/{txn}", "Yatra").json()
    assert (state["state"], state["attempts_left"]) == ("locked", 0)
    assert world.metric("kyvs_otp_failures_total", reason="locked") == locked_before + 2


def test_guessing_a_citizen_login_locks_it(world):
    seen = world.sms_count("9400000003")
    txn = world.post("/api/v1/citizen/login", json={"mobile_number": "9400000003"}).json()
    otp = world.otp_after("9400000003", seen)
    confirm = f"/api/v1/citizen/login/{txn['txn_id']}/confirm"
    codes = [world.post(confirm, json={"otp": wrong(otp)}).status_code for _ in range(3)]
    assert codes == [400, 400, 429]
    right = world.post(confirm, json={"otp": otp})
    assert (right.status_code, right.json()["type"]) == (429, PROBLEMS + "too-many-attempts")


def test_guessing_through_the_cowin_facade_locks_the_txn(world):
    seen = world.sms_count("9400000004")
    txn = world.post(
        "/api/v3/vaccination/generateOTP",
        "Yatra",
        json={"mobile_number": "9400000004", "full_name": "Kiran Das"},
    ).json()["txnId"]
    otp = world.otp_after("9400000004", seen)

    def guess(digits: str):
        body = {"otp": sha256(digits), "txnId": txn}
        return world.post("/api/v3/vaccination/confirmOTP", "Yatra", json=body)

    answers = [guess(wrong(otp)) for _ in range(3)]
    assert [a.status_code for a in answers] == [401, 401, 429]
    assert [a.json()["errorCode"] for a in answers] == [
        "USRAUT0014",
        "USRAUT0014",
        "KYVS_TOO_MANY_ATTEMPTS",
    ]
    assert guess(otp).status_code == 429


# --- per-mobile caps and SMS pumping ---------------------------------------------------------


def test_a_mobile_gets_five_check_otps_an_hour_from_all_providers_and_logins_apart(world):
    mobile = "9400000002"
    accepted = [
        world.start("Yatra", "Ravi Kumar", mobile, "travel"),
        world.start("Hotel", "Ravi Kumar", mobile, "accommodation"),
        world.start("Hotel", "Somebody Else", mobile, "accommodation"),  # unmatched counts too
        world.post(
            "/api/v3/vaccination/generateOTP",
            "Yatra",
            json={"mobile_number": mobile, "full_name": "Ravi Kumar"},
        ),
        world.start("Yatra", "Ravi Kumar", mobile, "travel"),
    ]
    assert [a.status_code for a in accepted] == [202, 202, 202, 200, 202]
    refused = world.start("Hotel", "Ravi Kumar", mobile, "accommodation")
    assert refused.status_code == 429
    assert refused.json()["type"] == PROBLEMS + "too-many-otps-for-mobile"
    assert 1 <= int(refused.headers["retry-after"]) <= 2 * 3600  # the hour, then its fade
    # The citizen's own logins have a budget of their own (3 an hour), untouched by checks.
    logins = [world.post("/api/v1/citizen/login", json={"mobile_number": mobile}) for _ in range(3)]
    assert [a.status_code for a in logins] == [202, 202, 403]  # the third asks for a challenge
    cowin = world.post("/api/v2/auth/public/generateOTP", json={"mobile": mobile})
    assert (cowin.status_code, cowin.json()["errorCode"]) == (403, "KYVS_CHALLENGE_REQUIRED")
    assert world.start("Hotel", "Leela Nair", "9400000006", "accommodation").status_code == 202


def test_a_key_spraying_sequential_mobiles_hits_its_rate_limit_and_shows_in_metrics(world):
    before = world.metric("kyvs_rate_limit_hits_total", limit="rate-limited")
    mobiles = [f"96000{i:05d}" for i in range(15)]
    answers = [world.start("Sprayer", "Test Person", m, "travel") for m in mobiles]
    codes = [a.status_code for a in answers]
    assert codes[:10] == [202] * 10
    assert codes[-4:] == [429] * 4
    assert codes == sorted(codes), "once refused, the spray stays refused"
    for answer in answers[codes.index(429) :]:
        assert answer.json()["type"] == PROBLEMS + "rate-limited"
        assert 1 <= int(answer.headers["retry-after"]) <= 2 * 60  # the window, then its fade
    hits = world.metric("kyvs_rate_limit_hits_total", limit="rate-limited") - before
    assert hits == codes.count(429)
    assert sum(world.sms_count(m[-10:]) for m in mobiles) == 0  # nobody there: no SMS bill


def test_a_daily_quota_stops_a_spray_until_midnight_utc(world):
    before = world.metric("kyvs_rate_limit_hits_total", limit="quota-exhausted")
    answers = [world.start("Tiny", "Test Person", f"97000{i:05d}", "travel") for i in range(6)]
    assert [a.status_code for a in answers] == [202] * 5 + [429]
    refused = answers[-1]
    assert refused.json()["type"] == PROBLEMS + "quota-exhausted"
    now = dt.datetime.now(dt.UTC)
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), dt.UTC)
    assert abs(int(refused.headers["retry-after"]) - (midnight - now).total_seconds()) < 5
    assert world.metric("kyvs_rate_limit_hits_total", limit="quota-exhausted") == before + 1


# --- replay ----------------------------------------------------------------------------------


def test_a_used_otp_never_confirms_again_through_any_door(world):
    mobile = "9400000005"
    seen = world.sms_count(mobile)
    txn = world.start("Yatra", "Vikram Rao", mobile, "travel").json()["txn_id"]
    otp = world.otp_after(mobile, seen)
    confirm = f"/api/v1/verifications/{txn}/confirm"
    assert world.post(confirm, "Yatra", json={"otp": otp}).status_code == 200
    again = world.post(confirm, "Yatra", json={"otp": otp})
    assert (again.status_code, again.json()["type"]) == (409, PROBLEMS + "txn-already-used")

    cowin = {"otp": sha256(otp), "txnId": txn}
    replayed = world.post("/api/v3/vaccination/confirmOTP", "Yatra", json=cowin)
    assert (replayed.status_code, replayed.json()["errorCode"]) == (409, "KYVS_TXN_ALREADY_USED")

    seen = world.sms_count(mobile)
    login = world.post("/api/v1/citizen/login", json={"mobile_number": mobile}).json()
    otp = world.otp_after(mobile, seen)
    path = f"/api/v1/citizen/login/{login['txn_id']}/confirm"
    assert world.post(path, json={"otp": otp}).status_code == 200
    assert world.post(path, json={"otp": otp}).status_code == 409


def test_a_cowin_status_token_reads_its_own_result_and_nothing_else(world):
    mobile = "9400000006"
    seen = world.sms_count(mobile)
    body = {"mobile_number": mobile, "full_name": "Leela Nair"}
    txn = world.post("/api/v3/vaccination/generateOTP", "Yatra", json=body).json()["txnId"]
    otp = world.otp_after(mobile, seen)
    token = world.post(
        "/api/v3/vaccination/confirmOTP", "Yatra", json={"otp": sha256(otp), "txnId": txn}
    ).json()["token"]

    def status(bearer: str):
        return world.get(
            "/api/v3/vaccination/status", headers={"Authorization": f"Bearer {bearer}"}
        )

    first, second = status(token), status(token)  # re-readable for its 15 minutes
    assert first.status_code == second.status_code == 200
    assert first.json()["txn_id"] == txn
    subject, expiry, mac = token.split(".")
    for forged in (
        f"{subject}.{int(expiry) + 86_400}.{mac}",  # a longer life
        f"{subject}.{expiry}.{mac[:-2]}AA",  # another signature
        f"{subject[:-1]}{'0' if subject[-1] != '0' else '1'}.{expiry}.{mac}",  # another txn
    ):
        refused = status(forged)
        assert (refused.status_code, refused.json()["errorCode"]) == (401, "USRAUT0002")
    citizen = world.citizen_login(mobile)
    assert status(citizen["Authorization"].removeprefix("Bearer ")).status_code == 401
    as_session = world.get(
        "/api/v1/citizen/beneficiaries", headers={"Authorization": f"Bearer {token}"}
    )
    assert (as_session.status_code, as_session.json()["type"]) == (
        401,
        PROBLEMS + "invalid-session",
    )


# --- attestations ----------------------------------------------------------------------------


def payload_with(token: str, **changes: object) -> str:
    head, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["kyvs"].update(changes)
    raw = json.dumps(claims, separators=(",", ":")).encode()
    return f"{head}.{base64.urlsafe_b64encode(raw).rstrip(b'=').decode()}.{signature}"


def test_an_attestation_holds_only_for_its_provider_untampered_and_unexpired(world):
    mobile = "9400000001"
    seen = world.sms_count(mobile)
    txn = world.start("Hotel", "Asha Patel", mobile, "accommodation").json()["txn_id"]
    otp = world.otp_after(mobile, seen)
    result = world.post(f"/api/v1/verifications/{txn}/confirm", "Hotel", json={"otp": otp}).json()
    token, jwks = result["attestation"], f"{world.base}/.well-known/jwks.json"
    hotel, yatra = world.providers["Hotel"]["provider_id"], world.providers["Yatra"]["provider_id"]

    keys = world.get("/.well-known/jwks.json").json()
    now = dt.datetime.now(dt.UTC)
    claims = verify(token, keys, now=now, audience=hotel)
    assert (claims["jti"], claims["aud"]) == (txn, hotel)
    # Another provider presenting it, checked the way anyone would: `kyvs attestation verify`.
    done = world.cli.run(
        "attestation", "verify", token, "--jwks", jwks, "--audience", yatra, "--json", check=False
    )
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout) == {"valid": False, "reason": "wrong audience"}
    forged = payload_with(token, vaccination_status=0, status="NOT_VACCINATED")
    with pytest.raises(AttestationInvalid, match="bad signature"):
        verify(forged, keys, now=now, audience=hotel)

    engine = make_engine(f"sqlite:///{world.database}")
    ring = KeyRing(
        SqlSigningKeyStore(engine, secret_key=SecretKeys.of(DEMO_SECRET.encode()).key_encryption),
        clock=SystemClock(),
    )
    stale = ring.sign(
        attestation_claims(
            txn_id=txn,
            provider_id=hotel,
            disclosed={"vaccination_status": 2},
            issued_at=now - dt.timedelta(days=2),
            lifetime=dt.timedelta(days=1),
            issuer="kyvs",
        )
    )
    engine.dispose()
    with pytest.raises(AttestationInvalid, match="expired"):
        verify(stale, keys, now=now, audience=hotel)
