"""Broken object-level authorisation, tried against a real server: one provider reaching for
another's verifications and hosted sessions, one citizen reaching for another household's people,
access log, share links, corrections and blocks, and tokens used where they do not belong.
Whatever is not yours answers exactly as if it did not exist (`404`, never `403`).

Already covered elsewhere, not repeated: another provider's `GET` of a txn
(`tests/e2e/test_verification_api.py`), a share link for a person on another mobile
(`tests/e2e/test_citizen_api.py`), and the service-level rules in `tests/unit/services`.
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.e2e.abuse.conftest import RETURN_URL
from tests.e2e.abuse.world import PROBLEMS, World

A_MOBILE, B_MOBILE = "9410000001", "9410000002"


def same_problem(first: httpx.Response, second: httpx.Response) -> dict:
    """Both are the same 404 problem, byte for byte but the request id."""
    assert first.status_code == second.status_code == 404
    assert first.json() == second.json()
    return first.json()


@pytest.fixture(scope="module")
def citizens(world: World) -> dict[str, dict[str, str]]:
    """Citizen A (Anil and Anita on one mobile) and citizen B (Bina), each logged in."""
    return {"A": world.citizen_login(A_MOBILE), "B": world.citizen_login(B_MOBILE)}


# --- providers ------------------------------------------------------------------------------


def test_another_providers_txn_is_exactly_an_unknown_one_and_is_left_untouched(world):
    txn = world.start("Yatra", "Anil Mehta", A_MOBILE, "travel").json()["txn_id"]
    unknown = str(uuid.uuid4())
    for method, suffix, body in (
        ("GET", "", None),
        ("POST", "/confirm", {"otp": "123456"}),
        ("POST", "/resend", None),
    ):
        answers = [
            httpx.request(
                method,
                f"{world.base}/api/v1/verifications/{target}{suffix}",
                headers=world.key("Hotel"),
                json=body,
            )
            for target in (txn, unknown)
        ]
        assert same_problem(*answers)["type"] == PROBLEMS + "txn-not-found"
    cowin = [
        world.post(
            "/api/v3/vaccination/confirmOTP", "Hotel", json={"otp": "0" * 64, "txnId": target}
        )
        for target in (txn, unknown)
    ]
    assert same_problem(*cowin)["errorCode"] == "KYVS_TXN_NOT_FOUND"
    mine = world.get(f"/api/v1/verifications/{txn}", "Yatra").json()
    assert (mine["state"], mine["attempts_left"], mine["resends_left"]) == ("pending", 3, 2)


def test_another_providers_hosted_session_is_exactly_an_unknown_one(world):
    body = {"return_url": RETURN_URL, "purpose": "travel"}
    session = world.post("/api/v1/hosted-sessions", "Yatra", json=body).json()["session_id"]
    answers = [
        world.get(f"/api/v1/hosted-sessions/{target}", "Hotel")
        for target in (session, str(uuid.uuid4()))
    ]
    assert same_problem(*answers)["type"] == PROBLEMS + "hosted-session-not-found"
    assert world.get(f"/api/v1/hosted-sessions/{session}", "Yatra").status_code == 200


def test_a_citizen_login_and_a_provider_txn_cannot_stand_in_for_each_other(world, citizens):
    login = world.post("/api/v1/citizen/login", json={"mobile_number": B_MOBILE}).json()
    as_provider = world.post(
        f"/api/v1/verifications/{login['txn_id']}/confirm", "Yatra", json={"otp": "123456"}
    )
    assert as_provider.status_code == 404
    txn = world.start("Yatra", "Bina Joshi", B_MOBILE, "travel").json()["txn_id"]
    as_citizen = world.post(f"/api/v1/citizen/login/{txn}/confirm", json={"otp": "123456"})
    assert (as_citizen.status_code, as_citizen.json()["type"]) == (404, PROBLEMS + "txn-not-found")


def test_keys_and_sessions_open_only_their_own_doors(world, citizens):
    session = citizens["A"]
    as_key = world.start_with(session["Authorization"].removeprefix("Bearer "))
    assert (as_key.status_code, as_key.json()["type"]) == (401, PROBLEMS + "invalid-api-key")
    with_key = world.get("/api/v1/citizen/beneficiaries", "Yatra")
    assert (with_key.status_code, with_key.json()["type"]) == (401, PROBLEMS + "invalid-session")


# --- citizens -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def a_records(world, citizens) -> dict[str, str]:
    """Citizen A's household leaves something in every list: a check by a provider, a share
    link, a correction and a block."""
    a = citizens["A"]
    anil, anita = world.refs["Anil Mehta"], world.refs["Anita Mehta"]
    seen = world.sms_count(A_MOBILE)
    world.start("Hotel", "Anil Mehta", A_MOBILE, "accommodation")
    world.otp_after(A_MOBILE, seen)  # the request is in Anil's access log once the SMS left
    link = world.post("/api/v1/citizen/share-links", headers=a, json={"reference_id": anil})
    correction = world.post(
        "/api/v1/citizen/corrections",
        headers=a,
        json={
            "reference_id": anil,
            "action": "add-dose",
            "vaccine": "COVAXIN",
            "date": "2022-02-01",
        },
    )
    hotel = world.providers["Hotel"]["provider_id"]
    blocked = world.post(
        "/api/v1/citizen/blocks", headers=a, json={"provider_id": hotel, "reference_id": anita}
    )
    assert (link.status_code, correction.status_code, blocked.status_code) == (201, 201, 201)
    assert world.get("/api/v1/citizen/access-log", headers=a).json()
    return {"anil": anil, "anita": anita, "link": link.json()["link_id"], "hotel": hotel}


def test_a_citizen_lists_only_their_own_household(world, citizens, a_records):
    b = citizens["B"]
    people = world.get("/api/v1/citizen/beneficiaries", headers=b).json()
    assert [p["name"] for p in people] == ["Bina Joshi"]
    for listing in ("access-log", "share-links", "corrections", "blocks"):
        answer = world.get(f"/api/v1/citizen/{listing}", headers=b)
        assert answer.status_code == 200
        refs = {entry["reference_id"] for entry in answer.json()}
        assert not refs & {a_records["anil"], a_records["anita"]}, listing


def test_a_citizen_cannot_act_on_another_households_people(world, citizens, a_records):
    b, unknown_ref = citizens["B"], "99999999999999"
    for path, body in (
        ("/api/v1/citizen/share-links", {"reference_id": "{ref}"}),
        (
            "/api/v1/citizen/corrections",
            {"reference_id": "{ref}", "action": "remove-dose", "dose_number": 1},
        ),
        ("/api/v1/citizen/blocks", {"provider_id": a_records["hotel"], "reference_id": "{ref}"}),
    ):
        answers = [
            world.post(
                path,
                headers=b,
                json={k: v.format(ref=ref) if isinstance(v, str) else v for k, v in body.items()},
            )
            for ref in (a_records["anil"], unknown_ref)
        ]
        assert same_problem(*answers)["type"] == PROBLEMS + "beneficiary-not-found", path


def test_a_citizen_cannot_lift_another_households_block_or_revoke_its_link(
    world, citizens, a_records
):
    a, b = citizens["A"], citizens["B"]
    lift = [
        httpx.delete(
            f"{world.base}/api/v1/citizen/blocks/{a_records['hotel']}",
            headers=b,
            params={"reference_id": ref},
        )
        for ref in (a_records["anita"], "99999999999999")
    ]
    same_problem(*lift)
    assert [x["reference_id"] for x in world.get("/api/v1/citizen/blocks", headers=a).json()] == [
        a_records["anita"]
    ]
    revoke = [
        httpx.delete(f"{world.base}/api/v1/citizen/share-links/{link}", headers=b)
        for link in (a_records["link"], "no-such-link")
    ]
    assert same_problem(*revoke)["type"] == PROBLEMS + "share-link-not-found"
    assert world.get(f"/s/{a_records['link']}").status_code == 200  # still live
