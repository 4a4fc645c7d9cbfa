"""A newcomer's first hour: in a fresh copy of the checkout, `make run`, then every command the
README and the banner show, with nothing exported (no `KYVS_*` variable reaches any of them)."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import free_port

pytestmark = pytest.mark.slow

REPOSITORY = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)  # the venv this suite runs in
README_COMMAND = re.compile(r"^(\.venv/bin/kyvs [^#\n]*?)\s*(?:#.*)?$", re.MULTILINE)
# The CLI table's commands a newcomer tries next, as the table spells them (values filled in).
TABLE_COMMANDS = (
    "kyvs db current",
    "kyvs demo people",
    "kyvs registry synth --count 5 --seed 7",
    "kyvs provider create --name 'Hotel Sagar' --category hospitality --scopes status "
    "--purposes accommodation",
    "kyvs provider list",
    "kyvs attestation keys",
    "kyvs sms outbox --last 3",
)


def fresh_copy(destination: Path) -> Path:
    """What a fresh clone holds (tracked and new, not ignored, files), with this run's venv."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPOSITORY,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPOSITORY / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    # Installing again would take minutes: the copy shares the venv `make` already built, whose
    # install stamp must stay newer than the copied pyproject.toml so that `make` keeps it.
    (destination / ".venv").symlink_to(VENV, target_is_directory=True)
    stamp = VENV / ".installed-run"
    assert stamp.exists(), "the suite runs from a venv that `make` installed"
    old = stamp.stat().st_mtime - 60
    os.utime(destination / "pyproject.toml", (old, old))
    return destination


def untouched_environment(**extra: str) -> dict[str, str]:
    """The user's shell: no KYVS_ variable at all (the suite's own switch included)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYVS_")}
    env.update(COLUMNS="200", NO_COLOR="1", **extra)
    return env


@dataclass
class Demo:
    """`make run` serving from a fresh copy; its banner and where it lives."""

    folder: Path
    base_url: str
    banner: str

    def shell(self, command: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=self.folder,
            env=untouched_environment(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"{command!r} failed ({done.returncode}):\n{done.stderr}"
        return done


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[Demo]:
    folder = fresh_copy(tmp_path_factory.mktemp("fresh-clone"))
    port = free_port()  # the only thing the test chooses: a free port instead of 8000
    log_path = folder / "make-run.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["make", "run"],
            cwd=folder,
            env=untouched_environment(KYVS_PORT=str(port)),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while not _healthy(base):
            assert process.poll() is None, f"make run exited:\n{log_path.read_text()}"
            assert time.monotonic() < deadline, f"not serving after 180 s:\n{log_path.read_text()}"
            time.sleep(0.2)
        yield Demo(folder, base, log_path.read_text())
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def test_make_run_writes_demo_settings_once_with_a_generated_secret(demo):
    settings = (demo.folder / "var" / "kyvs.env").read_text()
    assert "KYVS_DEMO=1" in settings
    assert re.search(r"^KYVS_SECRET_KEY=[\w-]{40,}$", settings, re.MULTILINE)
    assert "demo-only-secret" not in settings


def test_the_readme_walkthrough_works_without_exporting_anything(demo):
    readme = (demo.folder / "README.md").read_text()
    key = re.search(r"kyvs_[0-9a-f]{12}_[\w-]+", demo.banner)
    assert key, demo.banner
    headers = {"X-Api-Key": key.group(0)}
    started = httpx.post(
        f"{demo.base_url}/api/v1/verifications",
        headers=headers,
        json={"full_name": "asha patel", "mobile_number": "9000000001", "purpose": "travel"},
    )
    assert started.status_code == 202, started.text
    commands = README_COMMAND.findall(readme)
    assert ".venv/bin/kyvs sms outbox --last 1" in commands
    sms = demo.shell(".venv/bin/kyvs sms outbox --last 1").stdout
    otp = re.search(r"\b(\d{6})\b", sms)
    assert otp, sms
    confirmed = httpx.post(
        f"{demo.base_url}/api/v1/verifications/{started.json()['txn_id']}/confirm",
        headers=headers,
        json={"otp": otp.group(1)},
    )
    assert confirmed.status_code == 200, confirmed.text
    attestation = confirmed.json()["attestation"]
    for command in commands:
        # The README abbreviates the token the confirmation returned; use the real one.
        real = re.sub(r"eyJ[\w.-]*…", attestation, command)
        demo.shell(real)


def test_every_command_the_banner_shows_works(demo):
    shown = re.findall(r"(\.venv/bin/kyvs [a-z ]+?)\s*(?:│|$)", demo.banner, re.MULTILINE)
    assert shown, demo.banner
    for command in shown:
        demo.shell(command.strip())


@pytest.mark.parametrize("command", TABLE_COMMANDS)
def test_the_cli_table_commands_work_in_the_checkout(demo, command):
    readme = (demo.folder / "README.md").read_text()
    spelled = " ".join(shlex.split(command)[:3])
    assert f"`{spelled}" in readme, f"{spelled} is not in the README's CLI table"
    demo.shell(".venv/bin/" + command)
