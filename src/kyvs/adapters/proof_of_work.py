"""Proof-of-work challenges in ALTCHA's format (altcha-lib-py, version 1 challenges: SHA-256 of
salt + number, HMAC-signed), so any ALTCHA solver works; kyvs's pages ship a small one."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Literal

from altcha import v1

ALGORITHM: Literal["SHA-256"] = "SHA-256"


class AltchaProofOfWork:
    """Issues and checks challenges signed with a key of their own."""

    def __init__(self, hmac_key: bytes) -> None:
        self._key = hmac_key.hex()

    def challenge(self, *, expires_at_s: int, difficulty: int) -> dict[str, object]:
        """A fresh challenge: find n <= `difficulty` with SHA-256(salt + n) = challenge."""
        options = v1.ChallengeOptions(
            algorithm=ALGORITHM,
            max_number=difficulty,
            hmac_key=self._key,
            expires=dt.datetime.fromtimestamp(expires_at_s, dt.UTC),
        )
        made = v1.create_challenge(options)
        return dict(made.to_dict())

    def solved(self, solution: str, *, now_s: float) -> str | None:
        """The signature of the challenge `solution` solves, if it does and has not expired."""
        try:
            payload = json.loads(base64.b64decode(solution, validate=True))
        except ValueError:
            return None
        if not isinstance(payload, dict) or payload.get("algorithm") != ALGORITHM:
            return None
        expires = _expires_at_s(payload.get("salt"))
        if expires is None or expires < now_s:
            return None
        ok, _ = v1.verify_solution(solution, self._key, check_expires=False)
        return str(payload["signature"]) if ok else None


def _expires_at_s(salt: object) -> int | None:
    """The expiry a challenge's salt carries (`...?expires=<epoch>&`), or None."""
    if not isinstance(salt, str) or "expires=" not in salt:
        return None
    value = salt.split("expires=", 1)[1].split("&", 1)[0]
    return int(value) if value.isdigit() else None


def solve_challenge(challenge: dict[str, object]) -> str:
    """What a client sends back (`Kyvs-Challenge`): base64 of ALTCHA's JSON payload with the
    number found; for clients of our own (the soak, the tests) as the pages' script does."""
    solved = v1.solve_challenge(
        str(challenge["challenge"]),
        str(challenge["salt"]),
        ALGORITHM,
        int(str(challenge["maxNumber"])),
    )
    if solved is None:
        raise ValueError("no number solves the challenge")
    fields = {k: challenge[k] for k in ("algorithm", "challenge", "salt", "signature")}
    return base64.b64encode(json.dumps({**fields, "number": solved.number}).encode()).decode()
