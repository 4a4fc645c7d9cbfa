"""The operator's provider commands, as typed, and what they do to a running server."""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any

import httpx

from kyvs.adapters.passwords import password_matches
from kyvs.domain import api_keys
from tests.e2e.conftest import Cli, running_server
from tests.e2e.deployments import Onboarding, add_staff_login, onboard

PROBLEMS = "https://kyvs.dev/problems/"


def create(cli: Cli, name: str, *extra: str, scopes: str = "vaccinations") -> dict[str, Any]:
    created: dict[str, Any] = cli.json(
        "provider",
        "create",
        "--name",
        name,
        "--category",
        "travel",
        "--scopes",
        scopes,
        "--purposes",
        "travel",
        *extra,
    )
    return created


def database(cli: Cli) -> sqlite3.Connection:
    return sqlite3.connect(cli.env["KYVS_DATABASE_URL"].removeprefix("sqlite:///"))


def test_onboarding_shows_the_key_once_and_lists_only_its_prefix(cli):
    created = create(
        cli,
        "Yatra Travels",
        "--quota",
        "500",
        "--rate-limit",
        "50/min",
        "--return-url",
        "https://yatra.example/return",
        "--embed-origin",
        "https://yatra.example/",
    )
    key = created.pop("api_key")
    key_id = api_keys.key_id_of(key)
    assert key_id is not None
    secret = key.removeprefix(f"kyvs_{key_id}_")
    assert created == {
        "provider_id": created["provider_id"],
        "name": "Yatra Travels",
        "category": "travel",
        "scopes": ["status", "vaccinations"],
        "purposes": ["travel"],
        "daily_quota": 500,
        "rate_limit": "50/min",
        "active": True,
        "return_urls": ["https://yatra.example/return"],
        "embed_origins": ["https://yatra.example"],
    }

    listed = cli.run("provider", "list", "--json").stdout
    keys = cli.run("provider", "key", "list", created["provider_id"], "--json").stdout
    table = cli.run("provider", "key", "list", created["provider_id"]).stdout
    for shown in (listed, keys, table):
        assert secret not in shown
    assert [p["provider_id"] for p in json.loads(listed)] == [created["provider_id"]]
    [record] = json.loads(keys)
    assert (record["key_id"], record["prefix"], record["revoked_at"]) == (
        key_id,
        f"kyvs_{key_id}_",
        None,
    )
    assert record["created_at"].endswith("+00:00")
    assert f"kyvs_{key_id}_" in table


def test_keys_are_rotated_and_revoked(cli):
    created = create(cli, "Yatra Travels")
    provider_id = created["provider_id"]
    first = api_keys.key_id_of(created["api_key"])
    second = api_keys.key_id_of(cli.json("provider", "key", "issue", provider_id)["api_key"])
    rotated = cli.json("provider", "key", "rotate", provider_id)
    fresh = api_keys.key_id_of(rotated["api_key"])
    assert rotated["provider_id"] == provider_id
    assert fresh not in {first, second, None}

    states = {
        k["key_id"]: k["revoked_at"] for k in cli.json("provider", "key", "list", provider_id)
    }
    assert states[fresh] is None
    assert states[first] is not None
    assert states[second] is not None

    assert cli.json("provider", "key", "revoke", fresh) == {"key_id": fresh, "revoked": True}
    again = cli.run("provider", "key", "revoke", fresh, check=False)
    assert again.returncode == 1
    assert f"No active API key has id '{fresh}'" in again.stderr
    assert "Traceback" not in again.stderr


def test_a_provider_is_suspended_and_resumed(cli):
    provider_id = create(cli, "Yatra Travels")["provider_id"]
    assert cli.json("provider", "suspend", provider_id)["active"] is False
    assert "SUSPENDED" in cli.run("provider", "list").stdout
    assert cli.json("provider", "resume", provider_id)["active"] is True
    assert [p["active"] for p in cli.json("provider", "list")] == [True]


