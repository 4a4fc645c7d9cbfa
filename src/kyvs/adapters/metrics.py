"""Prometheus metrics: HTTP requests by route template, OTPs, SMS (segments, cost, failures,
gateways, delivery reports), rate-limit hits and records erased by retention.

Every label value comes from code (a route template, a slug, an SMS category), never from a
request: no mobile, name, id or OTP can reach a label, and the number of series stays bounded.
With several worker processes, set `PROMETHEUS_MULTIPROC_DIR` (`kyvs serve --workers N` makes a
temporary one when it is unset) and `/metrics` adds up every worker's counts.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from kyvs.domain.sms_encoding import sms_size
from kyvs.ports import SmsMessage, SmsReceipt, SmsSender

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Anything else a client sends as a method is one series, not one per invented verb.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class PrometheusMetrics:
    """The kyvs metrics in a registry of their own (so each app built in one process, as the
    tests do, starts from zero); `exposition()` adds the default registry's process metrics."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        # `*_created` series would double the series count for a timestamp nobody graphs.
        disable_created_metrics()  # type: ignore[no-untyped-call] # untyped upstream
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "kyvs_http_requests",
            "HTTP requests answered.",
            ["method", "route", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "kyvs_http_request_seconds", "Time to answer, by route template.", ["route"], registry=r
        )
        # The children of each (method, route, status) seen, looked up once: `labels()` costs
        # more than the counting. As bounded as the series themselves.
        self._http_series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self.otps_sent = Counter(
            "kyvs_otps_sent", "OTP SMS handed to the carrier, by kind.", ["kind"], registry=r
        )
        self.confirmed = Counter(
            "kyvs_verifications_confirmed", "Verifications confirmed by the right OTP.", registry=r
        )
        self.otp_failures = Counter(
            "kyvs_otp_failures",
            "Confirmations refused: wrong, expired or locked.",
            ["reason"],
            registry=r,
        )
        self.sms_failures = Counter(
            "kyvs_sms_failures", "SMS the carrier did not take (after retries).", registry=r
        )
        self.sms_segments = Counter(
            "kyvs_sms_segments",
            "SMS segments handed to the carrier (each is billed), by language and encoding.",
            ["language", "encoding"],
            registry=r,
        )
        self.sms_cost = Counter(
            "kyvs_sms_estimated_cost_inr",
            "Estimated SMS cost in rupees (segments times KYVS_SMS_SEGMENT_PRICE_INR), by gateway.",
            ["gateway"],
            registry=r,
        )
        self.sms_refused = Counter(
            "kyvs_sms_refused",
            "SMS kyvs refused to send (a text not matching its DLT template), by reason.",
            ["reason"],
            registry=r,
        )
        self.gateway_failures = Counter(
            "kyvs_sms_gateway_failures",
            "Sends a gateway failed (timeouts, 5xx, DLT rejections, circuit open), by gateway.",
            ["gateway"],
            registry=r,
        )
        self.gateway_handovers = Counter(
            "kyvs_sms_gateway_handovers",
            "SMS handed from a failing gateway to the next one, by the gateway that failed.",
            ["gateway"],
            registry=r,
        )
        self.delivery_reports = Counter(
            "kyvs_sms_delivery_reports",
            "Delivery reports received, by gateway and state (delivered, failed, unknown).",
            ["gateway", "state"],
            registry=r,
        )
        self.rate_limit_hits = Counter(
            "kyvs_rate_limit_hits", "Requests refused by a limit, by limit.", ["limit"], registry=r
        )
        self.background_failures = Counter(
            "kyvs_background_failures",
            "Background work that failed (OTP SMS after the answer, audit flushes, retention "
            "purges), by job.",
            ["job"],
            registry=r,
        )
        self.retention_purges = Counter(
            "kyvs_retention_purged",
            "Records erased by the retention engine, by kind (kyvs.domain.retention.RecordKind).",
            ["kind"],
            registry=r,
        )

    def observe_request(self, *, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request under its route template."""
        verb = method if method in _METHODS else "OTHER"
        series = self._http_series.get((verb, route, status))
        if series is None:
            series = self.requests.labels(verb, route, str(status)), self.latency.labels(route)
            self._http_series[verb, route, status] = series
        count, latency = series
        count.inc()
        latency.observe(seconds)

    def otp_sent(self, kind: str) -> None:
        """One OTP SMS left (`kind`: the SMS category)."""
        self.otps_sent.labels(kind).inc()

    def sms_failed(self) -> None:
        """One SMS was not delivered."""
        self.sms_failures.inc()

    def sms_segments_sent(self, *, language: str, encoding: str, segments: int) -> None:
        """`segments` billed segments left in `language`, encoded as `encoding`."""
        self.sms_segments.labels(language, encoding).inc(segments)

    def sms_cost_spent(self, *, gateway: str, rupees: float) -> None:
        """An SMS's estimated cost, charged to `gateway`."""
        if rupees > 0:
            self.sms_cost.labels(gateway).inc(rupees)

    def sms_refused_by_kyvs(self, reason: str) -> None:
        """One SMS kyvs would not send (`template-mismatch`, `no-template`)."""
        self.sms_refused.labels(reason).inc()

    def gateway_failed(self, gateway: str) -> None:
        """One send failed at `gateway` (or was skipped while its circuit was open)."""
        self.gateway_failures.labels(gateway).inc()

    def gateway_handed_over(self, gateway: str) -> None:
        """One SMS went on to the next gateway after `gateway` failed."""
        self.gateway_handovers.labels(gateway).inc()

    def delivery_reported(self, *, gateway: str, state: str) -> None:
        """One delivery report from `gateway` said `state`."""
        self.delivery_reports.labels(gateway, state).inc()

    def verification_confirmed(self) -> None:
        """One verification was confirmed."""
        self.confirmed.inc()

    def otp_failed(self, reason: str) -> None:
        """One confirmation was refused (`wrong`, `expired` or `locked`)."""
        self.otp_failures.labels(reason).inc()

    def rate_limited(self, limit: str) -> None:
        """One request was refused by `limit` (a problem slug such as `rate-limited`)."""
        self.rate_limit_hits.labels(limit).inc()

    def background_failed(self, job: str) -> None:
        """One background job failed (`dispatch`: work after an answer; `audit`: a flush;
        `retention`: a purge)."""
        self.background_failures.labels(job).inc()

    def retention_purged(self, kind: str, count: int) -> None:
        """`count` records of `kind` were erased (or deleted) past their retention period."""
        self.retention_purges.labels(kind).inc(count)

    def exposition(self, accept: str | None = None) -> tuple[bytes, str]:
        """The metrics in the format `accept` asks for (Prometheus text by default)."""
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self._collector()), content_type

    def _collector(self) -> Collector:
        folder = os.environ.get(MULTIPROC_ENV)
        if folder:
            # Every worker writes its values to files there; read them all.
            merged = CollectorRegistry()
            MultiProcessCollector(merged, path=folder)  # type: ignore[no-untyped-call] # untyped upstream
            return merged
        return _Union((self.registry, REGISTRY))


