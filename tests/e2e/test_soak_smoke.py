"""`bench/soak.py` in miniature: a few seconds of the whole mix at a low rate, every check met.

The figures come from `make soak` (10 minutes); this keeps the soak runnable and its checks
honest: no error, each confirmed verification in the access log exactly once, flat memory,
the rate held, a clean server log, a complete audit and no stale rate-limit counters.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKS = {
    "zero errors",
    "access log exactly once",
    "memory flat",
    "rate held",
    "server log clean",
    "audit complete",
    "counters purged",
}


@pytest.mark.slow
def test_a_short_soak_passes_every_check(tmp_path):
    args = ["--seconds", "4", "--rate", "20", "--people", "1000", "--results", str(tmp_path)]
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "soak.py"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    result = json.loads((tmp_path / "soak-sqlite-1w.json").read_text())
    assert {c["name"] for c in result["checks"] if c["passed"]} == CHECKS
    tally = result["tally"]
    assert set(tally["scenarios_started"]) == set(result["mix"])  # every scenario ran
    assert result["access_log"]["confirmed_by_client"] > 0
    assert result["access_log"]["locked_by_client"] > 0
    assert tally["expected_refusals"]  # wrong OTPs and early resends are counted, not errors
    assert "| check | result | detail |" in (tmp_path / "summary.md").read_text()
    for check in CHECKS:
        assert f"PASS  {check}:" in done.stdout
