"""The layers hold: the import-linter contracts in pyproject.toml, checked on the real tree."""

from __future__ import annotations

import contextlib
import logging
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _contracts() -> dict[str, dict[str, object]]:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    return {c["name"]: c for c in config["tool"]["importlinter"]["contracts"]}


@contextlib.contextmanager
def _loggers_left_as_they_were() -> Iterator[None]:
    """import-linter configures logging with `dictConfig`, which disables every logger it does
    not name: put them back, so the logging tests after this one in the process still hear."""
    loggers = [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.disabled
    ]
    try:
        yield
    finally:
        for logger in loggers:
            logger.disabled = False


def test_every_layer_contract_is_kept(capsys: pytest.CaptureFixture[str]) -> None:
    with _loggers_left_as_they_were():
        exit_code = lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True)
    report = capsys.readouterr().out
    assert exit_code == 0, report
    assert f"{len(_contracts())} kept, 0 broken" in report


def test_web_and_cli_may_not_import_adapters() -> None:
    edge = _contracts()["The web and the CLI get adapters only from bootstrap"]
    assert edge["source_modules"] == ["kyvs.web", "kyvs.cli"]
    assert edge["forbidden_modules"] == ["kyvs.adapters"]


def test_services_and_domain_may_not_import_adapters_or_drivers() -> None:
    contracts = _contracts()
    services = contracts["Services reach adapters only through ports"]["forbidden_modules"]
    domain = contracts["The domain imports no framework, driver, adapter, service or edge"][
        "forbidden_modules"
    ]
    for forbidden in ("kyvs.adapters", "kyvs.bootstrap", "sqlalchemy", "redis", "fastapi"):
        assert forbidden in services  # type: ignore[operator]
        assert forbidden in domain  # type: ignore[operator]
