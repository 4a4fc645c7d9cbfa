"""Prometheus metrics: requests under their route templates, OTP, SMS and rate-limit counters,
the `/metrics` exposition, and workers adding up through `PROMETHEUS_MULTIPROC_DIR`."""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import ASGIApp

from kyvs.adapters.dispatch import TaskDispatcher
from kyvs.adapters.logging import RedactFilter
from kyvs.adapters.metrics import (
    MULTIPROC_ENV,
    MeteredSms,
    PrometheusMetrics,
    multiprocess_directory,
)
from kyvs.adapters.sms.memory import MemorySms
from kyvs.domain.errors import InvalidOtp, OtpExpired, RateLimited, TooManyAttempts
from kyvs.domain.mobile import MobileNumber
from kyvs.ports import AuditEntry, SmsMessage, SmsNotDelivered
from kyvs.settings import Settings
from kyvs.web.app import create_app
from kyvs.web.audit import AuditQueue
from kyvs.web.edge import Edge
from tests.factories.people import fully_vaccinated
from tests.factories.providers import a_provider
from tests.factories.verification import A_CLIENT, VerifierWorld, build_verifier
from tests.unit.web.edges import an_edge

pytestmark = pytest.mark.anyio

MOBILE = "9876543210"
YATRA = a_provider()


