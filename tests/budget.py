"""Hypothesis profiles and example budgets, so the property tests stay fast by default.

`KYVS_HYPOTHESIS_PROFILE=thorough` multiplies every budget by ten (for a nightly run);
`ci` also derandomizes, so a failure on CI reproduces from the same seed.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

DEFAULT_EXAMPLES = 100
settings.register_profile("dev", max_examples=DEFAULT_EXAMPLES)
settings.register_profile("ci", max_examples=DEFAULT_EXAMPLES, derandomize=True, print_blob=True)
settings.register_profile("thorough", max_examples=DEFAULT_EXAMPLES * 10)


def load_profile() -> None:
    """Load the profile `KYVS_HYPOTHESIS_PROFILE` names (`dev` when unset)."""
    settings.load_profile(os.environ.get("KYVS_HYPOTHESIS_PROFILE", "dev"))


def examples(count: int, *, slow: bool = False) -> settings:
    """Settings for `count` examples under the `dev` profile, scaled by the profile loaded.

    `slow` tests (a database per example) get no deadline and may use function-scoped fixtures,
    which they reset themselves.
    """
    scaled = max(1, count * settings().max_examples // DEFAULT_EXAMPLES)
    if not slow:
        return settings(max_examples=scaled, deadline=None)
    return settings(
        max_examples=scaled,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