def test_staff_logins_are_added_without_a_prompt(cli):
    provider_id = create(cli, "Yatra Travels")["provider_id"]
    added = cli.json(
        "provider",
        "staff",
        "add",
        provider_id,
        "--username",
        "Desk.One",
        "--password",
        "correct horse battery",
    )
    assert added == {"username": "desk.one", "provider_id": provider_id}
    with database(cli) as connection:
        [(stored,)] = connection.execute(
            "SELECT password_hash FROM staff_accounts WHERE username = 'desk.one'"
        ).fetchall()
    connection.close()
    assert stored.startswith("$argon2id$")
    assert password_matches("correct horse battery", stored)

    taken = cli.run(
        "provider",
        "staff",
        "add",
        provider_id,
        "--username",
        "desk.one",
        "--password",
        "another long password",
        check=False,
    )
    assert (taken.returncode, taken.stderr.strip()) == (
        1,
        "Error: The username 'desk.one' is taken.",
    )
    short = cli.json(
        "provider",
        "staff",
        "add",
        provider_id,
        "--username",
        "desk.two",
        "--password",
        "short",
        check=False,
    )
    assert short["type"] == PROBLEMS + "invalid-input"
    assert "at least 10 characters" in short["detail"]


def stored_staff(cli: Cli, username: str) -> tuple[str, int, int]:
    """(password hash, disabled, session version) of a staff login, read from the database."""
    with database(cli) as connection:
        [row] = connection.execute(
            "SELECT password_hash, disabled, session_version FROM staff_accounts "
            "WHERE username = ?",
            (username,),
        ).fetchall()
    connection.close()
    return row


def onboarded(cli: Cli, name: str) -> str:
    """A provider's id, onboarded in the test process (`provider create` is tested above)."""
    made = onboard(cli.env["KYVS_DATABASE_URL"], [Onboarding(name, scopes=("vaccinations",))])
    return str(made[name]["provider_id"])


def add(cli: Cli, provider_id: str, username: str) -> None:
    """A staff login, added in the test process (`provider staff add` is tested above)."""
    add_staff_login(cli.env["KYVS_DATABASE_URL"], provider_id, username, "x" * 12)


def test_staff_logins_are_listed_for_everyone_or_one_provider(cli):
    yatra, sagar = onboarded(cli, "Yatra Travels"), onboarded(cli, "Hotel Sagar")
    add(cli, yatra, "desk.two")
    add(cli, sagar, "front")
    add(cli, yatra, "desk.one")
    cli.run("provider", "staff", "disable", "desk.two")

    assert cli.json("provider", "staff", "list", yatra) == [
        {"username": "desk.one", "provider_id": yatra, "disabled": False},
        {"username": "desk.two", "provider_id": yatra, "disabled": True},
    ]
    assert [a["username"] for a in cli.json("staff", "list")] == ["desk.one", "desk.two", "front"]
    table = cli.run("provider", "staff", "list").stdout
    assert re.search(rf"desk\.two\s+.*{yatra}\s+.*DISABLED", table)
    assert re.search(rf"front\s+.*{sagar}\s+.*active", table)
    assert "argon2" not in table + cli.run("staff", "list", "--json").stdout


def test_disable_enable_and_reset_password_each_raise_the_session_version(cli):
    provider_id = onboarded(cli, "Yatra Travels")
    add(cli, provider_id, "desk.one")
    assert stored_staff(cli, "desk.one")[1:] == (0, 0)

    disabled = cli.json("provider", "staff", "disable", "Desk.One")
    assert disabled == {"username": "desk.one", "provider_id": provider_id, "disabled": True}
    assert stored_staff(cli, "desk.one")[1:] == (1, 1)
    enabled = cli.run("staff", "enable", "desk.one").stdout
    assert "desk.one enabled; its console sessions have ended." in enabled
    assert stored_staff(cli, "desk.one")[1:] == (0, 2)

    generated = cli.json("provider", "staff", "reset-password", "desk.one")
    password = generated.pop("password")
    assert generated == {"username": "desk.one", "provider_id": provider_id, "disabled": False}
    assert len(password) >= 24
    stored, _, version = stored_staff(cli, "desk.one")
    assert (password_matches(password, stored), version) == (True, 3)

    shown = cli.run("provider", "staff", "reset-password", "desk.one").stdout
    assert "(shown only now)" in shown
    assert password_matches(shown.split(": ")[1].split()[0], stored_staff(cli, "desk.one")[0])


