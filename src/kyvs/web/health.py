"""`/healthz`: the process is alive and answering (no dependency is touched)."""

from __future__ import annotations

from typing import Literal

from fastapi import FastAPI
from pydantic import BaseModel

from kyvs import __version__


class Health(BaseModel):
    """The liveness answer."""

    status: Literal["ok"] = "ok"
    version: str = __version__


async def healthz() -> Health:
    """Answer at once; load balancers call this often, so it does no I/O."""
    return Health()


def install(app: FastAPI) -> None:
    """Serve `/healthz` among `app`'s own routes: load balancers call it often, and a route of an
    included router costs more per request (FastAPI matches the router, then its routes)."""
    app.add_api_route(
        "/healthz", healthz, tags=["operations"], summary="Liveness: the process answers"
    )
