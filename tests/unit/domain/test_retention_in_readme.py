"""The README's retention table says what `kyvs.domain.retention.RETENTION` does: every kind,
its default period, its setting and, where it has one, its shortest allowed period."""

from __future__ import annotations

import re
from pathlib import Path

from kyvs.domain.retention import ONE_HOUR, RETENTION

README = Path(__file__).resolve().parents[3] / "README.md"


def retention_rows() -> dict[str, list[str]]:
    """The `### Retention` table's rows by kind: the cells after the kind."""
    section = README.read_text().split("### Retention\n", 1)[1].split("\n#", 1)[0]
    rows = {}
    for line in section.splitlines():
        found = re.match(r"\| `([a-z_]+)` \|(.*)\|$", line)
        if found:
            rows[found.group(1)] = [cell.strip() for cell in found.group(2).split("|")]
    return rows


def test_the_readme_lists_every_kind_in_the_tables_order():
    assert list(retention_rows()) == [kind.value for kind in RETENTION]


def test_each_row_says_the_default_the_setting_and_the_shortest_period():
    rows = retention_rows()
    for kind, rule in RETENTION.items():
        _erased, counted_from, default, setting = rows[kind.value]
        assert counted_from == rule.counted_from, kind
        assert default == rule.in_unit(rule.period(rule.default)), kind
        assert setting.startswith(f"`{rule.setting}`"), kind
        if rule.why_minimum:
            assert f"({rule.in_unit(rule.minimum)}" in setting, kind
        else:
            assert rule.minimum == ONE_HOUR and "(" not in setting, kind
