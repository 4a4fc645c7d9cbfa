"""Nobody learns whether a person is registered by asking: a pair that matches someone and one
that matches nobody get the same status, headers, body shape (keys, value types, a random UUID4
txn id, the same `expires_at` offset) and indistinguishable latencies, through every door that
starts an OTP.

`tests/e2e/test_enumeration_timing.py` already compares the native start's latencies and key sets
(and tests the Mann-Whitney U implementation reused here); this adds the CoWIN facade, a provider
the person has blocked, and citizen login, and compares value types and offsets too.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
import sqlite3
import statistics
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from tests.e2e.abuse.conftest import ENUMERATION_PAIRS
from tests.e2e.abuse.world import PROBLEMS, World
from tests.e2e.test_enumeration_timing import mann_whitney_p

WARM_UP = 5
LIFETIME_S = 180
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
# Each door gets its own slice of the imported people (every mobile is asked once: the
# per-mobile cap would otherwise answer first).
SLICE = ENUMERATION_PAIRS + WARM_UP
Ask = Callable[[httpx.Client, bool, int], httpx.Response]


def person(door: int, i: int) -> tuple[str, str]:
    n = door * SLICE + i
    return f"Enum Person{n:03d}", f"942{n:07d}"


def nobody(door: int, i: int) -> tuple[str, str]:
    n = door * SLICE + i
    return f"Unknown Person{n:03d}", f"943{n:07d}"


def shape(answer: httpx.Response) -> tuple[Any, ...]:
    """What a client could compare between two answers, beyond the random values."""
    body = answer.json()
    return (
        answer.status_code,
        answer.headers["content-type"],
        tuple(sorted(answer.headers.keys())),
        tuple(sorted((key, type(value).__name__) for key, value in body.items())),
    )


def check_values(answer: httpx.Response) -> None:
    """Every value that is not random is the same, and the random one looks the same."""
    body = answer.json()
    assert UUID4.fullmatch(body.get("txn_id") or body["txnId"])
    if "expires_at" in body:
        sent = parsedate_to_datetime(answer.headers["date"])
        offset = (dt.datetime.fromisoformat(body["expires_at"]) - sent).total_seconds()
        # `Date` has whole seconds and uvicorn refreshes it about once a second, from its main
        # loop: on a loaded machine it can lag the answer by more than a second.
        assert LIFETIME_S - 1 <= offset <= LIFETIME_S + 3, offset
        assert (body["otp_length"], body["resend_after_s"]) == (6, 30)


def compare(world: World, ask: Ask, key: str | None = None) -> dict[bool, list[httpx.Response]]:
    """Ask for matched and unmatched pairs in turn; assert same shapes and latencies."""
    headers = world.key(key) if key else {}
    hooks = {"request": [world.as_another_client]}
    # One sample, and a second only if the first's latencies differ: on a machine busy with
    # other tests, the server's work after a matched answer competes with the client reading
    # it. A real difference shows in both samples; the assertions are on the last.
    for _sample in range(2):
        timings: dict[bool, list[float]] = {True: [], False: []}
        answers: dict[bool, list[httpx.Response]] = {True: [], False: []}
        with httpx.Client(
            base_url=world.base, headers=headers, timeout=10, event_hooks=hooks
        ) as client:
            for i in range(SLICE):
                for matched in (i % 2 == 0, i % 2 == 1):  # alternate which kind goes first
                    began = time.perf_counter()
                    answer = ask(client, matched, i)
                    elapsed = time.perf_counter() - began
                    time.sleep(0.02)  # let a matched request's SMS leave before the next one
                    if i >= WARM_UP:
                        timings[matched].append(elapsed)
                        answers[matched].append(answer)
        if mann_whitney_p(timings[True], timings[False]) > 0.001:
            break
    shapes = {matched: {shape(a) for a in found} for matched, found in answers.items()}
    assert len(shapes[True]) == 1, shapes[True]
    assert shapes[True] == shapes[False]
    for answer in answers[True] + answers[False]:
        check_values(answer)
    p = mann_whitney_p(timings[True], timings[False])
    medians = statistics.median(timings[True]), statistics.median(timings[False])
    assert p > 0.001, f"latencies differ (p={p:.2g}, medians {medians})"
    assert 0.67 < medians[0] / medians[1] < 1.5, medians
    return answers


def test_the_native_start_answers_alike_down_to_value_types_and_offsets(world):
    def ask(client: httpx.Client, matched: bool, i: int) -> httpx.Response:
        name, mobile = person(0, i) if matched else nobody(0, i)
        body = {"full_name": name, "mobile_number": mobile, "purpose": "travel"}
        return client.post("/api/v1/verifications", json=body)

    answers = compare(world, ask, key="Probe")
    assert answers[True][0].status_code == 202


def test_the_cowin_generate_otp_answers_alike(world):
    def ask(client: httpx.Client, matched: bool, i: int) -> httpx.Response:
        name, mobile = person(1, i) if matched else nobody(1, i)
        body = {"mobile_number": mobile, "full_name": name}
        return client.post("/api/v3/vaccination/generateOTP", json=body)

    answers = compare(world, ask, key="Probe")
    assert set(answers[True][0].json()) == {"txnId"}
    guess = hashlib.sha256(b"123456").hexdigest()
    refused = [
        world.post(
            "/api/v3/vaccination/confirmOTP",
            "Probe",
            json={"otp": guess, "txnId": found[0].json()["txnId"]},
        )
        for found in (answers[True], answers[False])
    ]
    assert [r.status_code for r in refused] == [401, 401]
    assert (
        refused[0].json()
        == refused[1].json()
        == {"errorCode": "USRAUT0014", "error": "Invalid OTP"}
    )


def block(world: World, provider: str, names: list[str]) -> None:
    """The people named blocked `provider` (as their citizen API would record it)."""
    provider_id = world.providers[provider]["provider_id"]
    now = dt.datetime.now(dt.UTC).isoformat()
    with contextlib.closing(sqlite3.connect(world.database)) as db, db:
        db.executemany(
            "INSERT INTO blocks (beneficiary_ref, provider_id, created_at) VALUES (?, ?, ?)",
            [(world.refs[name], provider_id, now) for name in names],
        )


def test_a_provider_the_person_blocked_gets_what_an_unmatched_pair_gets(world):
    block(world, "Yatra", [person(2, i)[0] for i in range(SLICE)])

    def ask(client: httpx.Client, matched: bool, i: int) -> httpx.Response:
        name, mobile = person(2, i) if matched else nobody(2, i)
        body = {"full_name": name, "mobile_number": mobile, "purpose": "travel"}
        return client.post("/api/v1/verifications", json=body)

    answers = compare(world, ask, key="Yatra")
    # A control: a provider the person did not block asks last; once its SMS has arrived, the
    # background work of every earlier (blocked) request has run too: waiting, not sleeping.
    name, mobile = person(2, 0)
    control = {"full_name": name, "mobile_number": mobile, "purpose": "accommodation"}
    assert world.post("/api/v1/verifications", "Hotel", json=control).status_code == 202
    world.otp_after(mobile, 0)
    assert sum(world.sms_count(person(2, i)[1]) for i in range(SLICE)) == 1  # the control
    guesses = [
        world.post(
            f"/api/v1/verifications/{a.json()['txn_id']}/confirm", "Yatra", json={"otp": "123456"}
        )
        for a in (answers[True][0], answers[False][0])
    ]
    bodies = [g.json() for g in guesses]
    assert [g.status_code for g in guesses] == [400, 400]
    assert bodies[0] == bodies[1]
    assert (bodies[0]["type"], bodies[0]["attempts_left"]) == (PROBLEMS + "invalid-otp", 2)


def test_citizen_login_answers_alike_for_registered_and_unknown_mobiles(world):
    def ask(client: httpx.Client, matched: bool, i: int) -> httpx.Response:
        _, mobile = person(3, i) if matched else nobody(3, i)
        return client.post("/api/v1/citizen/login", json={"mobile_number": mobile})

    compare(world, ask)
