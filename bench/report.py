"""The summary table (Markdown) and the plots of a benchmark run."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from common import Metric, log


def _number(value: float | None, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 1:
        text = f"{value:,.2f}"
    else:
        text = f"{value:.4f}"
    return f"{text} {unit}".strip()


def _met(met: bool | None) -> str:
    return "-" if met is None else "yes" if met else "**NO**"


def table(metrics: Sequence[Metric]) -> str:
    """The Markdown table: metric, value, baseline, ratio, target, met?"""
    lines = [
        "| metric | value | baseline | ratio | target | met? |",
        "|---|---|---|---|---|---|",
    ]
    for m in metrics:
        name = m.name + (f" ({m.note})" if m.note else "")
        baseline = _number(m.baseline, m.unit if m.baseline_label == "" else "")
        if m.baseline is not None and m.baseline_label:
            baseline = f"{_number(m.baseline)} ({m.baseline_label})"
        ratio = "-" if m.ratio is None else f"{m.ratio:.3g}x"
        row = [name, _number(m.value, m.unit), baseline, ratio, m.target or "-", _met(m.met)]
        lines.append("| " + " | ".join(cell.replace("|", "/") for cell in row) + " |")
    return "\n".join(lines)


def write_summary(
    path: Path, metrics: Sequence[Metric], *, title: str, notes: Sequence[str]
) -> str:
    """`summary.md`: a title, the table and the notes; returns the table."""
    rendered = table(metrics)
    body = [f"# {title}", "", rendered, ""]
    if notes:
        body += ["## Notes", ""] + [f"- {note}" for note in notes] + [""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(body), encoding="utf-8")
    return rendered


def plots(load: dict[str, Any] | None, results: Path) -> list[Path]:
    """`throughput_vs_workers.png` and `latency_percentiles.png` (matplotlib, Agg); [] without."""
    if not load or not load.get("configs"):
        return []
    try:
        import matplotlib as mpl  # noqa: PLC0415 - optional: plots only

        mpl.use("Agg")
        import matplotlib.pyplot as plt  # noqa: PLC0415
    except ImportError:
        log("matplotlib is not installed: no plots")
        return []
    return [_throughput(plt, load, results), _latency(plt, load["configs"], results)]


def _throughput(plt: Any, load: dict[str, Any], results: Path) -> Path:
    configs = load["configs"]
    figure, (throughput, ratios) = plt.subplots(1, 2, figsize=(11, 4.2))
    by_backend: dict[str, list[tuple[int, float, float, float, float]]] = {}
    for found in configs.values():
        config = found["config"]
        label = config["label"].rsplit("-", 1)[0]
        phases = found["phases"]
        by_backend.setdefault(label, []).append(
            (
                config["workers"],
                phases["healthz"]["per_second"],
                phases.get("healthz_httpx", {}).get("per_second", 0.0),
                phases["verification"]["per_second"],
                found["round_trips_over_healthz"] or 0.0,
            )
        )
    for label, points in by_backend.items():
        points.sort()
        workers = [p[0] for p in points]
        throughput.plot(workers, [p[1] for p in points], "o--", label=f"{label}: /healthz req/s")
        throughput.plot(workers, [p[2] for p in points], "^:", label=f"{label}: /healthz (httpx)")
        throughput.plot(workers, [p[3] for p in points], "s-", label=f"{label}: round trips/s")
        ratios.plot(workers, [p[4] for p in points], "s-", label=label)
    throughput.set(xlabel="workers", ylabel="per second", title="Throughput", yscale="log")
    throughput.set_xticks([1, 2])
    throughput.legend(fontsize=8)
    ratios.axhline(0.25, color="tab:blue", linestyle=":", label="target SQLite 0.25")
    ratios.axhline(0.20, color="tab:orange", linestyle=":", label="target PostgreSQL 2w 0.20")
    ratios.axhline(0.5, color="grey", linestyle="-", linewidth=0.5, label="ceiling 0.5")
    ratios.set(xlabel="workers", ylabel="round trips / healthz requests", title="Ratio")
    ratios.set_xticks([1, 2])
    ratios.set_ylim(0, 0.55)
    ratios.legend(fontsize=8)
    figure.suptitle(f"kyvs serve, {load.get('clients')} clients, {load.get('seconds')} s per run")
    figure.tight_layout()
    path = results / "throughput_vs_workers.png"
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _latency(plt: Any, configs: dict[str, Any], results: Path) -> Path:
    steps = [
        ("healthz", "request"),
        ("verification", "start"),
        ("verification", "confirm"),
        ("verification", "round_trip"),
    ]
    figure, axes = plt.subplots(1, len(steps), figsize=(15, 4.2))
    labels = list(configs)
    width = 0.8 / max(len(labels), 1)
    for axis, (phase, step) in zip(axes, steps, strict=True):
        for index, label in enumerate(labels):
            found = configs[label]["phases"][phase]["latency_ms"].get(step, {})
            values = [found.get(p, 0.0) for p in ("p50", "p95", "p99")]
            positions = [x + (index - (len(labels) - 1) / 2) * width for x in range(3)]
            axis.bar(positions, values, width, label=label)
        axis.set_xticks(range(3), ["p50", "p95", "p99"])
        axis.set(title=f"{phase}: {step}", ylabel="ms")
    axes[0].legend(fontsize=8)
    figure.suptitle("Latency percentiles under load (ms)")
    figure.tight_layout()
    path = results / "latency_percentiles.png"
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
