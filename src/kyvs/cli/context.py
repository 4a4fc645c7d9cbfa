"""The CLI's shared container, built once per invocation from the environment."""

from __future__ import annotations

from functools import cache

from kyvs.bootstrap import Container, bootstrap


@cache
def container() -> Container:
    """The wired dependencies for this command (settings read from `KYVS_*`)."""
    return bootstrap()
