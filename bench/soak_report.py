"""The soak's verdict: each check pass or fail with its figures, as JSON and Markdown.

Checks:
- **zero errors**: no transport error, 5xx or unexpected status, no scenario error, no arrival
  dropped or cut off; expected refusals (wrong OTPs, rate limits…) are counted apart;
- **access log exactly once**: every txn the client saw confirmed has exactly one `verified`
  entry, every txn it saw locked one `locked` entry, every txn whose OTP it received one
  `requested` entry; no `verified` entry names a txn the client did not see confirmed (unless
  that answer was lost), and no entry at all a pair that matched nobody;
- **audit complete**: `api_audit` holds one row per request the server's access log shows;
- **counters purged**: no rate-limit counter in the database expired more than `STALE_S` ago
  (the server deletes them every minute; Redis expires its own);
- **memory flat**: each worker's RSS grows less than `RSS_GROWTH_LIMIT` from the end of the
  warm-up to the end of the run (medians of a stretch at each end; the slope is reported);
- **rate held**: the requests started in the timed window reach `RATE_FLOOR` of the target;
- **server log clean**: no ERROR line, traceback or 5xx in the server's log.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from common import slope, write_result
from soak_tally import Tally

RSS_GROWTH_LIMIT = 0.10
RATE_FLOOR = 0.90
MEDIAN_SPAN_S = 30.0
STALE_S = 150.0  # two purge periods (60 s) and some slack


@dataclass
class Check:
    """One line of the verdict."""

    name: str
    passed: bool
    detail: str


def errors_check(tally: Tally) -> Check:
    errors = sum(tally.errors.values()) + tally.dropped
    refused = sum(tally.expected.values())
    detail = f"{errors} errors, {tally.dropped} dropped arrivals; {refused} expected refusals"
    if tally.errors:
        detail += "; " + ", ".join(f"{k}: {v}" for k, v in tally.errors.most_common(5))
    return Check("zero errors", errors == 0, detail)


def access_check(
    tally: Tally, entries: Mapping[tuple[str, str], int]
) -> tuple[Check, dict[str, Any]]:
    """Compare the `(txn id, outcome) -> entries` of the access log with what the client saw."""
    verified = {txn: n for (txn, outcome), n in entries.items() if outcome == "verified"}
    locked = {txn: n for (txn, outcome), n in entries.items() if outcome == "locked"}
    requested = {txn: n for (txn, outcome), n in entries.items() if outcome == "requested"}
    figures = {
        "confirmed_by_client": len(tally.confirmed),
        "verified_entries": sum(verified.values()),
        "verified_txns": len(verified),
        "missing": sorted(tally.confirmed - verified.keys())[:20],
        "duplicated": sorted(t for t, n in verified.items() if n > 1)[:20],
        "unexpected": sorted(verified.keys() - tally.confirmed - tally.lost)[:20],
        "lost_confirmations": len(tally.lost),
        "verified_after_a_lost_answer": len(verified.keys() & tally.lost),
        "locked_by_client": len(tally.locked),
        "locked_entries": sum(locked.values()),
        "locked_missing": sorted(tally.locked - locked.keys())[:20],
        "locked_duplicated": sorted(t for t, n in locked.items() if n > 1)[:20],
        "reached_by_client": len(tally.reached),
        "requested_entries": sum(requested.values()),
        "requested_missing": sorted(tally.reached - requested.keys())[:20],
        "requested_duplicated": sorted(t for t, n in requested.items() if n > 1)[:20],
        "unmatched_by_client": len(tally.unmatched),
        "unmatched_logged": sorted(tally.unmatched & {t for t, _ in entries})[:20],
    }
    bad = (
        "missing",
        "duplicated",
        "unexpected",
        "locked_missing",
        "locked_duplicated",
        "requested_missing",
        "requested_duplicated",
        "unmatched_logged",
    )
    passed = not any(figures[k] for k in bad)
    detail = (
        f"{figures['confirmed_by_client']} confirmed by the client, "
        f"{figures['verified_entries']} verified entries for {figures['verified_txns']} txns; "
        f"{figures['locked_by_client']} locked, {figures['locked_entries']} locked entries; "
        f"{figures['reached_by_client']} OTPs received, {figures['requested_entries']} "
        f"requested entries; {figures['unmatched_by_client']} unmatched pairs; "
        + ", ".join(f"{k} {len(figures[k])}" for k in bad)
    )
    return Check("access log exactly once", passed, detail), figures


def memory_check(
    samples: Sequence[Mapping[str, Any]], *, warmup_s: float, end_s: float
) -> tuple[Check, dict[str, Any]]:
    """RSS per worker: the median of a stretch after the warm-up against one at the end."""
    span = max(min(MEDIAN_SPAN_S, (end_s - warmup_s) / 4), 2.0)
    workers: dict[str, Any] = {}
    for pid in sorted({s["pid"] for s in samples}):
        mine = [(s["t"], s["rss_mb"]) for s in samples if s["pid"] == pid and s["t"] >= warmup_s]
        first = [rss for t, rss in mine if t <= warmup_s + span]
        last = [rss for t, rss in mine if t >= end_s - span]
        if not first or not last:
            continue
        start, end = statistics.median(first), statistics.median(last)
        workers[str(pid)] = {
            "start_mb": round(start, 1),
            "end_mb": round(end, 1),
            "peak_mb": max(rss for _, rss in mine),
            "growth": round(end / start - 1, 4),
            "slope_mb_per_min": round(slope(mine) * 60, 3),
        }
    worst = max((w["growth"] for w in workers.values()), default=None)
    passed = worst is not None and worst < RSS_GROWTH_LIMIT
    detail = "; ".join(
        f"worker {pid}: {w['start_mb']} -> {w['end_mb']} MiB ({w['growth']:+.1%}), "
        f"slope {w['slope_mb_per_min']:+.2f} MiB/min"
        for pid, w in workers.items()
    )
    detail = (detail or "no samples") + f" (limit {RSS_GROWTH_LIMIT:.0%} after {warmup_s:g} s)"
    figures = {"warmup_s": warmup_s, "median_span_s": span, "workers": workers}
    return Check("memory flat", passed, detail), figures


def rate_check(tally: Tally, *, target: float, seconds: float) -> tuple[Check, dict[str, Any]]:
    achieved = tally.in_window / seconds
    lag = tally.summary()["arrival_lag_s"]
    figures = {
        "target_per_s": target,
        "achieved_per_s": round(achieved, 2),
        "ratio": round(achieved / target, 3),
        "arrival_lag_s": lag,
    }
    detail = (
        f"{achieved:.1f} of {target:g} requests/s ({achieved / target:.0%}); arrivals late by "
        f"p99 {lag['p99'] * 1000:.0f} ms, max {lag['max'] * 1000:.0f} ms"
    )
    return Check("rate held", achieved >= RATE_FLOOR * target, detail), figures


def log_check(path: Path) -> tuple[Check, dict[str, Any]]:
    """ERROR lines, tracebacks and 5xx answers in the server's JSON log."""
    errors = warnings = server_errors = answered = 0
    examples: list[str] = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            record = {"level": "ERROR" if "Traceback" in line else "", "message": line}
        level = record.get("level", "")
        status = record.get("status")
        bad = level in {"ERROR", "CRITICAL"} or "exception" in record
        bad = bad or (isinstance(status, int) and status >= 500)
        warnings += level == "WARNING"
        answered += isinstance(status, int) and "method" in record
        if bad:
            errors += level in {"ERROR", "CRITICAL"} or "exception" in record
            server_errors += isinstance(status, int) and status >= 500
            if len(examples) < 10:
                examples.append(str(record.get("message", ""))[:300])
    figures = {
        "errors": errors,
        "warnings": warnings,
        "5xx": server_errors,
        "answered": answered,
        "examples": examples,
    }
    detail = f"{errors} error lines, {server_errors} 5xx, {warnings} warnings"
    return Check("server log clean", errors == 0 and server_errors == 0, detail), figures


