"""`kyvs retention purge` and `kyvs retention policy` as an operator types them."""

from __future__ import annotations

import datetime as dt
import json
import subprocess

import pytest

from kyvs.adapters.sql.engine import make_engine
from kyvs.domain.retention import RETENTION, RecordKind
from tests.e2e.conftest import KYVS, Cli
from tests.factories import retention as seeded

# The kept twins sit this far inside their period: the CLI purges by the real clock, later.
MARGIN = dt.timedelta(hours=1)
EXPECTED = {kind.value: n for kind, n in seeded.EXPECTED.items()}


@pytest.fixture
def seeded_cli(cli: Cli):
    engine = make_engine(cli.env["KYVS_DATABASE_URL"])
    seeded.seed(engine, dt.datetime.now(dt.UTC), MARGIN)
    yield cli, engine
    engine.dispose()


def test_a_dry_run_counts_what_is_due_and_changes_nothing(seeded_cli):
    cli, engine = seeded_cli
    before = seeded.row_counts(engine)
    verifications = seeded.table_rows(engine, seeded.t.verifications)

    counted = cli.json("retention", "purge", "--dry-run")

    assert counted == {"dry_run": True, "counts": EXPECTED, "total": sum(EXPECTED.values())}
    assert seeded.row_counts(engine) == before
    assert seeded.table_rows(engine, seeded.t.verifications) == verifications


def test_a_purge_erases_what_is_due_once(seeded_cli):
    cli, engine = seeded_cli
    before = seeded.row_counts(engine)

    purged = cli.json("retention", "purge")

    assert purged == {"dry_run": False, "counts": EXPECTED, "total": sum(EXPECTED.values())}
    after = seeded.row_counts(engine)
    assert before["share_links"] - after["share_links"] == 2
    assert before["beneficiaries"] == after["beneficiaries"] == 1
    again = cli.json("retention", "purge")
    assert again["counts"] == dict.fromkeys(EXPECTED, 0)
    table = cli.run("retention", "purge", "--dry-run").stdout
    assert "Due for erasure" in table and "A dry run: nothing was erased." in table
    assert "verification_details" in table and "total" in table


def test_the_policy_says_each_kinds_period_and_setting(cli: Cli):
    cli.env["KYVS_RETENTION_SMS_OUTBOX_DAYS"] = "2"
    shown = {row["kind"]: row for row in cli.json("retention", "policy")}
    assert list(shown) == [kind.value for kind in RecordKind]
    assert shown["sms_outbox"]["kept_for"] == "2 days"
    assert shown["access_log"] == {
        "kind": "access_log",
        "erased": RETENTION[RecordKind.ACCESS_LOG].erased,
        "kept_for": "365 days",
        "counted_from": "the entry's time",
        "setting": "KYVS_RETENTION_ACCESS_LOG_DAYS",
    }
    assert "KYVS_RETENTION_VERIFICATION_DETAILS_HOURS" in cli.run("retention", "policy").stdout


def test_a_log_kept_less_than_a_year_is_refused_with_the_reason(cli: Cli):
    cli.env["KYVS_RETENTION_ACCESS_LOG_DAYS"] = "90"
    refused = cli.json("retention", "purge", check=False)
    assert refused["type"] == "https://kyvs.dev/problems/invalid-settings"
    assert "KYVS_RETENTION_ACCESS_LOG_DAYS is 90 days" in refused["detail"]
    assert "at least 365 days" in refused["detail"]
    done = cli.run("retention", "purge", check=False)
    assert done.returncode == 1
    assert "rule 6(1)(e)" in done.stderr


def test_three_purges_at_once_erase_each_record_once(cli: Cli):
    due = 60
    engine = make_engine(cli.env["KYVS_DATABASE_URL"])
    try:
        seeded.seed_many(engine, dt.datetime.now(dt.UTC), due=due, kept=3, margin=MARGIN)
        # Small batches, so the three processes' batches interleave.
        env = cli.env | {"KYVS_RETENTION_BATCH_SIZE": "4"}
        purges = [
            subprocess.Popen(
                [KYVS, "retention", "purge", "--json"],
                env=env,
                cwd=cli.cwd,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        results = []
        for purge in purges:
            out, err = purge.communicate(timeout=120)
            assert purge.returncode == 0, err
            results.append(json.loads(out)["counts"])
        for kind in RecordKind:
            assert sum(result[kind.value] for result in results) == due, kind
        assert cli.json("retention", "purge", "--dry-run")["total"] == 0
        counts = seeded.row_counts(engine)
        assert counts["access_log"] == counts["sms_outbox"] == counts["share_links"] == 3
    finally:
        engine.dispose()
