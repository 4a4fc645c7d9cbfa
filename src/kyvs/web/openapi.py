"""The OpenAPI document: FastAPI's, finished with problem+json bodies and links between calls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from kyvs.web.problems import MEDIA_TYPE, PROBLEM_BASE, PROBLEM_TYPES, Problem, ValidationProblem

SCHEMAS = "#/components/schemas/"
# FastAPI's own 422 body; ours is a problem document (`problems._validation_error`).
_FASTAPI_422 = {"$ref": SCHEMAS + "HTTPValidationError"}
_PROBLEM_REFS = [{"$ref": SCHEMAS + model.__name__} for model in (Problem, ValidationProblem)]


@dataclass(frozen=True, slots=True)
class Link:
    """An id in one operation's answer that the next call of the same flow takes."""

    source: tuple[str, str, str]  # method, path, status
    name: str
    target: tuple[str, str]  # method, path
    parameters: dict[str, str]
    request_body: dict[str, str] | None = None


_TXN = {"txn_id": "$response.body#/txn_id"}
_COWIN_TXN = {"txnId": "$response.body#/txnId"}
_VERIFICATION = "/api/v1/verifications/{txn_id}"
LINKS = (
    *(
        Link(source, name, target, _TXN)
        for source in (
            ("post", "/api/v1/verifications", "202"),
            ("post", _VERIFICATION + "/resend", "202"),
        )
        for name, target in (
            ("ConfirmVerification", ("post", _VERIFICATION + "/confirm")),
            ("ResendOtp", ("post", _VERIFICATION + "/resend")),
            ("VerificationState", ("get", _VERIFICATION)),
        )
    ),
    Link(
        ("post", _VERIFICATION + "/confirm", "200"),
        "VerificationState",
        ("get", _VERIFICATION),
        _TXN,
    ),
    Link(
        ("post", "/api/v1/citizen/login", "202"),
        "ConfirmLogin",
        ("post", "/api/v1/citizen/login/{txn_id}/confirm"),
        _TXN,
    ),
    Link(
        ("post", "/api/v3/vaccination/generateOTP", "200"),
        "ConfirmOtp",
        ("post", "/api/v3/vaccination/confirmOTP"),
        {},
        _COWIN_TXN,
    ),
    Link(
        ("post", "/api/v2/auth/public/generateOTP", "200"),
        "ConfirmOtp",
        ("post", "/api/v2/auth/public/confirmOTP"),
        {},
        _COWIN_TXN,
    ),
    Link(
        ("post", "/api/v1/hosted-sessions", "201"),
        "HostedSessionState",
        ("get", "/api/v1/hosted-sessions/{session_id}"),
        {"session_id": "$response.body#/session_id"},
    ),
    Link(
        ("post", "/api/v1/citizen/share-links", "201"),
        "RevokeShareLink",
        ("delete", "/api/v1/citizen/share-links/{link_id}"),
        {"link_id": "$response.body#/link_id"},
    ),
    Link(
        ("post", "/api/v1/citizen/blocks", "201"),
        "LiftBlock",
        ("delete", "/api/v1/citizen/blocks/{provider_id}"),
        {"provider_id": "$response.body#/0/provider_id"},
    ),
)


def install(app: FastAPI) -> None:
    """Serve FastAPI's document finished by `finish` (built once, on first use)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = finish(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def finish(document: dict[str, Any]) -> dict[str, Any]:
    """Problem bodies under `application/problem+json` with their stable types; links."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for model in (Problem, ValidationProblem):
        described = model.model_json_schema(ref_template=SCHEMAS + "{model}")
        schemas.update(described.pop("$defs", {}))
        schemas[model.__name__] = described
    for item in document["paths"].values():
        for operation in item.values():
            for status, response in operation["responses"].items():
                _problem_body(status, response)
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    for link in LINKS:
        _add_link(document, link)
    return document


def _problem_body(status: str, response: dict[str, Any]) -> None:
    content = response.get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if schema == _FASTAPI_422:
        response["description"] = f"Problem type: `{PROBLEM_BASE}validation-error`"
        content[MEDIA_TYPE] = {}
    elif schema not in _PROBLEM_REFS or MEDIA_TYPE not in content:
        return
    content.pop("application/json")
    model = ValidationProblem if status == "422" else Problem
    content[MEDIA_TYPE]["schema"] = _typed(model.__name__, int(status))


def _typed(model: str, status: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"allOf": [{"$ref": SCHEMAS + model}]}
    if status in PROBLEM_TYPES:
        types = [PROBLEM_BASE + slug for slug in PROBLEM_TYPES[status]]
        schema["properties"] = {"type": {"enum": types}}
    return schema


def _add_link(document: dict[str, Any], link: Link) -> None:
    method, path, status = link.source
    target = document["paths"][link.target[1]][link.target[0]]
    definition: dict[str, Any] = {"operationId": target["operationId"]}
    if link.parameters:
        definition["parameters"] = link.parameters
    if link.request_body:
        definition["requestBody"] = link.request_body
    response = document["paths"][path][method]["responses"][status]
    response.setdefault("links", {})[link.name] = definition
