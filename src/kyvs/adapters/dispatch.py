"""Background work in the server's event loop: SMS sending after the response is on its way."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("kyvs.dispatch")


class TaskDispatcher:
    """Runs each job as an asyncio task; keeps references so none is garbage-collected early."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def submit(self, job: Callable[[], Awaitable[None]]) -> None:
        """Start `job` in the running loop; failures are logged (without personal data)."""
        task = asyncio.get_running_loop().create_task(self._run(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _run(job: Callable[[], Awaitable[None]]) -> None:
        try:
            await job()
        except Exception as error:  # a background job must never kill the loop
            log.warning("background job failed: %s", type(error).__name__)

    async def drain(self, timeout_s: float = 10.0) -> None:
        """Wait for running jobs (at shutdown), up to `timeout_s`."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout_s)
