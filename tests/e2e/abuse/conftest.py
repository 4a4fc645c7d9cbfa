"""One deployment for every abuse test (a package-scoped server: the setup is the slow part)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.abuse.world import World, deployed
from tests.e2e.deployments import Onboarding

RETURN_URL = "http://127.0.0.1:9/kyvs/return"
ENUMERATION_PAIRS = 30  # per door; and a few more for warm-up

PEOPLE = [
    ("Asha Patel", "9400000001"),
    ("Ravi Kumar", "9400000002"),
    ("Meera Shah", "9400000003"),
    ("Kiran Das", "9400000004"),
    ("Vikram Rao", "9400000005"),
    ("Leela Nair", "9400000006"),
    ("Suresh Iyer", "9400000007"),  # strangers ask for his login OTPs
    ("Anil Mehta", "9410000001"),  # citizen A's household
    ("Anita Mehta", "9410000001"),
    ("Bina Joshi", "9410000002"),  # citizen B
    *((f"Enum Person{i:03d}", f"942{i:07d}") for i in range(4 * (ENUMERATION_PAIRS + 5))),
]
PROVIDERS = [
    Onboarding("Yatra", return_urls=[RETURN_URL]),
    Onboarding("Hotel", purposes=["accommodation"], return_urls=[RETURN_URL]),
    Onboarding("Sprayer", rate_limit="10/min"),
    Onboarding("Tiny", daily_quota=5),
    Onboarding("Probe", rate_limit="10000/min"),
]


@pytest.fixture(scope="package")
def world(tmp_path_factory) -> Iterator[World]:
    with deployed(tmp_path_factory.mktemp("abuse"), PEOPLE, PROVIDERS) as built:
        yield built