class _Union(Collector):
    """Several registries read as one."""

    def __init__(self, parts: Iterable[Collector]) -> None:
        self._parts = tuple(parts)

    def collect(self) -> Iterable[Metric]:
        for part in self._parts:
            yield from part.collect()


class SmsMetrics(Protocol):
    """What `MeteredSms` reports."""

    def otp_sent(self, kind: str) -> None:
        """One OTP SMS left."""

    def sms_failed(self) -> None:
        """One SMS was not delivered."""

    def sms_segments_sent(self, *, language: str, encoding: str, segments: int) -> None:
        """Billed segments left."""

    def sms_cost_spent(self, *, gateway: str, rupees: float) -> None:
        """An SMS's estimated cost."""


class MeteredSms:
    """An `SmsSender` decorator: counts what the carrier took (by category, segments by language
    and encoding, estimated cost by gateway) and what it did not take."""

    def __init__(
        self, inner: SmsSender, metrics: SmsMetrics, *, segment_price_inr: float = 0.0
    ) -> None:
        self.inner = inner
        self.metrics = metrics
        self.segment_price_inr = segment_price_inr

    async def send(self, message: SmsMessage) -> SmsReceipt | None:
        """Send through the wrapped sender; a failure is counted and raised again."""
        try:
            receipt = await self.inner.send(message)
        except Exception:
            self.metrics.sms_failed()
            raise
        size = sms_size(message.text)
        self.metrics.otp_sent(message.category)
        self.metrics.sms_segments_sent(
            language=message.language, encoding=size.encoding, segments=size.segments
        )
        gateway = receipt.gateway if receipt is not None else "unknown"
        self.metrics.sms_cost_spent(gateway=gateway, rupees=size.segments * self.segment_price_inr)
        return receipt


@contextlib.contextmanager
def multiprocess_directory(workers: int) -> Iterator[Path | None]:
    """Prepare `PROMETHEUS_MULTIPROC_DIR` before worker processes start.

    When set, its files from an earlier run are removed (the client library asks for a clean
    folder); when unset and `workers > 1`, a temporary folder is used for this run. One worker
    without the variable keeps its metrics in memory (None).
    """
    configured = os.environ.get(MULTIPROC_ENV)
    if configured:
        folder = Path(configured)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
        yield folder
        return
    if workers <= 1:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="kyvs-metrics-") as made:
        os.environ[MULTIPROC_ENV] = made
        try:
            yield Path(made)
        finally:
            os.environ.pop(MULTIPROC_ENV, None)
