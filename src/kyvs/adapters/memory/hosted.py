"""Hosted sessions in a dict, for unit tests and one-process demos."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection

from kyvs.domain.hosted import HostedSession


class MemoryHostedSessionStore:
    """Sessions by id, compare-and-set on `version`."""

    def __init__(self) -> None:
        self.sessions: dict[str, HostedSession] = {}

    async def create(self, session: HostedSession) -> None:
        """Store a new session."""
        self.sessions[session.session_id] = session

    async def get(self, session_id: str) -> HostedSession | None:
        """A session by id."""
        return self.sessions.get(session_id)

    async def replace(self, session: HostedSession, *, expected_version: int) -> bool:
        """Compare-and-set."""
        stored = self.sessions.get(session.session_id)
        if stored is None or stored.version != expected_version:
            return False
        self.sessions[session.session_id] = session
        return True

    async def erase_results(self, txn_ids: Collection[str], *, at: dt.datetime) -> int:
        """Erase the results of these txns' sessions and end the sessions at `at`."""
        erased = 0
        for session in list(self.sessions.values()):
            if session.txn_id in txn_ids and session.result is not None:
                self.sessions[session.session_id] = dataclasses.replace(
                    session, result=None, expires_at=at, version=session.version + 1
                )
                erased += 1
        return erased