def test_a_new_password_can_be_read_from_standard_input(cli):
    provider_id = onboarded(cli, "Yatra Travels")
    add(cli, provider_id, "desk.one")
    read = cli.json(
        "staff", "reset-password", "desk.one", "--password-stdin", stdin="my own long one\n"
    )
    assert "password" not in read
    assert password_matches("my own long one", stored_staff(cli, "desk.one")[0])

    short = cli.run(
        "staff", "reset-password", "desk.one", "--password-stdin", stdin="short\n", check=False
    )
    assert (short.returncode, short.stderr.strip()) == (
        1,
        "Error: A staff password has at least 10 characters.",
    )
    assert password_matches("my own long one", stored_staff(cli, "desk.one")[0])


def test_an_unknown_staff_login_is_named_in_the_error(cli):
    for command in ("disable", "enable", "reset-password"):
        missing = cli.run("provider", "staff", command, "nobody", check=False)
        assert (missing.returncode, missing.stderr.strip()) == (
            1,
            "Error: No staff login has username 'nobody'.",
        )
    problem = cli.json("staff", "disable", "nobody", check=False)
    assert problem["type"] == PROBLEMS + "invalid-input"
    unknown = cli.run("staff", "list", "prv_0000000000000000", check=False)
    assert unknown.returncode == 1
    assert "No provider has id 'prv_0000000000000000'" in unknown.stderr


def test_mistakes_exit_1_with_a_clear_message(cli):
    scope = cli.run(
        "provider",
        "create",
        "--name",
        "Yatra Travels",
        "--category",
        "travel",
        "--scopes",
        "status,address",
        "--purposes",
        "travel",
        check=False,
    )
    assert scope.returncode == 1
    assert scope.stderr.strip() == (
        "Error: Unknown scope address; known: demographics, status, vaccinations."
    )
    assert scope.stdout == ""

    category = cli.run(
        "provider",
        "create",
        "--name",
        "Yatra Travels",
        "--category",
        "casino",
        "--scopes",
        "status",
        "--purposes",
        "travel",
        "--json",
        check=False,
    )
    assert category.returncode == 1
    problem = json.loads(category.stdout)
    assert problem["type"] == PROBLEMS + "invalid-input"
    assert problem["detail"].startswith("Unknown category casino; known: ")
    assert "travel" in problem["detail"]

    missing = cli.run("provider", "suspend", "prv_0000000000000000", check=False)
    assert missing.returncode == 1
    assert "No provider has id 'prv_0000000000000000'" in missing.stderr
    assert "Traceback" not in missing.stderr + scope.stderr + category.stderr
    assert cli.json("provider", "list") == []


def answer(base: str, key: str) -> httpx.Response:
    """A cheap authenticated call: the state of a txn nobody started (404 once authenticated)."""
    return httpx.get(
        f"{base}/api/v1/verifications/00000000-0000-0000-0000-000000000000",
        headers={"X-Api-Key": key},
        timeout=10,
    )


def problem_type(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/problem+json")
    return str(response.json()["type"]).removeprefix(PROBLEMS)


def test_a_running_server_honours_revocation_and_suspension(cli):
    yatra = create(cli, "Yatra Travels")
    spare = cli.json("provider", "key", "issue", yatra["provider_id"])["api_key"]
    hotel = create(cli, "Hotel Sagar")
    with running_server(cli.env, cli.cwd) as base:
        works = answer(base, yatra["api_key"])
        assert (works.status_code, problem_type(works)) == (404, "txn-not-found")

        # Keys the server has not looked up yet, so its 30-second cache holds nothing stale.
        cli.run("provider", "key", "revoke", api_keys.key_id_of(spare) or "")
        revoked = answer(base, spare)
        assert (revoked.status_code, problem_type(revoked)) == (401, "invalid-api-key")

        cli.run("provider", "suspend", hotel["provider_id"])
        suspended = answer(base, hotel["api_key"])
        assert (suspended.status_code, problem_type(suspended)) == (403, "provider-suspended")

        cli.run("provider", "resume", hotel["provider_id"])
        fresh = cli.json("provider", "key", "issue", hotel["provider_id"])["api_key"]
        resumed = answer(base, fresh)
        assert (resumed.status_code, problem_type(resumed)) == (404, "txn-not-found")

        forged = f"kyvs_{api_keys.key_id_of(fresh)}_{'A' * 43}"
        assert answer(base, forged).status_code == 401
