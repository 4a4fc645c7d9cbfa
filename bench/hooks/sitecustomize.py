"""SQL statement and transaction counts of a benchmarked `kyvs serve`, without touching `src/`.

`bench/load.py` starts the server with this folder first on `PYTHONPATH` and
`KYVS_BENCH_SQL_COUNTS=<prefix>`; Python imports `sitecustomize` at start-up in every process
(uvicorn's spawned workers inherit the environment), and each then registers class-level
SQLAlchemy listeners, which fire for every engine, async engines' sync ones included, and
writes its running counts to `<prefix>.<pid>.json` every 0.5 s from a daemon thread:
`{"pid", "written_at", "statements", "commits", "rollbacks"}` (`written_at`: `time.time()`).
Without the variable it does nothing. A `sitecustomize` further down the path still runs.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import sys
import threading
import time
from pathlib import Path

PREFIX = os.environ.get("KYVS_BENCH_SQL_COUNTS")
INTERVAL_S = 0.5


def _install(prefix: str) -> None:
    from sqlalchemy import event  # noqa: PLC0415 - only when counting
    from sqlalchemy.engine import Engine  # noqa: PLC0415

    counts = {"statements": 0, "commits": 0, "rollbacks": 0}

    def statement(*_: object) -> None:
        counts["statements"] += 1  # the GIL keeps `+=` on a dict item whole enough to count

    def commit(*_: object) -> None:
        counts["commits"] += 1

    def rollback(*_: object) -> None:
        counts["rollbacks"] += 1

    event.listen(Engine, "before_cursor_execute", statement)
    event.listen(Engine, "commit", commit)
    event.listen(Engine, "rollback", rollback)

    pid = os.getpid()
    path = Path(f"{prefix}.{pid}.json")
    temporary = path.with_name(path.name + ".tmp")

    def loop() -> None:
        while True:
            with contextlib.suppress(OSError):
                data = dict(counts, pid=pid, written_at=time.time())
                temporary.write_text(json.dumps(data), encoding="utf-8")
                temporary.replace(path)  # readers never see half a file
            time.sleep(INTERVAL_S)

    threading.Thread(target=loop, name="kyvs-bench-sql-counts", daemon=True).start()


def _chain() -> None:
    """Run the next `sitecustomize` on the path, if any (this one shadows it)."""
    here = Path(__file__).resolve().parent
    for folder in sys.path:
        if not folder or Path(folder).resolve() == here:
            continue
        candidate = Path(folder) / "sitecustomize.py"
        if candidate.is_file():
            spec = importlib.util.spec_from_file_location("_next_sitecustomize", candidate)
            if spec and spec.loader:
                spec.loader.exec_module(importlib.util.module_from_spec(spec))
            return


_chain()
if PREFIX:
    _install(PREFIX)
