"""Hosted sessions in a dict, for unit tests and one-process demos."""

from __future__ import annotations

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
