"""The OpenAPI document describes every route, its problem types and examples."""

from __future__ import annotations

import pytest

from kyvs.settings import Settings
from kyvs.web.app import create_app
from kyvs.web.problems import MEDIA_TYPE, PROBLEM_BASE, PROBLEM_TYPES


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


def cowin(path: str) -> bool:
    return path.startswith(("/api/v2/", "/api/v3/"))


def test_every_problem_answer_is_documented_as_problem_json_with_its_stable_types(document):
    for path, method, operation in operations(document):
        for status, response in operation["responses"].items():
            if int(status) < 400 or cowin(path):
                continue
            assert set(response["content"]) == {MEDIA_TYPE}, (method, path, status)
            schema = response["content"][MEDIA_TYPE]["schema"]
            types = schema["properties"]["type"]["enum"]
            assert types == [PROBLEM_BASE + slug for slug in PROBLEM_TYPES[int(status)]]


def test_a_validation_error_is_documented_as_a_problem_naming_each_field(document):
    # FastAPI documents its own `HTTPValidationError` JSON; kyvs answers a problem document.
    response = document["paths"]["/api/v1/verifications/{txn_id}"]["get"]["responses"]["422"]
    schema = response["content"][MEDIA_TYPE]["schema"]
    assert schema["allOf"] == [{"$ref": "#/components/schemas/ValidationProblem"}]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert "errors" in document["components"]["schemas"]["ValidationProblem"]["required"]


def test_a_limit_documents_its_retry_after_header(document):
    for path in ("/api/v1/verifications", "/api/v3/vaccination/generateOTP"):
        headers = document["paths"][path]["post"]["responses"]["429"]["headers"]
        assert headers["Retry-After"]["schema"]["type"] == "integer"


@pytest.mark.parametrize(
    ("path", "statuses"),
    [
        ("/api/v3/vaccination/generateOTP", {"400", "401", "403", "422", "429"}),
        ("/api/v3/vaccination/confirmOTP", {"400", "401", "403", "404", "409", "422", "429"}),
        ("/api/v2/auth/public/generateOTP", {"400", "422", "429"}),
        ("/api/v2/auth/public/confirmOTP", {"400", "401", "404", "409", "422", "429"}),
    ],
)
def test_the_cowin_facade_documents_every_error_in_cowins_shape(document, path, statuses):
    responses = document["paths"][path]["post"]["responses"]
    assert statuses <= set(responses)
    for status in statuses:
        schema = responses[status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/CowinErrorBody"}


def test_the_txn_id_a_verification_starts_with_links_to_confirm_resend_and_state(document):
    links = document["paths"]["/api/v1/verifications"]["post"]["responses"]["202"]["links"]
    assert set(links) == {"ConfirmVerification", "ResendOtp", "VerificationState"}
    for link in links.values():
        assert link["parameters"] == {"txn_id": "$response.body#/txn_id"}
    ids = {op["operationId"] for _, _, op in operations(document)}
    assert {link["operationId"] for link in links.values()} <= ids


def test_the_cowin_txn_id_links_to_its_confirmation_in_the_body(document):
    for prefix in ("/api/v3/vaccination", "/api/v2/auth/public"):
        responses = document["paths"][f"{prefix}/generateOTP"]["post"]["responses"]
        (link,) = responses["200"]["links"].values()
        assert link["requestBody"] == {"txnId": "$response.body#/txnId"}


def test_the_provider_calls_declare_the_api_key_as_their_security_scheme(document):
    scheme = document["components"]["securitySchemes"]["ApiKey"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "X-Api-Key")
    start = document["paths"]["/api/v1/verifications"]["post"]
    assert start["security"] == [{"ApiKey": []}]
    assert "security" not in document["paths"]["/api/v1/citizen/login"]["post"]
