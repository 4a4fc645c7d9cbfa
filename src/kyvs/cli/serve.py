"""`kyvs serve`: the HTTP server (uvicorn), one or more worker processes.

Logs are JSON lines (or text for a terminal) with request ids and personal data masked; with
several workers, metrics are shared through `PROMETHEUS_MULTIPROC_DIR`. Slow clients are bounded:
request headers by `KYVS_HEADER_TIMEOUT_S` (the protocol), bodies by `KYVS_BODY_TIMEOUT_S` (the
application), idle keep-alive connections by uvicorn's 5 seconds.
"""

from __future__ import annotations

import os
from enum import StrEnum
from typing import Annotated

import typer
import uvicorn
from rich.markup import escape

from kyvs.bootstrap import metrics_directory, server_log_config
from kyvs.cli import demo
from kyvs.cli.context import container
from kyvs.cli.output import errors, fail, reports_errors
from kyvs.web.public_urls import WILDCARD_BINDS, public_base_url
from kyvs.web.slow_headers import HEADER_TIMEOUT_ENV, HttpProtocol


class LogFormat(StrEnum):
    """How the server writes its logs."""

    JSON = "json"  # one object per line, for a log collector
    TEXT = "text"  # for a developer's terminal


@reports_errors
def serve(
    host: Annotated[str | None, typer.Option(help="Default: KYVS_HOST or 127.0.0.1.")] = None,
    port: Annotated[int | None, typer.Option(help="Default: KYVS_PORT or 8000.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    show_demo: Annotated[
        bool, typer.Option("--demo-banner", help="Print the demo banner.")
    ] = False,
    log_format: Annotated[
        LogFormat, typer.Option(help="json: one object per line; text: for a terminal.")
    ] = LogFormat.JSON,
) -> None:
    """Serve the API and pages until interrupted (Ctrl+C)."""
    wired = container()
    settings = wired.settings
    try:
        wired.check_sms_settings()
    except ValueError as error:
        fail("sms-settings-invalid", "The SMS settings are not usable", str(error), json_mode=False)
    if settings.sms_gateways and settings.sms_templates is None:
        errors.print(
            "[yellow]Warning:[/] SMS go to a gateway under the packaged example templates, whose "
            "DLT ids are placeholders: Indian carriers will drop them. Register your own and set "
            "KYVS_SMS_TEMPLATES (README, SMS in India).",
            highlight=False,
        )
    for problem in wired.notice_problems:
        errors.print(
            f"[yellow]Warning:[/] {escape(problem)}: change the notice's words "
            "(src/kyvs/rules/notice.toml) and publish a new version (README, Notice).",
            highlight=False,
        )
    bind_host, bind_port = host or settings.host, port or settings.port
    if settings.public_base_url is None:
        # Links are built from the public base URL (kyvs.web.public_urls); without one, from the
        # bound address, which only names the server when it is a real address.
        if bind_host in WILDCARD_BINDS and not settings.demo:
            fail(
                "public-base-url-required",
                "No public base URL",
                f"Serving on {bind_host or 'every address'} needs KYVS_PUBLIC_BASE_URL, the "
                "address people reach kyvs at (e.g. https://kyvs.example.gov.in): share links, "
                "card QR codes and hosted-session URLs start with it.",
                json_mode=False,
            )
        # The workers read their settings from the environment: they build links for this bind.
        os.environ["KYVS_HOST"], os.environ["KYVS_PORT"] = bind_host, str(bind_port)
    if show_demo:
        demo.banner(
            public_base_url(settings.model_copy(update={"host": bind_host, "port": bind_port}))
        )
    # Worker processes build their protocols from the environment (a `.env` value travels too).
    os.environ[HEADER_TIMEOUT_ENV] = str(settings.header_timeout_s)
    with metrics_directory(workers):
        uvicorn.run(
            "kyvs.web.app:app_from_environment",
            factory=True,
            host=bind_host,
            port=bind_port,
            workers=workers,
            http=HttpProtocol,  # uvicorn's own, with a deadline for request headers
            ws="none",  # kyvs serves no WebSocket: nothing to upgrade to
            proxy_headers=settings.forwarded_allow_ips is not None,
            forwarded_allow_ips=settings.forwarded_allow_ips,
            log_level="info",
            access_log=False,  # the request log is written by kyvs.web.edge
            log_config=server_log_config(log_format.value),
        )
