"""Which msgids kyvs uses: found in the page templates, the page code, the SMS texts and the rules.

Templates call `_("msgid")`, `f("msgid with {placeholder}", placeholder=...)` and, for a count,
`nf("singular", "plural", n, ...)`. Python code calls `words.gettext(...)`, `words.format(...)`,
`words.ngettext(...)` and `words.nformat(...)` with a literal, a module-level constant
(`SIGNED_NOTE`, `VERIFICATION_TEXT`) or a message table (`_MESSAGES.get(slug, _FALLBACK)`,
`_STATE_TEXT[state]`); the tables' values are msgids, and so are those of the share cards'
`CARD_MSGIDS`. Purpose labels come from `rules/access.toml`, the privacy notice's words from
`rules/notice.toml`, status labels from `STATUS_LABELS`.
Run `python -m kyvs.i18n.extract` to list the msgids, or with `--missing` to list what each catalog
lacks. The result is deterministic: sources in path order, then line order.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, nodes

from kyvs.domain.notice import NoticeContent
from kyvs.i18n.catalogs import (
    COMPLETE_LANGUAGES,
    STATUS_LABELS,
    SUPPORTED_LANGUAGES,
    catalog,
    usable_messages,
    usable_plurals,
)

PACKAGE = Path(__file__).resolve().parent.parent  # src/kyvs
# A plural message is known by its singular msgid, the first argument, as in the catalogs.
TEMPLATE_FUNCTIONS = frozenset({"_", "f", "nf"})
PYTHON_FUNCTIONS = frozenset({"gettext", "format", "ngettext", "nformat"})
# Module-level message tables: their values are msgids even where they reach gettext indirectly.
MESSAGE_TABLES = frozenset(
    {
        "_MESSAGES",
        "_FALLBACK",
        "_STATE_TEXT",
        "_OUTCOMES",
        "CARD_MSGIDS",
        "CATALOGUE",
        "REASONS",
        "_ABOUT",  # the rights' texts (web/pages/rights_texts.py)
        "_ERASED",
        "_KEPT",
        "_SUBJECTS",
    }
)
# In the problem catalogue, each `ProblemType(slug, status, page_text, ...)` holds a msgid.
CATALOGUE_ENTRY, CATALOGUE_TEXT_ARG = "ProblemType", 2
# Only constant-cased module names are followed: a function's local `slug` is not a msgid.
_CONSTANT = re.compile(r"_?[A-Z][A-Z0-9_]*")
STATUS_SOURCE = "i18n/catalogs.py"
PURPOSE_SOURCE = "rules/access.toml"
NOTICE_SOURCE = "rules/notice.toml"
SMS_SOURCE = "services/sms_texts.py"
PROBLEMS_SOURCE = "web/problem_catalogue.py"
CARD_SOURCE = "adapters/share_card/words.py"  # read when present (share cards are optional)
# What a person sees while a provider checks their status (a partial language must have these).
VERIFICATION_SOURCES = (
    "web/templates/console/",
    "web/templates/hosted/",
    "web/templates/_otp_form.html",
    "web/templates/_privacy_notice.html",
    "web/templates/notice.html",
    "web/templates/_status.html",
    "web/templates/base.html",
    "web/templates/error.html",
    "web/pages/console.py",
    "web/pages/errors.py",
    "web/pages/hosted.py",
    "web/pages/messages.py",
    PROBLEMS_SOURCE,
    STATUS_SOURCE,
    PURPOSE_SOURCE,
    NOTICE_SOURCE,
)


@dataclass(frozen=True, slots=True)
class Found:
    """One use of a msgid: where (a path under `src/kyvs`) and on which line."""

    msgid: str
    source: str
    line: int


@dataclass(frozen=True, slots=True)
class Extraction:
    """Every msgid with the sources using it (in first-use order), and unreadable calls."""

    messages: dict[str, tuple[str, ...]]
    dynamic: tuple[str, ...]  # `source:line` of template calls whose msgid is not a literal

    def used_by(self, prefixes: Sequence[str]) -> list[str]:
        """The msgids used by any source whose path starts with one of `prefixes`."""
        return [
            msgid
            for msgid, sources in self.messages.items()
            if any(source.startswith(tuple(prefixes)) for source in sources)
        ]


def template_messages(source: str, name: str) -> tuple[list[Found], list[str]]:
    """The msgids a Jinja template passes to `_` and `f`, and where a call has no literal."""
    found: list[Found] = []
    dynamic: list[str] = []
    parsed = Environment(autoescape=True).parse(source, name=name)  # parsed, never rendered
    for call in parsed.find_all(nodes.Call):
        if not (isinstance(call.node, nodes.Name) and call.node.name in TEMPLATE_FUNCTIONS):
            continue
        first = call.args[0] if call.args else None
        if isinstance(first, nodes.Const) and isinstance(first.value, str):
            found.append(Found(first.value, name, call.lineno))
        else:
            dynamic.append(f"{name}:{call.lineno}")
    return found, dynamic


def python_messages(source: str, name: str) -> list[Found]:
    """The msgids a module passes to `.gettext`/`.format`, and its message tables' values."""
    tree = ast.parse(source, filename=name)
    constants = _module_constants(tree)
    found: list[Found] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in PYTHON_FUNCTIONS
            and not isinstance(node.func.value, ast.Constant)  # "...".format() is not a lookup
            and node.args
        ):
            found += (Found(m, name, node.lineno) for m in _msgids(node.args[0], constants))
    for table in sorted(MESSAGE_TABLES & constants.keys()):
        value = constants[table]
        found += (Found(m, name, value.lineno) for m in _values(value, constants, set()))
    return sorted(found, key=lambda item: item.line)


