"""`bench/run.py --quick` runs end to end and leaves its JSON files and summary table behind.

It measures nothing worth keeping (2,000 people, 2-second load runs, SQLite only): it only
keeps the benchmark runnable. Figures come from `make bench`.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = "| metric | value | baseline | ratio | target | met? |"


def test_the_quick_benchmark_writes_results_and_a_summary(tmp_path):
    results = tmp_path / "results"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--results", str(results)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:] + done.stdout[-2000:]

    imported = json.loads((results / "import_rate.json").read_text())
    assert imported["people"] == 2000
    assert imported["backends"]["sqlite"]["people_per_s"]["raw"] > 0
    lookups = json.loads((results / "lookup.json").read_text())
    assert lookups["metrics"]
    load = json.loads((results / "load.json").read_text())
    phases = load["configs"]["sqlite-1w"]["phases"]
    assert phases["healthz"]["completed"] > 0
    assert phases["verification"]["completed"] > 0, phases["verification"]["failed"]
    assert load["configs"]["sqlite-1w"]["rss"]["peak_mb_per_worker"] > 0

    summary = (results / "summary.md").read_text()
    assert COLUMNS in summary
    for metric in ("import sqlite: write_many", "lookup sqlite", "verify sqlite-1w: round trips"):
        assert metric in summary
    assert COLUMNS in done.stdout  # the table is printed too
    if importlib.util.find_spec("matplotlib") is not None:
        assert (results / "throughput_vs_workers.png").stat().st_size > 0
        assert (results / "latency_percentiles.png").stat().st_size > 0
