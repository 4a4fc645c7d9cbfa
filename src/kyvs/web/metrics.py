"""`/metrics`: Prometheus exposition of the process's (or every worker's) metrics.

Left out of the OpenAPI document: it is for the operator's scraper, not for providers. It holds
no personal data, but traffic volumes are nobody else's business: keep it off the public edge.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response

from kyvs.web.deps import container

router = APIRouter(include_in_schema=False)


@router.get("/metrics")
def metrics(request: Request, accept: Annotated[str | None, Header()] = None) -> Response:
    """The metrics as Prometheus text (or OpenMetrics, when the scraper asks for it)."""
    # A plain `def`: reading every worker's files is blocking I/O, so it runs in the threadpool.
    body, content_type = container(request).metrics.exposition(accept)
    return Response(body, media_type=content_type)
