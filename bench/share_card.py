"""Share cards: render time against a bare Pillow baseline of the same size, and a cached fetch.

Run `python bench/share_card.py` (a few seconds). In one run it measures, for a mix of languages
(en, hi, gu, mr), sizes and statuses:

  card      `render_card` end to end: text shaped by raqm, badge, icon, QR code, PNG encoding;
  baseline  bare Pillow at the same size: one line of shaped text and one QR code pasted, PNG;
  cached    a fetch from `CachedCardRenderer` of a card rendered before (an equal, new spec).

It prints medians in ms with the ratios card / baseline (target <= 1.5) and card / cached
(target >= 100), and writes them to `bench/results/share_card.json`. `--check` exits 1 when a
target is missed.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import gc
import io
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import PIL
import qrcode  # type: ignore[import-untyped]  # qrcode ships no type information
from PIL import Image, ImageDraw, features

from kyvs.adapters.card_cache import CachedCardRenderer
from kyvs.adapters.share_card import LANGUAGE_SCRIPTS, FontFinder, card_text, render_card
from kyvs.domain.share_cards import CARD_SIZES, CardSize, CardSpec

RESULTS = Path(__file__).resolve().parent / "results" / "share_card.json"
RATIO_TARGET = 1.5
SPEEDUP_TARGET = 100.0
PEOPLE = {
    "en": ("Ravi Kumar", "12 March 2025"),
    "hi": ("सुनीता देशमुख", "12 मार्च 2025"),
    "gu": ("ભાવેશ શાહ", "12 માર્ચ 2025"),
    "mr": ("क्षमा श्रीवास्तव", "१२ मार्च २०२५"),
}
SIZES: tuple[CardSize, ...] = ("square", "wide")
FONTS = FontFinder()


def mixed_specs(count: int) -> list[CardSpec]:
    """`count` cards cycling through languages, sizes, statuses and name choices."""
    languages = list(PEOPLE)
    specs = []
    for number in range(count):
        language = languages[number % len(languages)]
        name, date = PEOPLE[language]
        specs.append(
            CardSpec(
                status_code=number % 3,
                precaution=number % 3 == 2,
                name=None if number % 5 == 4 else name,
                date_text=date,
                language=language,
                share_url=f"https://kyvs.example.in/s/{number:06d}q8Zr3XbT1mVw6NcYp0LkHs2JdFa9",
                size=SIZES[(number // len(languages)) % len(SIZES)],
            )
        )
    return specs


def baseline(spec: CardSpec) -> bytes:
    """The least a card could be: one line of shaped text and a QR code on a blank PNG."""
    image = Image.new("RGB", CARD_SIZES[spec.size], "white")
    font = FONTS.load(LANGUAGE_SCRIPTS[spec.language], bold=True, size=56)  # loaded once, cached
    ImageDraw.Draw(image).text((60, 60), card_text(spec).status, "black", font)
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=4)
    code.add_data(spec.share_url)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    count = len(matrix)
    pixels = bytes(0 if dark else 255 for row in matrix for dark in row)
    modules = Image.frombytes("L", (count, count), pixels)
    image.paste(modules.resize((count * 9, count * 9), Image.Resampling.NEAREST), (700, 60))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def timed(work: Callable[[], object]) -> float:
    """Milliseconds that one call of `work` takes."""
    started = time.perf_counter()
    work()
    return (time.perf_counter() - started) * 1000


def renders(specs: Sequence[CardSpec]) -> dict[str, dict[str, list[float]]]:
    """Card and baseline times per size, interleaved so that drift hits both alike."""
    for spec in specs[: len(PEOPLE) * len(SIZES)]:  # load fonts and icons before timing
        render_card(spec)
        baseline(spec)
    times: dict[str, dict[str, list[float]]] = {
        size: {"card": [], "baseline": []} for size in SIZES
    }
    gc.collect()
    for spec in specs:
        times[spec.size]["card"].append(timed(functools.partial(render_card, spec)))
        times[spec.size]["baseline"].append(timed(functools.partial(baseline, spec)))
    return times


def cached_fetch(specs: Sequence[CardSpec], batches: int) -> float:
    """Median milliseconds per fetch of a cached card, looked up with an equal, new spec."""
    cache = CachedCardRenderer()
    for spec in specs:
        cache.render(spec)
    lookups = [dataclasses.replace(spec) for spec in specs]
    gc.collect()
    per_fetch = []
    for _ in range(batches):
        started = time.perf_counter()
        for spec in lookups:
            cache.render(spec)
        per_fetch.append((time.perf_counter() - started) * 1000 / len(lookups))
    assert cache.misses == len(specs), "every lookup after the first round must hit"  # noqa: S101
    return statistics.median(per_fetch)


def summary(times: dict[str, dict[str, list[float]]], cached_ms: float) -> dict[str, Any]:
    sizes = {
        size: {
            "card_ms": statistics.median(kinds["card"]),
            "baseline_ms": statistics.median(kinds["baseline"]),
            "ratio": statistics.median(kinds["card"]) / statistics.median(kinds["baseline"]),
        }
        for size, kinds in times.items()
    }
    card_ms = statistics.median(t for kinds in times.values() for t in kinds["card"])
    baseline_ms = statistics.median(t for kinds in times.values() for t in kinds["baseline"])
    return {
        "benchmark": "share_card",
        "python": platform.python_version(),
        "pillow": PIL.__version__,
        "raqm": features.check_feature("raqm"),
        "renders": sum(len(kinds["card"]) for kinds in times.values()),
        "languages": list(PEOPLE),
        "sizes": sizes,
        "card_ms": card_ms,
        "baseline_ms": baseline_ms,
        "ratio": card_ms / baseline_ms,
        "ratio_target": RATIO_TARGET,
        "cached_ms": cached_ms,
        "cached_speedup": card_ms / cached_ms,
        "speedup_target": SPEEDUP_TARGET,
    }


def report(result: dict[str, Any]) -> list[str]:
    rows = [f"{'measure':<28}{'median ms':>12}{'ratio':>12}  target"]
    for size, numbers in result["sizes"].items():
        rows.append(f"{f'card, {size}':<28}{numbers['card_ms']:>12.2f}{numbers['ratio']:>11.2f}x")
        rows.append(f"{f'baseline, {size}':<28}{numbers['baseline_ms']:>12.2f}")
    ratio_ok = "ok" if result["ratio"] <= RATIO_TARGET else "MISSED"
    speedup_ok = "ok" if result["cached_speedup"] >= SPEEDUP_TARGET else "MISSED"
    rows += [
        f"{'card, all':<28}{result['card_ms']:>12.2f}{result['ratio']:>11.2f}x"
        f"  <= {RATIO_TARGET}x vs baseline: {ratio_ok}",
        f"{'baseline, all':<28}{result['baseline_ms']:>12.2f}",
        f"{'cached fetch':<28}{result['cached_ms']:>12.4f}{result['cached_speedup']:>11.0f}x"
        f"  >= {SPEEDUP_TARGET:.0f}x faster than a render: {speedup_ok}",
    ]
    return rows


def main(arguments: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--renders", type=int, default=96, help="cards rendered (default 96)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    options = parser.parse_args(arguments)
    specs = mixed_specs(options.renders)
    result = summary(renders(specs), cached_fetch(specs, batches=200))
    print(f"share cards: {result['renders']} renders, languages {', '.join(PEOPLE)}, both sizes")
    print("\n".join(report(result)))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written to {RESULTS}")
    missed = result["ratio"] > RATIO_TARGET or result["cached_speedup"] < SPEEDUP_TARGET
    return 1 if options.check and missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
