"""The operator lists and rotates signing keys, and anyone checks an attestation offline."""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
from collections.abc import Iterator

import httpx
import pytest

from kyvs.adapters.clock import SystemClock
from kyvs.adapters.secret_keys import SecretKeys
from kyvs.adapters.signing import KeyRing, MemorySigningKeyStore
from kyvs.adapters.sql.engine import make_engine
from kyvs.adapters.sql.signing_keys import SqlSigningKeyStore
from kyvs.domain.attestations import ATTESTATION_LIFETIME, attestation_claims
from kyvs.domain.signing_keys import ATTESTATION
from kyvs.settings import DEMO_SECRET
from tests.e2e.conftest import Cli, environment, running_server
from tests.e2e.deployments import Onboarding, Resident, onboard, register, upgrade


def an_attestation(ring: KeyRing) -> str:
    return ring.sign(
        attestation_claims(
            txn_id="txn-1",
            provider_id="provider-1",
            disclosed={"vaccination_status": 2, "status": "FULLY_VACCINATED"},
            issued_at=dt.datetime.now(dt.UTC),
            lifetime=ATTESTATION_LIFETIME,
            issuer=ATTESTATION.issuer,
        )
    )


@pytest.fixture
def server_ring(cli) -> Iterator[KeyRing]:
    """The key ring a server on the CLI's database would hold."""
    engine = make_engine(cli.env["KYVS_DATABASE_URL"])
    yield KeyRing(
        SqlSigningKeyStore(engine, secret_key=SecretKeys.of(DEMO_SECRET.encode()).key_encryption),
        clock=SystemClock(),
    )
    engine.dispose()


def test_keys_are_listed_and_rotated(cli):
    assert cli.json("attestation", "keys") == []
    first = cli.json("attestation", "rotate")
    assert first["retired_kid"] is None
    second = cli.json("attestation", "rotate")
    assert second["retired_kid"] == first["kid"]
    listed = {k["kid"]: k for k in cli.json("attestation", "keys")}
    assert listed[second["kid"]] | {"active": True, "published": True} == listed[second["kid"]]
    assert listed[first["kid"]]["retired_at"] is not None
    assert listed[first["kid"]]["published"] is True
    assert "published" in cli.run("attestation", "keys").stdout


def test_an_attestation_verifies_offline_against_the_local_keys(cli, server_ring):
    token = an_attestation(server_ring)
    checked = cli.json("attestation", "verify", token, "--audience", "provider-1")
    assert checked["valid"] is True
    assert checked["claims"]["kyvs"]["status"] == "FULLY_VACCINATED"
    cli.run("attestation", "rotate")  # the key that signed it stays published
    assert cli.json("attestation", "verify", token)["valid"] is True

    head, payload, signature = token.split(".")
    tampered = f"{head}.{payload}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"
    done = cli.run("attestation", "verify", tampered, check=False)
    assert done.returncode == 1
    assert "invalid" in done.stdout
    assert "bad signature" in done.stdout


def test_the_servers_jwks_checks_what_its_keys_signed(cli, server, server_ring):
    url = f"{server}/.well-known/jwks.json"
    answer = httpx.get(url)
    assert answer.headers["cache-control"] == "public, max-age=300"
    assert [k["kid"] for k in answer.json()["keys"]] == [server_ring.active_kid]
    token = an_attestation(server_ring)
    assert cli.json("attestation", "verify", token, "--jwks", url)["valid"] is True


def test_a_jwks_file_without_the_signing_key_refuses_the_attestation(cli, server_ring, tmp_path):
    token = an_attestation(server_ring)
    stranger = KeyRing(MemorySigningKeyStore(), clock=SystemClock())
    (tmp_path / "other.json").write_text(json.dumps(stranger.jwks()))
    done = cli.run("attestation", "verify", token, "--jwks", "other.json", "--json", check=False)
    assert done.returncode == 1
    assert json.loads(done.stdout) == {"valid": False, "reason": "unknown key"}

    missing = cli.run("attestation", "verify", token, "--jwks", "missing.json", check=False)
    assert missing.returncode == 2


def test_a_revoked_key_leaves_a_running_servers_jwks_and_the_server_signs_with_a_new_one(
    tmp_path,
):
    """A compromised key, revoked with the CLI while `kyvs serve` runs (keys re-read every
    second here): its attestations stop checking against the server's JWKS, and the server's
    next attestation is signed by the new key."""
    database_url = f"sqlite:///{tmp_path / 'kyvs.db'}"
    cli = Cli(environment(database_url, KYVS_DEMO="1", KYVS_SIGNING_KEY_REFRESH_S="1"), tmp_path)
    upgrade(database_url)
    register(cli, [Resident("Asha Patel", "9300000081", ("2021-05-01", "2021-08-01"))])
    key = onboard(database_url, [Onboarding("Yatra")])["Yatra"]["api_key"]
    with running_server(cli.env, tmp_path) as base:
        jwks = f"{base}/.well-known/jwks.json"
        before = round_trip(cli, base, key)
        compromised = jws_kid(before)
        assert cli.json("attestation", "verify", before, "--jwks", jwks)["valid"] is True

        revoked = cli.json("attestation", "revoke", compromised)

        assert revoked["active_kid"] != compromised
        deadline = time.monotonic() + 10
        while compromised in {k["kid"] for k in httpx.get(jwks).json()["keys"]}:
            assert time.monotonic() < deadline, "the revoked key is still published"
            time.sleep(0.2)
        checked = cli.run("attestation", "verify", before, "--jwks", jwks, "--json", check=False)
        assert json.loads(checked.stdout) == {"valid": False, "reason": "unknown key"}
        after = round_trip(cli, base, key)
        assert jws_kid(after) == revoked["active_kid"]
        assert cli.json("attestation", "verify", after, "--jwks", jwks)["valid"] is True


def round_trip(cli: Cli, base: str, key: str) -> str:
    """One verification of Asha through the server: its attestation."""
    headers = {"X-Api-Key": key}
    seen = cli.phones.count("9300000081")
    started = httpx.post(
        f"{base}/api/v1/verifications",
        headers=headers,
        json={"full_name": "Asha Patel", "mobile_number": "9300000081", "purpose": "travel"},
    )
    txn_id = started.json()["txn_id"]
    otp = cli.phones.otp_after("9300000081", seen)
    confirmed = httpx.post(
        f"{base}/api/v1/verifications/{txn_id}/confirm", headers=headers, json={"otp": otp}
    )
    assert confirmed.status_code == 200, confirmed.text
    return str(confirmed.json()["attestation"])


def jws_kid(token: str) -> str:
    header = token.split(".", maxsplit=1)[0]
    return str(json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"])
