"""`create_app(settings)`: the ASGI application, wired through `bootstrap`."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp

from kyvs import __version__
from kyvs.bootstrap import Container, bootstrap
from kyvs.ports import BackgroundFailures
from kyvs.settings import Settings
from kyvs.web import (
    dev_outbox,
    health,
    jwks,
    metrics,
    openapi,
    problems,
    readiness,
    sms_reports,
)
from kyvs.web.api import citizen, citizen_rights, cowin, hosted_sessions, verifications
from kyvs.web.audit import AuditQueue
from kyvs.web.edge import Edge
from kyvs.web.pages import console, hosted, landing, language, me, me_rights, notice, shared
from kyvs.web.request_limits import RequestLimits
from kyvs.web.sessions import PageSessions
from kyvs.web.trusted_hosts import TrustedHosts, trusted_host_patterns

CONSOLE_IDLE_S = 15 * 60
BODY_LIMITS = problems.problem_responses(408, 413)  # every API route may answer these
ACCESS_REPLAY_S = 60.0  # access entries a crash left in Redis are recorded within a minute
COUNTER_PURGE_S = 60.0  # expired rate-limit counters leave the database within a minute
# Workers started together purge at different moments (each wait is the interval +-10%), the
# first time one to five minutes after starting: a fleet restarted more often than the interval
# (deployments, autoscaling) still purges, and a server that lives a few seconds does not.
RETENTION_JITTER = 0.1
RETENTION_FIRST_S = (60.0, 300.0)
log = logging.getLogger("kyvs.web")  # a staff session ends after 15 idle minutes

DESCRIPTION = """
Know Your Vaccination Status: a service provider learns whether a person is vaccinated,
with the person's consent given by an OTP sent to their registered mobile, and sees only
what its scopes allow. Every error is `application/problem+json` (RFC 9457) with a stable
`type`; see each operation's responses for the types it may return.
"""


def create_app(settings: Settings | None = None, container: Container | None = None) -> FastAPI:
    """The kyvs web application for `settings` (default: from the environment)."""
    wired = container or bootstrap(settings)
    audit = AuditQueue(wired.audit_trail, wired.metrics)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Signing keys are read (and the first one created) once, before serving.
        app.state.key_ring = await asyncio.to_thread(lambda: wired.key_ring)
        background = [
            asyncio.create_task(wired.keep_keys_refreshed()),
            asyncio.create_task(audit.run()),
            asyncio.create_task(_every(ACCESS_REPLAY_S, wired.replay_access_log)),
            asyncio.create_task(_every(COUNTER_PURGE_S, wired.purge_rate_counters)),
            asyncio.create_task(
                _every(
                    wired.settings.retention_interval_s,
                    wired.purge_retention,
                    jitter=RETENTION_JITTER,
                    first_between_s=RETENTION_FIRST_S,
                    failures=(wired.metrics, "retention"),
                )
            ),
        ]
        try:
            yield
        finally:
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            await wired.aclose()

    app = _Kyvs(
        title="kyvs",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.container = wired
    app.state.audit = audit
    app.edge = functools.partial(
        Edge,
        hosts=TrustedHosts(trusted_host_patterns(wired.settings)),
        limits=RequestLimits(
            max_bytes=wired.settings.max_body_bytes, timeout_s=wired.settings.body_timeout_s
        ),
        audit=audit,
        metrics=wired.metrics,
        requests=wired.request_log,
    )
    app.add_middleware(
        PageSessions,
        secret_key=wired.secret_keys.cookies.hex(),
        session_cookie="kyvs_session",
        max_age=CONSOLE_IDLE_S,
        same_site="lax",
        https_only=not wired.settings.demo,
    )
    app.mount("/static", StaticFiles(packages=[("kyvs.web", "static")]), name="static")
    problems.install(app, wired.outages)
    openapi.install(app)
    cowin.install(app)
    health.install(app)
    app.include_router(readiness.router)
    app.include_router(metrics.router)
    app.include_router(verifications.router, responses=BODY_LIMITS)
    app.include_router(jwks.router)
    app.include_router(sms_reports.router)
    app.include_router(cowin.router, responses=BODY_LIMITS)
    app.include_router(hosted_sessions.router, responses=BODY_LIMITS)
    app.include_router(citizen.router, responses=BODY_LIMITS)
    app.include_router(citizen_rights.router, responses=BODY_LIMITS)
    app.include_router(shared.router)
    app.include_router(me.router)
    app.include_router(me_rights.router)
    app.include_router(landing.router)
    app.include_router(notice.router)
    app.include_router(language.router)
    app.include_router(console.router)
    app.include_router(hosted.router)
    if wired.settings.demo and not wired.settings.sms_gateways:
        app.include_router(dev_outbox.router)
    return app


class _Kyvs(FastAPI):
    """FastAPI with `kyvs.web.edge` around all of it: outside Starlette's outermost middleware
    too, which answers the 500s (added middleware sits inside it)."""

    edge: Callable[[ASGIApp], ASGIApp] | None = None

    def build_middleware_stack(self) -> ASGIApp:
        inner = super().build_middleware_stack()
        return self.edge(inner) if self.edge is not None else inner


async def _every(
    seconds: float,
    job: Callable[[], Awaitable[None]],
    *,
    jitter: float = 0.0,
    first_between_s: tuple[float, float] | None = None,
    failures: tuple[BackgroundFailures, str] | None = None,
) -> None:
    """Run `job` every `seconds` (give or take the `jitter` fraction) until cancelled, the first
    time at a random moment of `first_between_s` after starting when given (never later than
    `seconds`); a failure is logged, counted under `failures`' job name when given, and retried
    next time."""
    spread = random.Random()  # spreads the workers' timers (not for security)
    wait = seconds
    if first_between_s is not None:
        wait = spread.uniform(*(min(bound, seconds) for bound in first_between_s))
    while True:
        await asyncio.sleep(wait)
        try:
            await job()
        except Exception as error:  # a background job must not stop the server
            log.warning("background job failed (%s)", type(error).__name__)
            if failures is not None:
                counter, name = failures
                counter.background_failed(name)
        wait = seconds * (1 + spread.uniform(-jitter, jitter))


def app_from_environment() -> FastAPI:
    """The app factory uvicorn calls in each worker process."""
    return create_app()
