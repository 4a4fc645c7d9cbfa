"""Solving kyvs's proof-of-work challenges as a client does (ALTCHA's format)."""

from __future__ import annotations

import base64
import json

from altcha import v1


def solve_challenge(challenge: dict[str, object]) -> str:
    """The `Kyvs-Challenge` value for `challenge`: base64 of ALTCHA's JSON payload."""
    solved = v1.solve_challenge(
        str(challenge["challenge"]),
        str(challenge["salt"]),
        "SHA-256",
        int(str(challenge["maxNumber"])),
    )
    assert solved is not None, "no number solves the challenge"
    fields = {k: challenge[k] for k in ("algorithm", "challenge", "salt", "signature")}
    return base64.b64encode(json.dumps({**fields, "number": solved.number}).encode()).decode()
