"""Hypothesis profiles and example budgets, so the property tests stay fast by default.

`KYVS_TEST_EFFORT` scales every budget, Hypothesis examples and the API fuzzer's inputs alike
(default 1; `make fuzz-long` and nightly runs raise it). `KYVS_HYPOTHESIS_PROFILE=thorough`
multiplies the Hypothesis budgets by ten; `ci` also derandomizes, so a failure on CI reproduces
from the same seed.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

EFFORT = max(float(os.environ.get("KYVS_TEST_EFFORT", "1")), 0.01)
DEFAULT_EXAMPLES = 100
_SCALED = max(1, round(DEFAULT_EXAMPLES * EFFORT))
settings.register_profile("dev", max_examples=_SCALED)
settings.register_profile("ci", max_examples=_SCALED, derandomize=True, print_blob=True)
settings.register_profile("thorough", max_examples=_SCALED * 10)


def load_profile() -> None:
    """Load the profile `KYVS_HYPOTHESIS_PROFILE` names (`dev` when unset)."""
    settings.load_profile(os.environ.get("KYVS_HYPOTHESIS_PROFILE", "dev"))


def thorough() -> bool:
    """Whether this run does more than `make test`'s default (`KYVS_TEST_EFFORT` above 1): the
    cases that repeat another case's path in one more language or size run then."""
    return EFFORT > 1


def scaled(count: int) -> int:
    """`count` scaled by `KYVS_TEST_EFFORT` (at least 1)."""
    return max(1, round(count * EFFORT))


def examples(count: int, *, slow: bool = False) -> settings:
    """Settings for `count` examples under the `dev` profile, scaled by the profile loaded.

    `slow` tests (a database per example) get no deadline and may use function-scoped fixtures,
    which they reset themselves.
    """
    scaled_count = max(1, count * settings().max_examples // DEFAULT_EXAMPLES)
    if not slow:
        return settings(max_examples=scaled_count, deadline=None)
    return settings(
        max_examples=scaled_count,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
