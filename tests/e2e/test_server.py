"""The real server process answers health checks, and every error is problem+json."""

from __future__ import annotations

import httpx


def test_healthz_answers_ok(server):
    answer = httpx.get(f"{server}/healthz")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"


def test_an_unknown_path_is_a_problem_document(server):
    answer = httpx.get(f"{server}/no/such/page")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "https://kyvs.dev/problems/not-found"


def test_a_wrong_method_is_a_problem_document(server):
    answer = httpx.post(f"{server}/healthz")
    assert answer.status_code == 405
    assert answer.json()["type"] == "https://kyvs.dev/problems/method-not-allowed"


def test_the_openapi_document_is_served(server):
    document = httpx.get(f"{server}/openapi.json").json()
    assert document["info"]["title"] == "kyvs"
    assert "/healthz" in document["paths"]
