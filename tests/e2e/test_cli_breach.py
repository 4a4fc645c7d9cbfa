"""`kyvs breach`, as an operator types it after a provider's API key leaked: report the incident,
see whom it exposed, list, show, draft the notices, mark the steps; never a full mobile printed."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import stat
from typing import Any

import pytest
from sqlalchemy import insert

from kyvs.adapters.sql.engine import make_engine
from kyvs.adapters.sql.tables import access_log, api_audit
from tests.e2e.conftest import Cli

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
START = NOW - dt.timedelta(days=2)
END = NOW - dt.timedelta(hours=1)
ASHA_MOBILE, RAVI_MOBILE = "9876543210", "9123456780"


def seeded(cli: Cli) -> dict[str, Any]:
    """Two providers, two people, and the access log and API audit their checks wrote: Yatra
    verified Asha inside the window and Ravi before it; the hotel verified Ravi inside it."""
    created = {
        name: cli.json(
            "provider", "create", "--name", name, "--category", "travel",
            "--scopes", "status,demographics", "--purposes", "travel",
        )
        for name in ("Yatra Travels", "Hotel Lotus")
    }  # fmt: skip
    ids = {name: found["provider_id"] for name, found in created.items()}
    people = {
        mobile: cli.json(
            "registry", "add", "--name", name, "--mobile", mobile,
            "--birth-year", "1988", "--gender", "F",
        )["reference_id"]
        for name, mobile in (("Asha Patel", ASHA_MOBILE), ("Ravi Kumar", RAVI_MOBILE))
    }  # fmt: skip
    yatra, hotel = ids["Yatra Travels"], ids["Hotel Lotus"]
    entries = [
        (people[ASHA_MOBILE], yatra, "Yatra Travels", START + dt.timedelta(hours=5)),
        (people[RAVI_MOBILE], yatra, "Yatra Travels", START - dt.timedelta(hours=5)),
        (people[RAVI_MOBILE], hotel, "Hotel Lotus", START + dt.timedelta(hours=6)),
    ]
    engine = make_engine(cli.env["KYVS_DATABASE_URL"])
    with engine.begin() as connection:
        connection.execute(
            insert(access_log),
            [
                {
                    "beneficiary_ref": ref,
                    "provider_id": provider_id,
                    "provider_name": name,
                    "purpose": "travel",
                    "scopes": "demographics,status",
                    "outcome": "verified",
                    "txn_id": f"txn-{i}",
                    "at": at,
                    "consent_id": f"consent-{i}",
                }
                for i, (ref, provider_id, name, at) in enumerate(entries)
            ],
        )
        connection.execute(
            insert(api_audit),
            [
                {
                    "at": at,
                    "request_id": f"req-{i}",
                    "method": "POST",
                    "route": "/api/v1/verifications",
                    "status": 201,
                    "provider_id": provider_id,
                    "duration_ms": 9,
                }
                for i, (_, provider_id, _, at) in enumerate(entries)
            ],
        )
    engine.dispose()
    return {
        "yatra": yatra,
        "hotel": hotel,
        "yatra_key": created["Yatra Travels"]["api_key"],
        "asha": people[ASHA_MOBILE],
        "ravi": people[RAVI_MOBILE],
    }


def report_args(*more: str) -> list[str]:
    return [
        "breach", "report",
        "--aware-at", (NOW - dt.timedelta(minutes=30)).isoformat(),
        "--from", START.isoformat(), "--to", END.isoformat(),
        "--description", "Yatra's API key was pasted in a public chat.",
        *more,
    ]  # fmt: skip


def assert_nothing_full(text: str, seeds: dict[str, Any]) -> None:
    for secret in (ASHA_MOBILE, RAVI_MOBILE, seeds["asha"], seeds["ravi"], seeds["yatra_key"]):
        assert secret not in text


def test_report_list_show_and_mark_a_leaked_key_without_printing_a_full_mobile(cli: Cli):
    seeds = seeded(cli)
    printed: list[str] = []

    reported = cli.run(*report_args("--provider", seeds["yatra"], "--json"))
    printed.append(reported.stdout + reported.stderr)
    breach = json.loads(reported.stdout)
    assert breach["status"] == "open"
    assert breach["affected_count"] == 1
    assert breach["board_deadline"] == (NOW + dt.timedelta(hours=71, minutes=30)).isoformat()
    assert breach["affected"] == [
        {
            "reference_id_masked": "XXXXXXXXXX" + seeds["asha"][-4:],
            "mobile_masked": "XXXXXX3210",
            "disclosures": [
                {
                    "provider_id": seeds["yatra"],
                    "provider_name": "Yatra Travels",
                    "scopes": ["demographics", "status"],
                    "at": (START + dt.timedelta(hours=5)).isoformat(),
                    "consent_id": "consent-0",
                }
            ],
        }
    ]
    assert [a["calls"] for a in breach["api_activity"]] == [1]
    breach_id = breach["breach_id"]

    listed = cli.json("breach", "list")
    assert [(b["breach_id"], b["affected_count"]) for b in listed] == [(breach_id, 1)]
    table = cli.run("breach", "show", breach_id)
    printed.append(table.stdout + table.stderr)
    assert "XXXXXX3210" in table.stdout
    assert re.search(r"\(71 h [23]\d min left\)", table.stdout)

    for flag in ("--board-notified", "--principals-notified", "--closed"):
        marked = cli.run("breach", "mark", breach_id, flag)
        printed.append(marked.stdout + marked.stderr)
    shown = cli.json("breach", "show", breach_id)
    assert shown["status"] == "closed"
    assert shown["board_notified_at"] and shown["principals_notified_at"] and shown["closed_at"]
    printed.append(cli.run("breach", "list").stdout)
    assert_nothing_full("\n".join(printed), seeds)


def test_without_a_provider_every_disclosure_in_the_window_counts(cli: Cli):
    seeds = seeded(cli)

    breach = cli.json(*report_args("--data-kind", "status"))

    assert breach["affected_count"] == 2
    assert [p["reference_id_masked"][-4:] for p in breach["affected"]] == [
        seeds["asha"][-4:],
        seeds["ravi"][-4:],
    ]
    assert breach["data_kinds"] == ["status"]


def test_the_contacts_for_the_notices_go_only_to_a_new_file_readable_by_its_owner(cli: Cli):
    seeds = seeded(cli)
    contacts = cli.cwd / "contacts.csv"

    done = cli.run(*report_args("--reveal-contacts", str(contacts)))

    assert_nothing_full(done.stdout + done.stderr, seeds)
    assert "Wrote 2 contact(s)" in done.stdout
    assert stat.S_IMODE(contacts.stat().st_mode) == 0o600
    with contacts.open(encoding="utf-8") as opened:
        rows = list(csv.DictReader(opened))
    assert [(r["reference_id"], r["mobile"]) for r in rows] == [
        (seeds["asha"], "+91" + ASHA_MOBILE),
        (seeds["ravi"], "+91" + RAVI_MOBILE),
    ]
    again = cli.json(*report_args("--reveal-contacts", str(contacts)), check=False)
    assert again["type"].endswith("/invalid-input")
    assert "exists" in again["detail"]
    assert len(cli.json("breach", "list")) == 1  # refused before anything was recorded


def test_a_leaked_key_named_by_its_prefix_and_the_drafts_filled_from_the_incident(cli: Cli):
    seeds = seeded(cli)
    key_id = seeds["yatra_key"].split("_")[1]
    breach = cli.json(*report_args("--key", f"kyvs_{key_id}_"))
    breach_id = breach["breach_id"]
    assert (breach["key_ids"], breach["provider_ids"]) == ([key_id], [seeds["yatra"]])
    assert breach["affected_count"] == 1

    drafts = cli.json("breach", "show", breach_id, "--draft", "--contact", "DPO, 080 1234 5678")
    text = cli.run("breach", "show", breach_id, "--draft").stdout

    assert "Yatra's API key was pasted in a public chat." in drafts["principal_notice"]
    assert "DPO, 080 1234 5678" in drafts["principal_notice"]
    assert "(vi) Intimations to the affected people" in drafts["board_report"]
    assert f"(API keys {key_id})" in drafts["board_report"]
    assert "[to be filled in by the operator]" in text  # brackets printed, not read as markup
    lines = text.splitlines()
    assert "(ii) Events, circumstances and reasons: [to be filled in by the operator]" in lines
    assert "Notice of a personal data breach" in lines
    assert_nothing_full(text + str(drafts), seeds)


@pytest.mark.parametrize(
    ("args", "slug"),
    [
        (["breach", "show", "breach-nope"], "breach-not-found"),
        (["breach", "mark", "breach-nope", "--closed"], "breach-not-found"),
        (["breach", "mark", "breach-nope"], "invalid-input"),
        (["breach", "mark", "breach-nope", "--closed", "--board-notified"], "invalid-input"),
    ],
)
def test_mistakes_are_problems_with_a_stable_type(cli: Cli, args, slug):
    problem = cli.json(*args, check=False)

    assert problem["type"] == f"https://kyvs.dev/problems/{slug}"


def test_a_closing_before_the_board_is_told_is_refused(cli: Cli):
    seeded(cli)
    breach_id = cli.json(*report_args())["breach_id"]

    refused = cli.run("breach", "mark", breach_id, "--closed", check=False)

    assert refused.returncode == 1
    assert "Notify the Board before closing" in refused.stderr
