"""`/healthz`: the process is alive and answering (no dependency is touched)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from kyvs import __version__

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    """The liveness answer."""

    status: Literal["ok"] = "ok"
    version: str = __version__


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> Health:
    """Answer at once; load balancers call this often, so it does no I/O."""
    return Health()
