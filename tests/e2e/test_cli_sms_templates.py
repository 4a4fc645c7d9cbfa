"""`kyvs sms templates check` and `draft`, as an operator registering DLT templates runs them."""

from __future__ import annotations

import tomllib

import pytest

from tests.e2e.conftest import Cli, environment


@pytest.fixture
def operator(tmp_path) -> Cli:
    """The CLI with demo settings (no database needed to check templates)."""
    return Cli(environment(f"sqlite:///{tmp_path}/kyvs.db", KYVS_DEMO="1"), tmp_path)


def drafted(cli: Cli) -> str:
    return cli.run(
        "sms", "templates", "draft", "--entity-id", "1101161234567890123", "--header", "KYVSGV"
    ).stdout


def write(cli: Cli, text: str) -> str:
    path = cli.cwd / "templates.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_packaged_example_passes_and_every_template_fits_its_segments(operator):
    report = operator.json("sms", "templates", "check")
    assert report["problems"] == []
    assert report["sent_in_english"] == []
    assert len(report["templates"]) == 96
    logins = [row for row in report["templates"] if row["kind"] == "citizen-login-otp"]
    assert {row["segments"] for row in logins} <= {1, 2}
    checks = [row for row in report["templates"] if row["kind"] == "verification-otp"]
    for row in checks:  # the notice link takes one segment more
        assert row["segments"] <= (2 if row["language"] == "en" else 3), row


def test_a_draft_without_the_notice_link_fits_two_segments_and_checks_clean(operator):
    text = operator.run(
        "sms", "templates", "draft", "--entity-id", "1101161234567890123", "--header", "KYVSGV",
        "--no-notice-link",
    ).stdout  # fmt: skip
    assert "{#url#}" not in text
    report = operator.json("sms", "templates", "check", "--file", write(operator, text))
    assert report["problems"] == []
    assert {row["segments"] for row in report["templates"]} <= {1, 2}


def test_a_public_base_url_too_long_for_the_notice_link_fails_the_check(tmp_path):
    env = environment(
        f"sqlite:///{tmp_path}/kyvs.db",
        KYVS_DEMO="1",
        KYVS_PUBLIC_BASE_URL="https://vaccination-status.example.gov.in",
    )
    done = Cli(env, tmp_path).run("sms", "templates", "check", check=False)
    assert done.returncode == 1
    assert "the notice link https://vaccination-status.example.gov.in/n/hi" in done.stdout


def test_a_draft_names_the_entity_and_header_and_checks_clean(operator):
    text = drafted(operator)
    data = tomllib.loads(text)
    assert (data["entity_id"], data["header"], data["otp_minutes"]) == (
        "1101161234567890123",
        "KYVSGV",
        3,
    )
    report = operator.json("sms", "templates", "check", "--file", write(operator, text))
    assert report["problems"] == []


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            "{#alphanumeric#} asks for travel. OTP {#numeric#}. Ref {#numeric#}. -kyvs",
            "3 variables",
        ),
        ("Dear {#alphanumeric#} {#numeric#} is your OTP for travel. -kyvs", "side by side"),
        ("{#var#} asks for your status for travel. OTP {#var#}. -kyvs", "unknown variables"),
        (
            "OTP {#numeric#} for {#alphanumeric#}, who asks for your status for travel. -kyvs",
            "variables must be, in order",
        ),
        ("{#alphanumeric#} asks for your status for travel. OTP {#numeric#}.", "brand"),
    ],
)
def test_check_fails_on_a_template_that_breaks_a_rule(operator, body, problem):
    text = drafted(operator)
    english_travel = text.index('purpose = "travel"\nlanguage = "en"')
    start = text.index("body = ", english_travel)
    end = text.index("\n", start)
    broken = text[:start] + f'body = "{body}"' + text[end:]
    done = operator.run("sms", "templates", "check", "--file", write(operator, broken), check=False)
    assert done.returncode == 1
    assert problem in done.stdout
    assert "verification-otp/travel [en]" in done.stdout


def test_check_fails_when_the_texts_promise_another_validity(operator):
    text = drafted(operator).replace("otp_minutes = 3", "otp_minutes = 5")
    done = operator.run("sms", "templates", "check", "--file", write(operator, text), check=False)
    assert done.returncode == 1
    assert "valid 5 min, the server gives it 3 min" in done.stdout


def test_a_language_without_templates_is_sent_in_english_and_said_so(operator):
    data = drafted(operator)
    kept = [part for part in data.split("\n[[templates]]") if 'language = "ta"' not in part]
    report = operator.json(
        "sms", "templates", "check", "--file", write(operator, "\n[[templates]]".join(kept))
    )
    assert report["problems"] == []
    assert "citizen-login-otp [ta]" in report["sent_in_english"]


def test_an_unreadable_file_is_a_clear_error(operator):
    done = operator.run(
        "sms", "templates", "check", "--file", write(operator, "version = "), check=False
    )
    assert done.returncode == 1
    assert "not TOML" in done.stderr


def test_the_server_refuses_to_start_with_a_broken_registry(operator):
    text = drafted(operator).replace("{#numeric#} is your", "{#numeric#} {#numeric#} is your")
    operator.env["KYVS_SMS_TEMPLATES"] = write(operator, text)
    done = operator.run("serve", "--port", "1", check=False)
    assert done.returncode == 1
    assert "side by side" in done.stderr
