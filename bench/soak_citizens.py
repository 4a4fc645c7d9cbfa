"""Citizen scenarios of the soak: logins, reads with a kept session, share links and cards."""

from __future__ import annotations

import time

import httpx

from kyvs.adapters.proof_of_work import solve_challenge
from soak_pools import LANGUAGES, NEW_LINK_SHARE, SESSION_REUSE_S, Scenarios, Session, sha256_hex


class CitizenScenarios(Scenarios):
    """What citizens do; each method is one scenario (or a step of one)."""

    async def citizen_login(self) -> None:
        """Log in (native API, or the CoWIN public login), list the people and the access log;
        on a mobile verified earlier in the run, the log must show that verification."""
        verified = bool(self.pools.verified) and self.rng.random() < 0.5
        mobile = self.pools.verified.popleft() if verified else next(self.pools.households)
        token = await self._log_in(mobile)
        if token is None:
            return
        bearer = {"Authorization": f"Bearer {token}"}
        people = await self.api.call(
            "citizen.beneficiaries", "GET", "/api/v1/citizen/beneficiaries", expect={200: None},
            headers=bearer,
        )  # fmt: skip
        log = await self.api.call(
            "citizen.access_log", "GET", "/api/v1/citizen/access-log", expect={200: None},
            headers=bearer,
        )  # fmt: skip
        if people is None or log is None:
            return
        refs = [person["reference_id"] for person in people.json()]
        if not refs:
            self.tally.error("a registered mobile logged in with nobody on it", mobile)
            return
        self.pools.sessions.append(Session(token, refs, time.monotonic()))
        ours = [e for e in log.json() if e["provider_id"] == self.keys.main_id]
        if verified and not any(e["outcome"] == "verified" for e in ours):
            self.tally.error("a verification is missing from the citizen's access log", mobile)

    async def _log_in(self, mobile: str) -> str | None:
        future = self.watcher.expect(mobile)
        cowin = self.rng.random() < 1 / 3
        if cowin:
            url, body, kind = "/api/v2/auth/public/generateOTP", {"mobile": mobile}, "cowin.login"
        else:
            url, body, kind = "/api/v1/citizen/login", {"mobile_number": mobile}, "citizen.login"
        # One citizen, one address (RFC 2544's benchmarking range), for both steps of a login.
        via = {"X-Forwarded-For": f"198.18.{self.rng.randrange(256)}.{self.rng.randrange(1, 255)}"}
        answer = await self._solving(kind, url, body, via, {200: None, 202: None})
        if answer is None:
            self.watcher.forget(mobile)
            return None
        otp = await self._otp(future, mobile, "a citizen login")
        if otp is None:
            return None
        if cowin:
            txn = answer.json()["txnId"]
            url, body = "/api/v2/auth/public/confirmOTP", {"otp": sha256_hex(otp), "txnId": txn}
        else:
            url, body = f"/api/v1/citizen/login/{answer.json()['txn_id']}/confirm", {"otp": otp}
        answer = await self._solving(f"{kind}_confirm", url, body, via, {200: None})
        return None if answer is None else str(answer.json()["token"])

    async def _solving(
        self, kind: str, url: str, body: dict[str, str], via: dict[str, str], ok: dict[int, None]
    ) -> httpx.Response | None:
        """POST as the pages do: when the server asks for a challenge (an anonymous route under
        abuse, or the wrong-OTP circuit open), solve it and send the request once more."""
        challenged = "KYVS_CHALLENGE_REQUIRED" if kind.startswith("cowin") else "challenge-required"
        answer = await self.api.call(
            kind, "POST", url, expect={**ok, 403: challenged}, json=body, headers=via
        )
        if answer is None or answer.status_code != 403:
            return answer
        solution = solve_challenge(answer.json()["challenge"])
        headers = via | {"Kyvs-Challenge": solution}
        return await self.api.call(kind, "POST", url, expect=ok, json=body, headers=headers)

    def _session(self) -> Session | None:
        fresh = [s for s in self.pools.sessions if time.monotonic() - s.since < SESSION_REUSE_S]
        return self.rng.choice(fresh) if fresh else None

    async def citizen_reads(self) -> None:
        """A logged-in citizen reads the people, the access log, and one more list."""
        session = self._session()
        if session is None:
            await self.citizen_login()
            return
        bearer = {"Authorization": f"Bearer {session.token}"}
        last = self.rng.choice(("blocks", "corrections", "share-links"))
        for what in ("beneficiaries", "access-log", last):
            answer = await self.api.call(
                f"citizen.{what.replace('-', '_')}", "GET", f"/api/v1/citizen/{what}",
                expect={200: None}, headers=bearer,
            )  # fmt: skip
            if answer is None:
                return

    async def share_card(self) -> None:
        """Mostly a card of a link made earlier; sometimes a new link, its page and its card
        (the first fetch renders it; the worker then keeps it in its bounded card cache)."""
        if self.pools.links and self.rng.random() >= NEW_LINK_SHARE:
            link = self.rng.choice(self.pools.links)
            size = self.rng.choice(("square", "wide"))
            await self._card(f"/s/{link}/card.png?size={size}")
            return
        await self._new_link(self.rng.choice(LANGUAGES))

    async def _new_link(self, language: str) -> str | None:
        session = self._session()
        if session is None:
            await self.citizen_login()
            return None
        body = {
            "reference_id": self.rng.choice(session.refs),
            "days": 30,
            "name_on_card": self.rng.choice(("full", "initials", "hidden")),
            "language": language,
        }
        answer = await self.api.call(
            "share.create", "POST", "/api/v1/citizen/share-links", expect={201: None},
            json=body, headers={"Authorization": f"Bearer {session.token}"},
        )  # fmt: skip
        if answer is None:
            return None
        link = str(answer.json()["link_id"])
        page = await self.api.call("share.page", "GET", f"/s/{link}", expect={200: None})
        if page is None or not await self._card(f"/s/{link}/card.png?size=square"):
            return None
        self.pools.links.append(link)
        return link

    async def _card(self, url: str) -> bool:
        self.tally.cards.add(url)
        answer = await self.api.call("share.card", "GET", url, expect={200: None})
        if answer is None:
            return False
        if not answer.content.startswith(b"\x89PNG"):
            self.tally.error("a share card is not a PNG", answer.headers.get("content-type", ""))
            return False
        return True
