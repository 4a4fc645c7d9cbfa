"""The soak's traffic: open-loop arrivals of a weighted mix of scenarios.

Arrivals come evenly spaced at a fixed rate, whatever the server's speed (an open loop:
a slow server meets the same load, and its backlog shows in the latencies and in arrivals
dropped once `MAX_IN_FLIGHT` scenarios are still running). Each arrival runs one scenario, a
few requests in a row as a real client makes them. The rate asked for is in HTTP requests per
second; arrivals come at that rate over the mean number of requests of a scenario.

Every mobile that receives an OTP is used by one scenario at a time and far below the per-mobile
caps (5 an hour): verifications take people alone on their mobile, each once; citizens log in
on other households' mobiles, or on a mobile verified earlier in the run (whose access log must
then show that verification).
"""

from __future__ import annotations

import asyncio
import functools
import random
import time
from collections.abc import Callable, Coroutine
from typing import Any

from soak_citizens import CitizenScenarios
from soak_pools import LANGUAGES, OTP_WAIT_S, RETURN_URL, UNMATCHED_NAME, sha256_hex

MAX_IN_FLIGHT = 400
DRAIN_S = 60.0  # after the last arrival, for scenarios still running (a resend waits 30 s)

# scenario: (weight, mean requests); the means set the arrival rate for a request rate.
SCENARIOS: dict[str, tuple[float, float]] = {
    "verify": (14, 3),
    "verify_cowin": (6, 3),
    "wrong_otp": (5, 4.5),
    "unmatched": (5, 3),
    "resend": (2, 5),
    "double_confirm": (2, 3),
    "lock_race": (2, 5),
    "citizen_login": (5, 4),
    "citizen_reads": (12, 3),
    "share_card": (8, 1.1),
    "healthz": (10, 1),
    "readyz": (5, 1),
    "hosted_session": (5, 2),
    "rate_limited": (3, 1),
}


def mean_requests() -> float:
    """Requests per arrival, on average over the mix."""
    total = sum(weight for weight, _ in SCENARIOS.values())
    return sum(weight * per for weight, per in SCENARIOS.values()) / total