def _module_constants(tree: ast.Module) -> dict[str, ast.expr]:
    constants: dict[str, ast.expr] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets, value = [statement.target], statement.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name) and _CONSTANT.fullmatch(target.id):
                constants[target.id] = value
    return constants


def _msgids(
    expr: ast.expr, constants: dict[str, ast.expr], seen: set[str] | None = None
) -> list[str]:
    """The msgids an argument of gettext/format can be, as far as the module shows."""
    seen = set() if seen is None else seen
    if isinstance(expr, ast.Constant):
        return [expr.value] if isinstance(expr.value, str) else []
    if isinstance(expr, ast.Name):
        known = expr.id in constants and expr.id not in seen
        return _values(constants[expr.id], constants, seen | {expr.id}) if known else []
    # The parts whose msgids this expression can be; none when it is dynamic (a purpose's
    # label, a parameter): those are not msgids of this module.
    parts: list[ast.expr] = []
    if isinstance(expr, ast.Subscript):  # TABLE[key]
        parts = [expr.value]
    elif (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr == "get"
    ):  # TABLE.get(key, DEFAULT)
        parts = [expr.func.value, *expr.args[1:2]]
    elif isinstance(expr, ast.IfExp):
        parts = [expr.body, expr.orelse]
    elif isinstance(expr, ast.BoolOp):
        parts = list(expr.values)
    return [msgid for part in parts for msgid in _msgids(part, constants, seen)]


def _values(value: ast.expr, constants: dict[str, ast.expr], seen: set[str]) -> list[str]:
    """The msgids a module-level constant holds: a string, or a table's values."""
    if isinstance(value, ast.Dict):
        return [m for item in value.values for m in _values(item, constants, seen)]
    if isinstance(value, ast.Tuple | ast.List | ast.Set):
        return [m for item in value.elts for m in _values(item, constants, seen)]
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id == CATALOGUE_ENTRY
    ):
        text = [k.value for k in value.keywords if k.arg == "page_text"]
        text += value.args[CATALOGUE_TEXT_ARG : CATALOGUE_TEXT_ARG + 1]
        return [m for item in text for m in _msgids(item, constants, seen)]
    return _msgids(value, constants, seen)


def purpose_labels(text: str) -> list[str]:
    """The purpose labels of the access rules (`rules/access.toml`)."""
    return [str(purpose["label"]) for purpose in tomllib.loads(text).get("purposes", [])]


def notice_messages(text: str) -> list[str]:
    """The msgids of the privacy notice's content (`rules/notice.toml`)."""
    return NoticeContent.from_mapping(tomllib.loads(text)).msgids()


def template_paths(package: Path = PACKAGE) -> list[Path]:
    """Every page template, in path order."""
    return sorted((package / "web" / "templates").rglob("*.html"))


def python_paths(package: Path = PACKAGE) -> list[Path]:
    """The page code, the SMS texts and the share cards (when present), in path order."""
    pages = (package / "web" / "pages").glob("*.py")
    card = package / CARD_SOURCE
    sources = [*pages, package / SMS_SOURCE, package / PROBLEMS_SOURCE]
    return sorted([*sources, *([card] if card.is_file() else [])])


def extract(package: Path = PACKAGE) -> Extraction:
    """Every msgid kyvs uses, from the sources under `package` (default: the installed kyvs)."""
    found = [Found(label, STATUS_SOURCE, 0) for label in STATUS_LABELS]
    access = (package / PURPOSE_SOURCE).read_text(encoding="utf-8")
    found += (Found(label, PURPOSE_SOURCE, 0) for label in purpose_labels(access))
    notice = (package / NOTICE_SOURCE).read_text(encoding="utf-8")
    found += (Found(msgid, NOTICE_SOURCE, 0) for msgid in notice_messages(notice))
    dynamic: list[str] = []
    for path in template_paths(package):
        name = path.relative_to(package).as_posix()
        in_template, unreadable = template_messages(path.read_text(encoding="utf-8"), name)
        found += in_template
        dynamic += unreadable
    for path in python_paths(package):
        name = path.relative_to(package).as_posix()
        found += python_messages(path.read_text(encoding="utf-8"), name)
    return Extraction(_grouped(found), tuple(dynamic))


def _grouped(found: Iterable[Found]) -> dict[str, tuple[str, ...]]:
    grouped: dict[str, list[str]] = {}
    for item in found:
        sources = grouped.setdefault(item.msgid, [])
        if item.source not in sources:
            sources.append(item.source)
    return {msgid: tuple(sources) for msgid, sources in grouped.items() if msgid}


def missing(extraction: Extraction, language: str) -> list[str]:
    """The msgids that `language` needs but has no usable (non-empty, non-fuzzy) translation of."""
    needed = (
        list(extraction.messages)
        if language in COMPLETE_LANGUAGES
        else extraction.used_by(VERIFICATION_SOURCES)
    )
    usable = usable_messages(catalog(language)).keys() | usable_plurals(catalog(language)).keys()
    return [msgid for msgid in needed if msgid not in usable]


def _report(arguments: Sequence[str]) -> Iterator[str]:
    parser = argparse.ArgumentParser(prog="python -m kyvs.i18n.extract", description=__doc__)
    parser.add_argument("--missing", action="store_true", help="list what each catalog lacks")
    options = parser.parse_args(arguments)
    extraction = extract()
    if not options.missing:
        for msgid, sources in extraction.messages.items():
            yield f"{msgid!r}\t{', '.join(sources)}"
    else:
        for language in SUPPORTED_LANGUAGES:
            yield from (f"{language}\t{msgid!r}" for msgid in missing(extraction, language))
    yield from (f"dynamic\t{where}" for where in extraction.dynamic)


if __name__ == "__main__":
    sys.stdout.write("".join(f"{line}\n" for line in _report(sys.argv[1:])))
