"""Anonymous citizen logins turned against the people kyvs serves, against a real server.

Before, twenty anonymous `POST /api/v1/citizen/login` for a mobile used up its OTP caps, and
every provider's check of that person answered `429 too-many-otps-for-mobile` for a day. Now
logins have a budget of their own, past a few per client or per mobile a login needs a solved
proof-of-work challenge, and a client checks only so many OTPs.
"""

from __future__ import annotations

import httpx

from tests.e2e.abuse.world import PROBLEMS
from tests.factories.challenges import solve_challenge

STRANGER = {"X-Forwarded-For": "203.0.113.66"}


def login(world, mobile: str, headers: dict[str, str]) -> httpx.Response:
    """A login request that solves the challenge when asked, as a patient attacker would."""
    body = {"mobile_number": mobile}
    answer = world.post("/api/v1/citizen/login", json=body, headers=headers)
    if answer.status_code == 403:
        solved = {**headers, "Kyvs-Challenge": solve_challenge(answer.json()["challenge"])}
        answer = world.post("/api/v1/citizen/login", json=body, headers=solved)
    return answer


def test_a_strangers_logins_never_block_a_providers_check(world):
    answers = [login(world, "9400000007", STRANGER).status_code for _ in range(20)]
    assert answers.count(202) == 3  # the login budget: 3 an hour for the mobile
    assert set(answers[3:]) == {429}
    refused = login(world, "9400000007", STRANGER).json()
    assert refused["type"] == PROBLEMS + "too-many-otps-for-mobile"

    seen = world.sms_count("9400000007")
    started = world.start("Yatra", "Suresh Iyer", "9400000007", "travel")
    assert started.status_code == 202, started.text
    otp = world.otp_after("9400000007", seen)
    txn = started.json()["txn_id"]
    confirmed = world.post(f"/api/v1/verifications/{txn}/confirm", "Yatra", json={"otp": otp})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["vaccination_status"] == 2


def test_past_the_soft_limit_a_login_needs_a_challenge_solved_once(world):
    client = {"X-Forwarded-For": "203.0.113.77"}
    mobiles = [f"95000000{n:02d}" for n in range(11)]  # unregistered: the same answers
    codes = [
        world.post("/api/v1/citizen/login", json={"mobile_number": m}, headers=client).status_code
        for m in mobiles
    ]
    assert codes == [202] * 10 + [403]
    asked = world.post("/api/v1/citizen/login", json={"mobile_number": mobiles[0]}, headers=client)
    problem = asked.json()
    assert (asked.status_code, problem["type"]) == (403, PROBLEMS + "challenge-required")
    assert asked.headers["content-type"].startswith("application/problem+json")
    solved = {**client, "Kyvs-Challenge": solve_challenge(problem["challenge"])}
    body = {"mobile_number": "9500000099"}
    assert world.post("/api/v1/citizen/login", json=body, headers=solved).status_code == 202
    again = world.post("/api/v1/citizen/login", json=body, headers=solved)
    assert (again.status_code, again.json()["type"]) == (403, PROBLEMS + "challenge-required")

    fetched = world.get("/api/v1/citizen/challenge", headers=client).json()
    fresh = {**client, "Kyvs-Challenge": solve_challenge(fetched)}
    assert world.post("/api/v1/citizen/login", json=body, headers=fresh).status_code == 202


def test_the_cowin_public_login_asks_for_the_challenge_in_its_own_shape(world):
    client = {"X-Forwarded-For": "203.0.113.88"}
    for n in range(10):
        body = {"mobile": f"95100000{n:02d}"}
        assert world.post("/api/v2/auth/public/generateOTP", json=body, headers=client).is_success
    asked = world.post(
        "/api/v2/auth/public/generateOTP", json={"mobile": "9510000099"}, headers=client
    )
    assert asked.status_code == 403
    assert asked.json()["errorCode"] == "KYVS_CHALLENGE_REQUIRED"
    solved = {**client, "Kyvs-Challenge": solve_challenge(asked.json()["challenge"])}
    retried = world.post(
        "/api/v2/auth/public/generateOTP", json={"mobile": "9510000099"}, headers=solved
    )
    assert retried.status_code == 200, retried.text


def test_one_client_checks_only_so_many_login_otps(world):
    client = {"X-Forwarded-For": "203.0.113.99"}
    codes = []
    for n in range(7):  # 3 wrong OTPs lock a txn, so 7 txns for 21 checks
        body = {"mobile_number": f"95200000{n:02d}"}
        txn = world.post("/api/v1/citizen/login", json=body, headers=client).json()["txn_id"]
        confirm = f"/api/v1/citizen/login/{txn}/confirm"
        codes += [
            world.post(confirm, json={"otp": "000000"}, headers=client).status_code
            for _ in range(3)
        ]
    # Every third check locks its txn; the 21st check is one too many for the client.
    assert codes == [400, 400, 429] * 7
    other = world.post(
        "/api/v1/citizen/login", json={"mobile_number": "9520000099"}, headers=client
    ).json()["txn_id"]
    refused = world.post(
        f"/api/v1/citizen/login/{other}/confirm", json={"otp": "000000"}, headers=client
    )
    assert (refused.status_code, refused.json()["type"]) == (429, PROBLEMS + "too-many-checks")
    elsewhere = world.post(
        f"/api/v1/citizen/login/{other}/confirm",
        json={"otp": "000000"},
        headers={"X-Forwarded-For": "203.0.113.100"},
    )
    assert elsewhere.status_code == 400  # another client's check is only a wrong OTP