def sample(metrics: PrometheusMetrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def app_with(metrics: PrometheusMetrics) -> Edge:
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def item(item_id: str) -> dict[str, str]:
        return {"id": item_id}

    return an_edge(app, metrics=metrics)


async def call(app: ASGIApp, method: str, path: str, **kwargs: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kyvs.test") as client:
        return await client.request(method, path, headers=kwargs)


# --- HTTP requests ---------------------------------------------------------------------------


async def test_a_request_is_counted_under_its_route_template_never_its_path():
    metrics = PrometheusMetrics()
    app = app_with(metrics)
    assert (await call(app, "GET", f"/items/{MOBILE}")).status_code == 200
    assert (await call(app, "GET", "/no/such/page")).status_code == 404

    labels = {"method": "GET", "route": "/items/{item_id}", "status": "200"}
    assert sample(metrics, "kyvs_http_requests_total", **labels) == 1
    assert sample(metrics, "kyvs_http_request_seconds_count", route="/items/{item_id}") == 1
    unmatched = {"method": "GET", "route": "(unmatched)", "status": "404"}
    assert sample(metrics, "kyvs_http_requests_total", **unmatched) == 1
    assert MOBILE not in metrics.exposition()[0].decode()


async def test_an_invented_method_is_counted_as_other():
    metrics = PrometheusMetrics()
    answer = await call(app_with(metrics), "BREW", "/items/1")
    labels = {"method": "OTHER", "route": "/items/{item_id}", "status": str(answer.status_code)}
    assert sample(metrics, "kyvs_http_requests_total", **labels) == 1


# --- SMS -------------------------------------------------------------------------------------


def a_message(category: str = "citizen-login-otp") -> SmsMessage:
    return SmsMessage(MobileNumber(MOBILE), "123456 is your OTP.", category, "en")


async def test_metered_sms_counts_otps_by_kind_and_failures_and_raises_them_again():
    metrics = PrometheusMetrics()
    inner = MemorySms(fail_times=1)
    sms = MeteredSms(inner, metrics)
    with pytest.raises(SmsNotDelivered):
        await sms.send(a_message())
    await sms.send(a_message())
    assert sample(metrics, "kyvs_sms_failures_total") == 1
    assert sample(metrics, "kyvs_otps_sent_total", kind="citizen-login-otp") == 1
    assert len(inner.messages) == 1


# --- the verification engine -----------------------------------------------------------------


@pytest.fixture
def metrics() -> PrometheusMetrics:
    return PrometheusMetrics()


@pytest.fixture
def world(metrics) -> VerifierWorld:
    return build_verifier(fully_vaccinated(name="Asha Patel", mobile=MOBILE), metrics=metrics)


async def started(world: VerifierWorld, provider=YATRA) -> str:
    begun = await world.verifier.start(
        provider=provider, full_name="Asha Patel", mobile=MOBILE, purpose="travel", language="en"
    )
    await world.dispatcher.run_all()
    return begun.txn_id


async def confirm(world: VerifierWorld, txn_id: str, digest: str) -> dict[str, Any]:
    return await world.verifier.confirm(
        provider=YATRA, txn_id=txn_id, otp_digest=digest, channel="api"
    )


async def test_a_wrong_otp_then_the_right_one_are_counted(world, metrics):
    txn_id = await started(world)
    with pytest.raises(InvalidOtp):
        await confirm(world, txn_id, "0" * 64)
    await confirm(world, txn_id, world.digest_sent_to(MOBILE))
    assert sample(metrics, "kyvs_otp_failures_total", reason="wrong") == 1
    assert sample(metrics, "kyvs_verifications_confirmed_total") == 1


async def test_an_expired_otp_is_counted(world, metrics):
    txn_id = await started(world)
    world.later(world.policy.lifetime_s + 1)
    with pytest.raises(OtpExpired):
        await confirm(world, txn_id, world.digest_sent_to(MOBILE))
    assert sample(metrics, "kyvs_otp_failures_total", reason="expired") == 1
    assert sample(metrics, "kyvs_verifications_confirmed_total") == 0


async def test_a_locked_txn_is_counted_each_time_it_refuses(world, metrics):
    txn_id = await started(world)
    attempts = world.policy.max_attempts
    for _ in range(attempts - 1):
        with pytest.raises(InvalidOtp):
            await confirm(world, txn_id, "0" * 64)
    with pytest.raises(TooManyAttempts):  # the wrong OTP that locks it
        await confirm(world, txn_id, "0" * 64)
    with pytest.raises(TooManyAttempts):  # even the right one, on the locked txn
        await confirm(world, txn_id, world.digest_sent_to(MOBILE))
    assert sample(metrics, "kyvs_otp_failures_total", reason="wrong") == attempts - 1
    assert sample(metrics, "kyvs_otp_failures_total", reason="locked") == 2


async def test_limit_hits_are_counted_by_limit(world, metrics):
    slow = a_provider(rate_limit="1/min")
    txn_id = await started(world, slow)
    with pytest.raises(RateLimited):
        await started(world, slow)
    with pytest.raises(RateLimited):
        await world.verifier.resend(provider=slow, txn_id=txn_id)
    assert sample(metrics, "kyvs_rate_limit_hits_total", limit="rate-limited") == 1
    assert sample(metrics, "kyvs_rate_limit_hits_total", limit="resend-too-soon") == 1


# --- /metrics --------------------------------------------------------------------------------


@pytest.fixture
def app() -> FastAPI:
    return create_app(Settings(database_url="sqlite:///:memory:", demo=True))


async def test_metrics_are_served_as_prometheus_text_and_left_out_of_the_openapi(app):
    await call(app, "GET", "/healthz")
    answer = await call(app, "GET", "/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert 'kyvs_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in answer.text
    assert "kyvs_otps_sent_total" in answer.text
    assert "/metrics" not in app.openapi()["paths"]


async def test_a_scraper_may_ask_for_openmetrics(app):
    answer = await call(app, "GET", "/metrics", accept="application/openmetrics-text")
    assert answer.headers["content-type"].startswith("application/openmetrics-text")
    assert answer.text.rstrip().endswith("# EOF")


# --- several workers -------------------------------------------------------------------------

WORKER = """
from kyvs.adapters.metrics import PrometheusMetrics
PrometheusMetrics().otp_sent("verification-otp")
"""


def test_workers_add_up_through_the_multiprocess_folder(tmp_path, monkeypatch):
    env = {**os.environ, MULTIPROC_ENV: str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", WORKER], env=env, check=True)
    monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path))
    text = PrometheusMetrics().exposition()[0].decode()
    assert 'kyvs_otps_sent_total{kind="verification-otp"} 2.0' in text


def test_several_workers_get_a_folder_of_their_own_for_the_run(monkeypatch):
    monkeypatch.delenv(MULTIPROC_ENV, raising=False)
    with multiprocess_directory(1) as none:
        assert none is None
    with multiprocess_directory(2) as made:
        assert made is not None
        assert made.is_dir()
        assert os.environ[MULTIPROC_ENV] == str(made)
    assert not made.exists()
    assert MULTIPROC_ENV not in os.environ


def test_a_configured_folder_is_emptied_of_an_earlier_run(tmp_path, monkeypatch):
    stale = tmp_path / "counter_123.db"
    stale.write_bytes(b"old")
    monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path))
    with multiprocess_directory(4) as folder:
        assert folder == Path(tmp_path)
        assert not stale.exists()


