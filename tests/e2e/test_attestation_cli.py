"""The operator lists and rotates signing keys, and anyone checks an attestation offline."""

from __future__ import annotations

import datetime as dt
import json
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