class Mix(CitizenScenarios):
    """The scenarios, each a short sequence of requests with the checks a client would make."""

    async def run(self, name: str) -> None:
        """Run scenario `name`, counting it; an exception in it is an error."""
        self.tally.started[name] += 1
        scenario: Callable[[], Coroutine[Any, Any, None]] = getattr(self, name)
        try:
            await scenario()
        except Exception as error:  # a bug in a scenario must show, not stop the soak
            self.tally.error(f"scenario {name} raised {type(error).__name__}", repr(error))
        finally:
            self.tally.finished[name] += 1

    # --- provider verifications ------------------------------------------------------------

    async def _start(self) -> tuple[str, str, str] | None:
        """Start verifying the next person alone on a mobile: (mobile, txn id, OTP) once the
        SMS is there."""
        name, mobile = next(self.pools.alone)
        future = self.watcher.expect(mobile)
        body = {"full_name": name, "mobile_number": mobile, "purpose": "travel"}
        body["language"] = self.rng.choice(LANGUAGES)
        answer = await self.api.call(
            "verify.start", "POST", "/api/v1/verifications", expect={202: None},
            json=body, headers=self._key(),
        )  # fmt: skip
        if answer is None:
            self.watcher.forget(mobile)
            return None
        txn = answer.json()["txn_id"]
        otp = await self._otp(future, mobile, "a verification")
        if otp is None:
            return None
        self.tally.reached.add(txn)
        return mobile, txn, otp

    async def _confirm(self, txn: str, otp: str, kind: str = "verify.confirm") -> bool:
        answer = await self.api.call(
            kind, "POST", f"/api/v1/verifications/{txn}/confirm", expect={200: None},
            json={"otp": otp}, headers=self._key(),
        )  # fmt: skip
        if answer is None:
            self.tally.lost.add(txn)
            return False
        body = answer.json()
        if "vaccination_status" not in body or not body.get("attestation"):
            self.tally.error("confirm without a status or attestation", str(body)[:200])
        self.tally.confirmed.add(txn)
        return True

    async def _wrong(
        self,
        txn: str,
        otp: str,
        status: int | None,
        slug: str | None,
        kind: str = "verify.confirm_wrong",
    ) -> dict[str, Any] | None:
        """A wrong OTP, answered `status` with problem `slug` (None: a wrong OTP's 400 or the
        429 of a locked txn)."""
        wrong = f"{(int(otp) + 1) % 10**6:06d}"
        expect: dict[int, str | None] = (
            {400: "invalid-otp", 429: "too-many-attempts"} if status is None else {status: slug}
        )
        answer = await self.api.call(
            kind, "POST", f"/api/v1/verifications/{txn}/confirm",
            expect=expect, json={"otp": wrong}, headers=self._key(),
        )  # fmt: skip
        return None if answer is None else dict(answer.json())

    async def _state(self, txn: str, want: str) -> None:
        answer = await self.api.call(
            "verify.state", "GET", f"/api/v1/verifications/{txn}", expect={200: None},
            headers=self._key(),
        )  # fmt: skip
        if answer is not None and answer.json().get("state") != want:
            self.tally.error(f"state is not {want}", answer.text)

    async def verify(self) -> None:
        """Start, read the OTP, confirm; the txn is then `verified`."""
        started = await self._start()
        if started and await self._confirm(*started[1:]):
            await self._state(started[1], "verified")
            self.pools.verified.append(started[0])

    async def verify_cowin(self) -> None:
        """The CoWIN KYC-VS facade: generateOTP, confirmOTP with sha256(OTP), status."""
        name, mobile = next(self.pools.alone)
        future = self.watcher.expect(mobile)
        answer = await self.api.call(
            "cowin.generateOTP", "POST", "/api/v3/vaccination/generateOTP", expect={200: None},
            json={"mobile_number": mobile, "full_name": name}, headers=self._key(),
        )  # fmt: skip
        if answer is None:
            self.watcher.forget(mobile)
            return
        txn = answer.json()["txnId"]
        otp = await self._otp(future, mobile, "a CoWIN verification")
        if otp is None:
            return
        self.tally.reached.add(txn)
        answer = await self.api.call(
            "cowin.confirmOTP", "POST", "/api/v3/vaccination/confirmOTP", expect={200: None},
            json={"otp": sha256_hex(otp), "txnId": txn}, headers=self._key(),
        )  # fmt: skip
        if answer is None:
            self.tally.lost.add(txn)
            return
        self.tally.confirmed.add(txn)
        bearer = {"Authorization": f"Bearer {answer.json()['token']}"}
        answer = await self.api.call(
            "cowin.status", "GET", "/api/v3/vaccination/status", expect={200: None},
            headers=bearer,
        )  # fmt: skip
        if answer is not None and "vaccination_status" not in answer.json():
            self.tally.error("CoWIN status without vaccination_status", answer.text)

    async def wrong_otp(self) -> None:
        """A wrong OTP first; then the right one, or two more wrong ones (locked)."""
        started = await self._start()
        if started is None:
            return
        _mobile, txn, otp = started
        first = await self._wrong(txn, otp, 400, "invalid-otp")
        if first is None:
            return
        if first.get("attempts_left") != 2:
            self.tally.error("a first wrong OTP does not leave 2 attempts", str(first))
        if self.rng.random() < 0.5:
            if await self._confirm(txn, otp):
                await self._state(txn, "verified")
            return
        if await self._wrong(txn, otp, 400, "invalid-otp") is None:
            return
        if await self._wrong(txn, otp, 429, "too-many-attempts") is None:
            return
        self.tally.locked.add(txn)
        await self._state(txn, "locked")

    async def double_confirm(self) -> None:
        """The right OTP sent twice at once (a double click): one 200, one 409, one entry."""
        started = await self._start()
        if started is None:
            return
        _mobile, txn, otp = started
        url, body = f"/api/v1/verifications/{txn}/confirm", {"otp": otp}
        expect: dict[int, str | None] = {200: None, 409: "txn-already-used"}
        once = functools.partial(
            self.api.call, "verify.confirm_twice", "POST", url, expect=expect, json=body
        )
        answers = await asyncio.gather(once(headers=self._key()), once(headers=self._key()))
        if any(answer is None for answer in answers):
            self.tally.lost.add(txn)
            return
        codes = sorted(answer.status_code for answer in answers if answer is not None)
        if codes != [200, 409]:
            self.tally.error("a double confirmation did not give one 200 and one 409", str(codes))
        if 200 in codes:
            self.tally.confirmed.add(txn)

    async def lock_race(self) -> None:
        """Four wrong OTPs at once: two 400, then locked (429) for the rest; one locked entry."""
        started = await self._start()
        if started is None:
            return
        _mobile, txn, otp = started
        answers = await asyncio.gather(
            *(self._wrong(txn, otp, None, None, kind="verify.confirm_burst") for _ in range(4))
        )
        if any(answer is None for answer in answers):
            return
        slugs = sorted(str(a.get("type", "")).rsplit("/", 1)[-1] for a in answers if a)
        if slugs != ["invalid-otp", "invalid-otp", "too-many-attempts", "too-many-attempts"]:
            self.tally.error("four wrong OTPs at once did not lock after three", str(slugs))
        self.tally.locked.add(txn)
        await self._state(txn, "locked")

    async def unmatched(self) -> None:
        """A pair that matches nobody: 202 all the same, then any OTP fails like a wrong one."""
        if self.rng.random() < 0.5:
            mobile = next(self.pools.unregistered)
        else:
            _, mobile = next(self.pools.alone)
        body = {"full_name": UNMATCHED_NAME, "mobile_number": mobile, "purpose": "travel"}
        answer = await self.api.call(
            "verify.start", "POST", "/api/v1/verifications", expect={202: None},
            json=body, headers=self._key(),
        )  # fmt: skip
        if answer is None:
            return
        txn = answer.json()["txn_id"]
        self.tally.unmatched.add(txn)
        if await self._wrong(txn, "123455", 400, "invalid-otp") is not None:
            await self._state(txn, "pending")

    async def resend(self) -> None:
        """A resend too soon (429), then one after the cooldown: the old OTP no longer works,
        the new one does. Near the end of the run only the early resend is tried."""
        started = await self._start()
        if started is None:
            return
        mobile, txn, otp = started
        early = await self.api.call(
            "verify.resend", "POST", f"/api/v1/verifications/{txn}/resend",
            expect={429: "resend-too-soon"}, headers=self._key(),
        )  # fmt: skip
        if early is None:
            return
        wait = float(early.headers.get("Retry-After", "30")) + 0.5
        if time.monotonic() + wait + OTP_WAIT_S > self.ends_at + DRAIN_S / 2:
            await self._confirm(txn, otp)
            return
        await asyncio.sleep(wait)
        future = self.watcher.expect(mobile)
        answer = await self.api.call(
            "verify.resend", "POST", f"/api/v1/verifications/{txn}/resend", expect={202: None},
            headers=self._key(),
        )  # fmt: skip
        if answer is None:
            self.watcher.forget(mobile)
            return
        fresh = await self._otp(future, mobile, "a resend")
        if fresh is None:
            return
        if fresh != otp:
            old = await self.api.call(
                "verify.confirm_old", "POST", f"/api/v1/verifications/{txn}/confirm",
                expect={400: "invalid-otp"}, json={"otp": otp}, headers=self._key(),
            )  # fmt: skip
            if old is None:
                return
        await self._confirm(txn, fresh)

    async def rate_limited(self) -> None:
        """A provider with a small rate limit: some of its starts are refused with 429."""
        body = {"full_name": UNMATCHED_NAME, "mobile_number": next(self.pools.unregistered)}
        await self.api.call(
            "verify.start_tight", "POST", "/api/v1/verifications",
            expect={202: None, 429: "rate-limited"},
            json=body | {"purpose": "travel"}, headers=self._key(self.keys.tight),
        )  # fmt: skip

    async def hosted_session(self) -> None:
        """Open a hosted check for a website, then read its state."""
        body = {"return_url": RETURN_URL, "purpose": "travel"}
        answer = await self.api.call(
            "hosted.create", "POST", "/api/v1/hosted-sessions", expect={201: None},
            json=body | {"language": self.rng.choice(LANGUAGES)}, headers=self._key(),
        )  # fmt: skip
        if answer is None:
            return
        session = answer.json()["session_id"]
        answer = await self.api.call(
            "hosted.state", "GET", f"/api/v1/hosted-sessions/{session}", expect={200: None},
            headers=self._key(),
        )  # fmt: skip
        if answer is not None and answer.json().get("step") != "details":
            self.tally.error("a new hosted session is not at the details step", answer.text)

    async def healthz(self) -> None:
        await self.api.call("healthz", "GET", "/healthz", expect={200: None})

    async def readyz(self) -> None:
        await self.api.call("readyz", "GET", "/readyz", expect={200: None})

    async def prime(self) -> None:
        """Every scenario once, then a link with both cards in every language, before the
        timed run: on a connection of its own, so that several of them reach every worker
        and each loads what it loads lazily (fonts, layouts) before memory is measured."""
        self.ends_at = time.monotonic()  # the short way through `resend`
        for name in SCENARIOS:
            await self.run(name)
        for language in LANGUAGES:
            link = await self._new_link(language)
            if link is not None:
                await self._card(f"/s/{link}/card.png?size=wide")


async def arrivals(mix: Mix, *, rate: float, seconds: float, seed: int) -> None:
    """Start scenarios at `rate` requests/s (evenly spaced) for `seconds`, then wait up to
    `DRAIN_S` for the ones still running; a scenario cut off there is an error."""
    rng = random.Random(seed)
    names = list(SCENARIOS)
    weights = [SCENARIOS[name][0] for name in names]
    gap = mean_requests() / rate
    running: set[asyncio.Task[None]] = set()
    begin = time.monotonic()
    mix.tally.window = (begin, begin + seconds)
    mix.ends_at = begin + seconds
    at = 0.0
    while at < seconds:
        await asyncio.sleep(max(0.0, begin + at - time.monotonic()))
        mix.tally.lags_s.append(time.monotonic() - begin - at)
        if len(running) >= MAX_IN_FLIGHT:
            mix.tally.dropped += 1
        else:
            task = asyncio.create_task(mix.run(rng.choices(names, weights)[0]))
            running.add(task)
            task.add_done_callback(running.discard)
        at += gap
    if running:
        _, unfinished = await asyncio.wait(set(running), timeout=DRAIN_S)
        for task in unfinished:
            task.cancel()
            mix.tally.error("scenario unfinished after the drain", task.get_name())
