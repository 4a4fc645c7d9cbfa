"""Background work in the server's event loop: SMS sending after the response is on its way."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from kyvs.ports import BackgroundFailures

log = logging.getLogger("kyvs.dispatch")


class TaskDispatcher:
    """Runs each job as an asyncio task; keeps references so none is garbage-collected early.

    A failing job is logged with its traceback (the log handlers mask personal data in it, as
    in every line) and counted as `dispatch` in `failures`, so it shows in `/metrics`.
    """

    def __init__(self, failures: BackgroundFailures | None = None) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._failures = failures

    def submit(self, job: Callable[[], Awaitable[None]]) -> None:
        """Start `job` in the running loop; failures are logged and counted."""
        task = asyncio.get_running_loop().create_task(self._run(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, job: Callable[[], Awaitable[None]]) -> None:
        try:
            await job()
        except Exception:  # a background job must never kill the loop
            log.exception("background job failed")
            if self._failures is not None:
                self._failures.background_failed("dispatch")

    async def drain(self, timeout_s: float = 10.0) -> None:
        """Wait for running jobs (at shutdown), up to `timeout_s`."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout_s)
