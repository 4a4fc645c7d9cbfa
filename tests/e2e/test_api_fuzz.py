"""Schemathesis over `/openapi.json` against a real server with the demo data.

Every operation gets generated valid and invalid inputs; the stateful run follows the document's
links (a started verification's txn id feeds confirm, resend and state). Every answer must be
documented: no 5xx, a documented status and content type, a body and headers that match the
schema. Counts go to `test-artefacts/fuzz/summary.json`.

The default run is bounded for `make test`. `KYVS_FUZZ_EXAMPLES` (examples per operation) and
`KYVS_FUZZ_SCENARIOS` (stateful scenarios) make it longer, e.g. `make fuzz-long`.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import FlakyStrategyDefinition
from schemathesis import GenerationMode
from schemathesis.specs.openapi.schemas import OpenApiSchema

from kyvs.services.demo import DEMO_PEOPLE, DEMO_PROVIDER_ID
from tests import budget
from tests.e2e.conftest import Cli, environment, running_server
from tests.e2e.test_citizen_api import newest_otp, sent

EXAMPLES = int(os.environ.get("KYVS_FUZZ_EXAMPLES", str(budget.scaled(25))))
SCENARIOS = int(os.environ.get("KYVS_FUZZ_SCENARIOS", str(budget.scaled(30))))
SUMMARY = Path(__file__).resolve().parents[2] / "test-artefacts" / "fuzz" / "summary.json"
CITIZEN_MOBILE = "9000000001"  # a demo household (`kyvs demo load`)
RETURN_URL = "https://fuzz.example/kyvs/return"
# Valid numbers nobody registered: a mobile takes only 5 OTPs an hour, and a started
# verification (matched or not) is what the stateful links need.
UNREGISTERED_MOBILES = [f"{6 + n % 4}{n * 7919 % 10**9:09d}" for n in range(1, 400)]
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "missing_required_header",
    "unsupported_method",
)
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=False,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # a failure prints its case; shrinking costs minutes
    suppress_health_check=list(HealthCheck),
)

tried: Counter[str] = Counter()
answers: Counter[str] = Counter()


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Iterator[dict[str, Any]]:
    """A server with the demo data, a provider with room to fuzz, and a citizen logged in."""
    folder = tmp_path_factory.mktemp("fuzz")
    cli = Cli(environment(f"sqlite:///{folder / 'kyvs.db'}", KYVS_DEMO="1"), folder)
    cli.run("db", "upgrade")
    cli.run("demo", "load")
    provider = cli.json(
        "provider",
        "create",
        "--name",
        "Fuzz Travels",
        "--category",
        "travel",
        "--scopes",
        "status,vaccinations,demographics",
        "--purposes",
        "travel,employment",
        "--quota",
        "10000000",
        "--rate-limit",
        "1000000/min",
        "--return-url",
        RETURN_URL,
    )
    with running_server(cli.env, folder) as base:
        yield {
            "base": base,
            "api_key": provider["api_key"],
            "provider_id": provider["provider_id"],
            "token": _log_in(cli, base),
        }
    _write_summary()


def _log_in(cli: Cli, base: str) -> str:
    seen = sent(cli, CITIZEN_MOBILE)
    txn = httpx.post(f"{base}/api/v1/citizen/login", json={"mobile_number": CITIZEN_MOBILE})
    otp = newest_otp(cli, CITIZEN_MOBILE, seen)
    confirmed = httpx.post(
        f"{base}/api/v1/citizen/login/{txn.json()['txn_id']}/confirm", json={"otp": otp}
    )
    token: str = confirmed.json()["token"]
    return token


@pytest.fixture(scope="module")
def api_schema(deployment) -> OpenApiSchema:
    """The server's own OpenAPI document, with its credentials, real values and the checks."""
    config = schemathesis.Config.from_dict(
        {
            "base-url": deployment["base"],
            "headers": {
                "X-Api-Key": deployment["api_key"],
                "Authorization": f"Bearer {deployment['token']}",
            },
            "generation": {"mode": "all", "max-examples": EXAMPLES, "database": "none"},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "dictionaries": _known_values(deployment),
            # Half the time a field takes a value the server knows, so calls get past the
            # registry and the provider's settings to the verification flow itself.
            "parameters": {
                f"body.{field}": {"dictionary": dictionary, "probability": 0.5}
                for field, dictionary in KNOWN_FIELDS.items()
            },
        }
    )
    return schemathesis.openapi.from_url(f"{deployment['base']}/openapi.json", config=config)


