"""The OpenAPI document describes every route, its problem types and examples."""

from __future__ import annotations

import pytest

from kyvs.settings import Settings
from kyvs.web.app import create_app
from kyvs.web.problems import PROBLEM_BASE


@pytest.fixture(scope="module")
def document():
    app = create_app(Settings(database_url="sqlite:///:memory:", demo=True))
    return app.openapi()


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_operation_has_a_summary_and_a_description(document):
    for path, method, operation in operations(document):
        assert operation.get("summary"), (method, path)
        assert operation.get("description"), (method, path)


@pytest.mark.parametrize(
    ("path", "method", "statuses"),
    [
        ("/api/v1/verifications", "post", {"400", "401", "403", "422", "429"}),
        ("/api/v1/verifications/{txn_id}/confirm", "post", {"400", "404", "409", "410", "429"}),
        ("/api/v1/verifications/{txn_id}/resend", "post", {"404", "429"}),
        ("/api/v1/verifications/{txn_id}", "get", {"401", "404"}),
    ],
)
def test_native_operations_document_their_problem_types(document, path, method, statuses):
    responses = document["paths"][path][method]["responses"]
    assert statuses <= set(responses)
    for status in statuses:
        content = responses[status]["content"]["application/problem+json"]
        assert content["example"]["type"].startswith(PROBLEM_BASE)
        assert PROBLEM_BASE in responses[status]["description"]


def test_request_bodies_carry_examples(document):
    schema = document["components"]["schemas"]["StartVerification"]
    assert schema["properties"]["mobile_number"]["examples"] == ["9000000001"]
    assert schema["additionalProperties"] is False


def test_the_cowin_facade_and_the_jwks_are_documented(document):
    for path in (
        "/api/v3/vaccination/generateOTP",
        "/api/v3/vaccination/confirmOTP",
        "/api/v3/vaccination/status",
        "/api/v2/auth/public/generateOTP",
        "/api/v2/auth/public/confirmOTP",
        "/.well-known/jwks.json",
    ):
        assert path in document["paths"], path
