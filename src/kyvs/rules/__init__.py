"""The packaged rule data: the vaccine catalogue, the status rules, the access vocabulary and
the example SMS templates."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from pathlib import Path

from kyvs.domain.access import AccessCatalogue
from kyvs.domain.notice import NoticeContent
from kyvs.domain.rules import RuleSet
from kyvs.domain.sms_templates import SmsTemplateRegistry
from kyvs.domain.vaccines import Catalogue


def _read(name: str) -> dict[str, object]:
    return tomllib.loads(resources.files(__name__).joinpath(name).read_text(encoding="utf-8"))


@cache
def load_catalogue() -> Catalogue:
    """The packaged vaccine catalogue (read once per process)."""
    return Catalogue.from_mapping(_read("catalogue.toml"))


@cache
def load_rule_set() -> RuleSet:
    """The packaged status rule set over the packaged catalogue (read once per process)."""
    return RuleSet.from_mapping(_read("status_rules.toml"), load_catalogue())


@cache
def load_access_catalogue() -> AccessCatalogue:
    """The packaged provider categories, purposes and scopes (read once per process)."""
    return AccessCatalogue.from_mapping(_read("access.toml"))


SMS_TEMPLATES_EXAMPLE = "sms_templates.toml"


@cache
def load_example_sms_templates() -> SmsTemplateRegistry:
    """The packaged example SMS templates (placeholder DLT ids; a deployment registers its own
    and names their file in `KYVS_SMS_TEMPLATES`)."""
    return SmsTemplateRegistry.from_mapping(_read(SMS_TEMPLATES_EXAMPLE))


def read_sms_templates(path: Path) -> SmsTemplateRegistry:
    """A deployment's SMS template registry from its TOML file (ValueError saying what is
    wrong when it cannot be read)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return SmsTemplateRegistry.from_mapping(data)
    except OSError as error:
        raise ValueError(f"cannot read the SMS templates {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"the SMS templates {path} are not TOML: {error}") from None
    except KeyError as error:
        raise ValueError(f"the SMS templates {path} lack {error.args[0]!r}") from None
    except (TypeError, ValueError) as error:
        raise ValueError(f"the SMS templates {path}: {error}") from None


NOTICE = "notice.toml"


@cache
def load_notice_content() -> NoticeContent:
    """The packaged privacy notice: its content (msgids) and its published versions."""
    return NoticeContent.from_mapping(_read(NOTICE))