KNOWN_FIELDS = {
    "full_name": "names",
    "mobile_number": "mobiles",
    "mobile": "mobiles",
    "purpose": "purposes",
    "return_url": "return-urls",
    "reference_id": "references",
    "provider_id": "providers",
}


def _known_values(deployment) -> dict[str, dict[str, list[str]]]:
    people = [p.registration().beneficiary for p in DEMO_PEOPLE]
    return {
        "names": {"values": [p.full_name for p in people]},
        "mobiles": {"values": sorted({p.mobile for p in DEMO_PEOPLE}) + UNREGISTERED_MOBILES},
        "purposes": {"values": ["travel", "employment"]},
        "return-urls": {"values": [RETURN_URL]},
        "references": {"values": [p.reference_id for p in people]},
        "providers": {"values": [deployment["provider_id"], DEMO_PROVIDER_ID]},
    }


@pytest.mark.slow
def test_every_operation_answers_as_documented(api_schema: OpenApiSchema, subtests) -> None:
    """Valid and invalid inputs for each operation in the document, one subtest each."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 25
    for operation in operations:
        with subtests.test(msg=operation.label):
            _fuzz(operation)


def _fuzz(operation: schemathesis.APIOperation) -> None:
    cases = st.one_of([operation.as_strategy(mode) for mode in GenerationMode])

    @FUZZ_SETTINGS
    @given(case=cases)
    def examples(case: schemathesis.Case) -> None:
        response = case.call_and_validate()
        tried[operation.label] += 1
        answers[str(response.status_code)] += 1

    examples()


@pytest.mark.slow
def test_the_verification_flows_hold_across_calls(api_schema: OpenApiSchema) -> None:
    """Stateful: each scenario chains calls along the links (start -> confirm/resend/state)."""
    machine = api_schema.as_state_machine()

    class Counting(machine):  # type: ignore[misc, valid-type]
        def teardown(self) -> None:
            tried["stateful scenarios"] += 1

        def after_call(self, response: schemathesis.Response, case: schemathesis.Case) -> None:
            tried[f"stateful {case.operation.label}"] += 1
            answers[str(response.status_code)] += 1

    started = time.monotonic()
    while tried["stateful scenarios"] < SCENARIOS:
        try:
            Counting.run(settings=_scenarios(SCENARIOS - tried["stateful scenarios"]))
        except* FlakyStrategyDefinition:
            # Which calls a scenario may make depends on the server's earlier answers, so
            # Hypothesis sometimes cannot replay its own choices (raised bare, or inside the
            # FlakyFailure group of a replay); go on with a fresh run. Anything else in the
            # group (a failed check) is raised.
            tried["stateful restarts"] += 1
    tried["stateful seconds"] = round(time.monotonic() - started)


def _scenarios(count: int) -> settings:
    return settings(
        max_examples=count,
        stateful_step_count=8,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


def _write_summary() -> None:
    single = {k: v for k, v in tried.items() if not k.startswith("stateful")}
    stateful = {k: v for k, v in tried.items() if k.startswith("stateful ")}
    summary = {
        "examples_per_operation": EXAMPLES,
        "stateful_scenarios": SCENARIOS,
        "operations": len(single),
        "requests": sum(single.values()) + sum(stateful.values()),
        "single_operation_cases": sum(single.values()),
        "stateful_calls": sum(stateful.values()),
        "by_operation": dict(sorted(tried.items())),
        "by_status": dict(sorted(answers.items())),
    }
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\nfuzz: {json.dumps({k: summary[k] for k in list(summary)[:6]})}")  # noqa: T201