async def test_wrong_citizen_login_otps_and_resends_are_counted_like_verifications(world, metrics):
    """Regression: guessing a citizen login's OTP, or hammering its resend, went unseen."""
    login = world.login
    begun = await login.start(mobile=MOBILE, language="en", client=A_CLIENT)
    await world.dispatcher.run_all()
    for _ in range(world.policy.max_attempts - 1):
        with pytest.raises(InvalidOtp):
            await login.confirm(txn_id=begun.txn_id, otp_digest="0" * 64, client=A_CLIENT)
    with pytest.raises(TooManyAttempts):
        await login.confirm(txn_id=begun.txn_id, otp_digest="0" * 64, client=A_CLIENT)
    assert sample(metrics, "kyvs_otp_failures_total", reason="wrong") == 2
    assert sample(metrics, "kyvs_otp_failures_total", reason="locked") == 1
    again = await login.start(mobile=MOBILE, language="en", client=A_CLIENT)
    with pytest.raises(RateLimited):
        await login.resend(again.txn_id, A_CLIENT)
    assert sample(metrics, "kyvs_rate_limit_hits_total", limit="resend-too-soon") == 1


# --- background work -------------------------------------------------------------------------


class FailingTrail:
    async def write(self, entries: Sequence[AuditEntry]) -> None:
        raise ConnectionError("database gone while writing for 9876543210")


def listening(logger: logging.Logger, handler: logging.Handler) -> None:
    """Attach `handler`, with the logger on whatever an earlier test's logging set-up did (a
    `dictConfig` disables the loggers it does not name: import-linter's run does)."""
    logger.disabled = False
    logger.addHandler(handler)


def redacting_handler() -> tuple[logging.Handler, list[str]]:
    """A handler like the server's: the redaction filter, then the formatted line."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Collect()
    handler.addFilter(RedactFilter())
    return handler, lines


async def test_a_failed_background_job_logs_its_redacted_traceback_and_is_counted():
    metrics = PrometheusMetrics()
    dispatcher = TaskDispatcher(metrics)
    handler, lines = redacting_handler()
    listening(logging.getLogger("kyvs.dispatch"), handler)

    async def send_sms() -> None:
        raise RuntimeError("carrier refused OTP 482913 for 9876543210")

    try:
        dispatcher.submit(send_sms)
        await dispatcher.drain()
    finally:
        logging.getLogger("kyvs.dispatch").removeHandler(handler)
    assert sample(metrics, "kyvs_background_failures_total", job="dispatch") == 1
    logged = "\n".join(lines)
    assert "Traceback" in logged and "RuntimeError" in logged and "send_sms" in logged
    assert "482913" not in logged and "9876543210" not in logged
    assert "kyvs_background_failures_total" in metrics.exposition()[0].decode()


async def test_a_failed_audit_flush_logs_its_traceback_and_is_counted():
    metrics = PrometheusMetrics()
    queue = AuditQueue(FailingTrail(), metrics)
    handler, lines = redacting_handler()
    listening(logging.getLogger("kyvs.audit"), handler)
    at = dt.datetime(2026, 12, 6, tzinfo=dt.UTC)
    queue.put(AuditEntry(at, "req-1", "GET", "/healthz", 200, None, 1))
    try:
        await queue.flush()
    finally:
        logging.getLogger("kyvs.audit").removeHandler(handler)
    assert sample(metrics, "kyvs_background_failures_total", job="audit") == 1
    assert queue.dropped == 1
    logged = "\n".join(lines)
    assert "Traceback" in logged and "ConnectionError" in logged
    assert "9876543210" not in logged
