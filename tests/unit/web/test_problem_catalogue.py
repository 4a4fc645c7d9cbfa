"""One catalogue of problem types: every slug anything can raise has its status, its sentence in
every language and, for the CoWIN facade, its code; nothing else keeps a copy."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import kyvs
from kyvs.domain.errors import DomainError
from kyvs.i18n.catalogs import SUPPORTED_LANGUAGES, catalog, usable_messages
from kyvs.web.problem_catalogue import BY_SLUG, CATALOGUE, FALLBACK_TEXT, REASONS, cowin_example
from kyvs.web.problems import PROBLEM_TYPES

SOURCE = Path(kyvs.__file__).parent
# Slugs and reasons written as literals: class attributes, RateLimited/Limit arguments, the
# web's own problem responses and pages.
LITERAL_SLUG = re.compile(
    r"""(?:\bslug\s*=\s*|\breason\s*=\s*|problem_response\(\s*\d+,\s*|error_page\(\s*\w+,\s*\d+,\s*)"""
    r"""["']([a-z][a-z-]+)["']"""
)
LITERAL_REASON = re.compile(r"""\breason_id\s*=\s*["']([a-z][a-z-]+)["']""")


def _web_sources() -> list[Path]:
    """Everything but the operator's CLI, whose errors never reach a page."""
    return [path for path in SOURCE.rglob("*.py") if "cli" not in path.relative_to(SOURCE).parts]


def _every_domain_error() -> set[type[DomainError]]:
    for module in pkgutil.walk_packages(kyvs.__path__, "kyvs."):
        if not module.name.startswith(("kyvs.migrations", "kyvs.cli")):
            importlib.import_module(module.name)
    found: set[type[DomainError]] = set()
    todo: list[type[DomainError]] = [DomainError]
    while todo:
        kind = todo.pop()
        found.add(kind)
        todo += kind.__subclasses__()
    return {kind for kind in found if not kind.__module__.startswith("kyvs.cli")}


def test_every_error_class_has_a_problem_type():
    missing = sorted(kind.slug for kind in _every_domain_error() if kind.slug not in BY_SLUG)
    assert missing == []


def test_every_slug_written_in_the_code_has_a_problem_type():
    written = {
        slug
        for path in _web_sources()
        for slug in LITERAL_SLUG.findall(path.read_text(encoding="utf-8"))
    }
    assert written, "the scan found no slugs at all"
    assert sorted(written - BY_SLUG.keys()) == []


def test_every_reason_a_form_can_fail_for_has_a_sentence():
    raised = {
        reason
        for path in SOURCE.rglob("*.py")
        for reason in LITERAL_REASON.findall(path.read_text(encoding="utf-8"))
    }
    assert raised == set(REASONS)


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_problem_and_reason_has_its_sentence_in_every_language(language):
    translated = usable_messages(catalog(language))
    sentences = {problem.page_text for problem in CATALOGUE} | set(REASONS.values())
    assert sorted(text for text in sentences if text not in translated) == []


def test_problems_that_once_had_no_sentence_now_say_what_happened():
    for slug in ("return-url-not-allowed", "correction-not-found", "invalid-api-key"):
        assert BY_SLUG[slug].page_text != FALLBACK_TEXT
        assert "name and the 10-digit mobile" not in BY_SLUG[slug].page_text


def test_slugs_are_unique_and_statuses_are_http_errors():
    assert len(BY_SLUG) == len(CATALOGUE)
    assert all(400 <= problem.status <= 599 for problem in CATALOGUE)


def test_the_openapi_types_and_cowin_examples_come_from_the_catalogue():
    for status, slugs in PROBLEM_TYPES.items():
        assert all(BY_SLUG[slug].status == status for slug in slugs)
    assert cowin_example(401) == ("USRAUT0014", "Invalid OTP")
    assert cowin_example(400) == (
        "USRAUT0014",
        "Send the SHA-256 hex of the OTP, not the OTP itself",
    )
    assert cowin_example(404)[0] == "KYVS_TXN_NOT_FOUND"


def test_the_domain_names_no_http_status():
    assert all("status" not in vars(kind) for kind in _every_domain_error())
