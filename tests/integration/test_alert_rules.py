"""`deploy/prometheus/alerts.yml` alerts on what kyvs really exports: every metric an expression
reads is on the app's `/metrics` (scraped from an in-process app), every label it matches exists
on that metric, and the label values it names (limits, OTP failure reasons, routes) are real.
`promtool check rules` also runs when the machine has it (`.ci/run` installs it)."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML ships no type information
from prometheus_client.parser import text_string_to_metric_families

from kyvs.services.otp_engine import _OTP_FAILURES
from kyvs.settings import Settings
from kyvs.web.app import create_app
from kyvs.web.problems import PROBLEM_TYPES

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "alerts.yml"
PROMETHEUS_OWN = {"up": {"job", "instance"}}  # series Prometheus makes for every target
KEYWORDS = {"and", "or", "unless", "by", "without", "offset", "bool", "on", "ignoring"}
KEYWORDS |= {"group_left", "group_right", "inf", "nan"}
_SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}")
_MATCHER = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"')


def rules() -> list[dict[str, Any]]:
    loaded = yaml.safe_load(RULES.read_text())
    return [rule for group in loaded["groups"] for rule in group["rules"]]


def metric_names(expr: str) -> set[str]:
    """The metric names an expression reads (identifiers that are not functions or keywords)."""
    text = re.sub(r'"[^"]*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)  # ranges
    text = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", " ", text)  # grouping labels
    text = re.sub(r"\boffset\s+\w+", " ", text)
    text = re.sub(r"(?<![\w:])\d+(\.\d+)?([eE][+-]?\d+)?", " ", text)  # numbers, 1e-9
    names = set()
    for match in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", text):
        after = text[match.end() :].lstrip()
        if match.group() not in KEYWORDS and not after.startswith("("):
            names.add(match.group())
    return names


def matchers(expr: str) -> list[tuple[str, str, str, str]]:
    """(metric, label, operator, value) of every label matcher in an expression."""
    return [
        (metric, *found.groups())
        for metric, inside in _SELECTOR.findall(expr)
        for found in _MATCHER.finditer(inside)
    ]


@pytest.fixture(scope="module")
def exported() -> dict[str, set[str]]:
    """Every series name the app's `/metrics` shows, with its label names (each labelled metric
    counted once first, so its labels appear)."""
    app = create_app(Settings(database_url="sqlite:///:memory:", demo=True))
    metrics = app.state.container.metrics
    metrics.rate_limited("rate-limited")
    metrics.otp_failed("wrong")
    metrics.otp_sent("verification-otp")
    metrics.sms_refused_by_kyvs("template-mismatch")
    metrics.gateway_failed("msg91")
    metrics.delivery_reported(gateway="msg91", state="failed")
    metrics.background_failed("retention")
    metrics.retention_purged("sms_outbox", 1)
    text = _scrape(httpx.ASGITransport(app=app))
    found: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, set()).update(sample.labels)
    return found


def _scrape(transport: httpx.ASGITransport) -> str:
    async def both() -> str:
        async with httpx.AsyncClient(transport=transport, base_url="http://kyvs.test") as client:
            await client.get("/healthz")  # so the HTTP metrics have a sample
            return (await client.get("/metrics")).text

    return asyncio.run(both())


def test_there_are_alerts_for_each_abuse_and_failure_the_design_names():
    names = {rule["alert"] for rule in rules()}
    assert {"KyvsSmsPumping", "KyvsOtpBruteForce", "KyvsHigh5xxRate", "KyvsSmsFailures"} <= names
    assert {"KyvsNotReady", "KyvsDown"} <= names
    assert "KyvsRetentionFailing" in names  # personal data kept past its lawful period


def test_every_rule_has_a_severity_and_a_summary():
    for rule in rules():
        assert rule["labels"]["severity"] in {"page", "warn"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]


def test_every_expression_reads_metrics_the_app_exports(exported):
    known = set(exported) | set(PROMETHEUS_OWN)
    for rule in rules():
        names = metric_names(rule["expr"])
        assert names, rule["alert"]
        assert names <= known, f"{rule['alert']} reads {sorted(names - known)}"


def test_every_label_matcher_names_a_label_of_its_metric(exported):
    labels = {**exported, **PROMETHEUS_OWN}
    for rule in rules():
        for metric, label, _, _ in matchers(rule["expr"]):
            assert label in labels[metric], f"{rule['alert']}: {metric} has no label {label}"


def test_label_values_are_ones_the_app_uses():
    app = create_app(Settings(database_url="sqlite:///:memory:", demo=True))
    real = {
        "limit": set(PROBLEM_TYPES[429]),
        "reason": set(_OTP_FAILURES.values()),
        "route": set(app.openapi()["paths"]),
    }
    for rule in rules():
        for _, label, operator, value in matchers(rule["expr"]):
            if label not in real:
                continue
            values = value.split("|") if operator in {"=~", "!~"} else [value]
            assert set(values) <= real[label], f"{rule['alert']}: {label} {value}"


def test_the_metric_name_reader_sees_through_functions_and_matchers():
    expr = (
        'histogram_quantile(0.99, sum by (le) (rate(a_bucket{route="/x"}[5m]))) > 1 '
        "and b_total offset 1d > 2 * clamp_min(c, 1e-9)"
    )
    assert metric_names(expr) == {"a_bucket", "b_total", "c"}


def test_promtool_accepts_the_rules():
    if shutil.which("promtool") is None:
        pytest.skip("promtool is not installed (Debian package prometheus); checked by parsing")
    done = subprocess.run(
        ["promtool", "check", "rules", str(RULES)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
