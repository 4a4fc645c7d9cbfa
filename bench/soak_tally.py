"""What every soak request got: counts and latencies by kind, expected refusals, errors.

A request is **ok** when its status is one the scenario expects: a success, or a refusal the
scenario provokes on purpose (a wrong OTP, a resend too soon, a rate limit), which is counted
apart under `expected` by kind, status and problem type. Anything else is an **error**: a
transport failure, a 5xx, or a status (or problem type) the scenario did not expect. Scenarios
add errors of their own (no OTP arrived, a wrong body).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from common import percentiles

EXAMPLES_KEPT = 30


@dataclass
class Tally:
    """Counters of one soak run, filled by every request and scenario."""

    # monotonic bounds of the timed arrivals (none until they start: priming is not counted)
    window: tuple[float, float] = (float("inf"), float("inf"))
    requests: Counter[str] = field(default_factory=Counter)
    in_window: int = 0
    latency_ms: dict[str, list[float]] = field(default_factory=dict)
    expected: Counter[str] = field(default_factory=Counter)  # "kind status type"
    errors: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    started: Counter[str] = field(default_factory=Counter)  # scenarios
    finished: Counter[str] = field(default_factory=Counter)
    lags_s: list[float] = field(default_factory=list)  # how late each arrival was launched
    dropped: int = 0  # arrivals refused because too many scenarios were still running
    confirmed: set[str] = field(default_factory=set)  # txns the client saw verified
    lost: set[str] = field(default_factory=set)  # confirmations whose answer never came
    locked: set[str] = field(default_factory=set)  # txns the client saw locked
    reached: set[str] = field(default_factory=set)  # txns whose OTP reached the person
    unmatched: set[str] = field(default_factory=set)  # txns of pairs that match nobody
    cards: set[str] = field(default_factory=set)  # distinct card URLs (each cached by a worker)

    def error(self, what: str, example: str = "") -> None:
        """Count one error of kind `what`; keep the first few examples."""
        self.errors[what] += 1
        if len(self.examples) < EXAMPLES_KEPT:
            self.examples.append(f"{what}: {example}"[:300])

    def request(self, kind: str, started: float) -> None:
        """Count one request of `kind` that started at `started` (monotonic)."""
        self.requests[kind] += 1
        self.latency_ms.setdefault(kind, []).append((time.monotonic() - started) * 1000)
        if self.window[0] <= started <= self.window[1]:
            self.in_window += 1

    def summary(self) -> dict[str, Any]:
        """Everything counted, JSON-ready (latencies as p50/p95/p99 per kind)."""
        by_kind = {}
        for kind in sorted(self.requests):
            p50, p95, p99 = percentiles(self.latency_ms.get(kind, []))
            by_kind[kind] = {
                "requests": self.requests[kind],
                "p50_ms": round(p50, 1),
                "p95_ms": round(p95, 1),
                "p99_ms": round(p99, 1),
            }
        lag50, lag99, lag_max = percentiles(self.lags_s, (50, 99, 100))
        return {
            "requests": sum(self.requests.values()),
            "requests_in_window": self.in_window,
            "by_kind": by_kind,
            "expected_refusals": dict(sorted(self.expected.items())),
            "errors": dict(sorted(self.errors.items())),
            "error_examples": self.examples,
            "scenarios_started": dict(sorted(self.started.items())),
            "scenarios_finished": dict(sorted(self.finished.items())),
            "arrival_lag_s": {"p50": lag50, "p99": lag99, "max": lag_max},
            "dropped_arrivals": self.dropped,
            "confirmed": len(self.confirmed),
            "lost_confirmations": len(self.lost),
            "locked": len(self.locked),
            "reached": len(self.reached),
            "unmatched": len(self.unmatched),
            "distinct_cards": len(self.cards),
        }


def problem_type(answer: httpx.Response) -> str:
    """The last part of a problem's `type`, or a CoWIN `errorCode`; '' for anything else."""
    try:
        body = answer.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    if "errorCode" in body:
        return str(body["errorCode"])
    return str(body.get("type", "")).rsplit("/", 1)[-1]


class Api:
    """An httpx client that files every answer in a `Tally`."""

    def __init__(self, client: httpx.AsyncClient, tally: Tally) -> None:
        self.client = client
        self.tally = tally

    async def call(
        self,
        kind: str,
        method: str,
        url: str,
        *,
        expect: Mapping[int, str | None],
        **options: Any,
    ) -> httpx.Response | None:
        """The answer when its status is in `expect` (and, for a refusal given a problem type,
        of that type); None, with an error counted, for anything else."""
        started = time.monotonic()
        try:
            answer = await self.client.request(method, url, **options)
        except httpx.HTTPError as error:
            self.tally.request(kind, started)
            self.tally.error(f"transport {kind} {type(error).__name__}", str(error))
            return None
        self.tally.request(kind, started)
        code = answer.status_code
        slug = problem_type(answer) if code >= 400 else ""
        if code >= 500:
            self.tally.error(f"{code} {kind} {slug}".strip(), answer.text)
            return None
        if code not in expect or (expect[code] is not None and expect[code] != slug):
            self.tally.error(f"unexpected {code} {kind} {slug}".strip(), answer.text)
            return None
        if code >= 400:
            self.tally.expected[f"{kind} {code} {slug}".strip()] += 1
        return answer