def audit_check(answered: int, audited: int) -> Check:
    """Rows in `api_audit` against requests in the server's access log."""
    detail = f"{audited} audit rows for {answered} requests answered"
    return Check("audit complete", answered > 0 and audited == answered, detail)


def counters_check(expiries: Sequence[int], *, now_s: float) -> Check:
    """Rate-limit counters in the database that expired long ago (the purge job's work)."""
    stale = sum(at < now_s - STALE_S for at in expiries)
    detail = f"{stale} of {len(expiries)} counters expired more than {STALE_S:g} s ago"
    return Check("counters purged", stale == 0, detail)


def write(
    results: Path, label: str, data: dict[str, Any], checks: Sequence[Check]
) -> tuple[Path, Path]:
    """`soak-<label>.json`, and `summary.md` over every soak JSON in `results`."""
    data = data | {"checks": [asdict(c) for c in checks], "passed": all(c.passed for c in checks)}
    path = write_result(results, f"soak-{label}", data)
    summary = results / "summary.md"
    runs = [json.loads(p.read_text()) for p in sorted(results.glob("soak-*.json"))]
    summary.write_text(markdown(runs), encoding="utf-8")
    return path, summary


def markdown(runs: Sequence[Mapping[str, Any]]) -> str:
    """The summary of soak runs: checks, rate, requests by kind, access log and memory."""
    lines = ["# kyvs soak", ""]
    for run in runs:
        tally, rate, host = run["tally"], run["rate"], run["machine"]
        lines += [
            f"## {run['label']}: {run['seconds']:g} s at {rate['target_per_s']:g} requests/s "
            f"({'PASS' if run['passed'] else 'FAIL'})",
            "",
            f"{run['people']:,} synthetic people + demo data; {run['workers']} worker(s); "
            f"{host['cpus']} CPUs, load {host['load_average_1m']} at the end, Python "
            f"{host['python']}, {host['time']}. Cores used: "
            + ", ".join(f"{k} {v:.2f}" for k, v in run["cpu_cores"].items())
            + " (db_and_redis: every PostgreSQL and Redis process on the machine).",
            "",
            "| check | result | detail |",
            "|---|---|---|",
            *(
                f"| {c['name']} | {'pass' if c['passed'] else '**FAIL**'} | {c['detail']} |"
                for c in run["checks"]
            ),
            "",
            f"{tally['requests']:,} requests ({tally['requests_in_window']:,} in the timed "
            f"window), scenarios started: "
            + ", ".join(f"{k} {v:,}" for k, v in tally["scenarios_started"].items()),
            "",
            "| request | count | p50 ms | p95 ms | p99 ms |",
            "|---|---:|---:|---:|---:|",
            *(
                f"| {kind} | {k['requests']:,} | {k['p50_ms']} | {k['p95_ms']} | {k['p99_ms']} |"
                for kind, k in tally["by_kind"].items()
            ),
            "",
            "Expected refusals: "
            + (", ".join(f"{k}: {v:,}" for k, v in tally["expected_refusals"].items()) or "none"),
            "",
            f"Distinct share cards fetched: {tally.get('distinct_cards', 'not counted')} (each "
            "worker keeps the cards it rendered in an LRU cache bounded at 64 MiB, about 50 KB "
            "a card: bounded growth that the memory check sees).",
            "",
            "Errors: " + (", ".join(f"{k}: {v:,}" for k, v in tally["errors"].items()) or "none"),
            "",
        ]
    return "\n".join(lines)
