"""The operator lists and rotates signing keys, and anyone checks an attestation offline."""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import json
import threading
from collections.abc import Iterator

import pytest

from kyvs.adapters.clock import SystemClock
from kyvs.adapters.signing import KeyRing, MemorySigningKeyStore
from kyvs.adapters.sql.engine import make_engine
from kyvs.adapters.sql.signing_keys import SqlSigningKeyStore
from kyvs.domain.attestations import ATTESTATION_LIFETIME, attestation_claims
from kyvs.settings import DEMO_SECRET


def an_attestation(ring: KeyRing) -> str:
    return ring.sign(
        attestation_claims(
            txn_id="txn-1",
            provider_id="provider-1",
            disclosed={"vaccination_status": 2, "status": "FULLY_VACCINATED"},
            issued_at=dt.datetime.now(dt.UTC),
            lifetime=ATTESTATION_LIFETIME,
            issuer="https://kyvs.example",
        )
    )


@pytest.fixture
def server_ring(cli) -> Iterator[KeyRing]:
    """The key ring a server on the CLI's database would hold."""
    engine = make_engine(cli.env["KYVS_DATABASE_URL"])
    yield KeyRing(SqlSigningKeyStore(engine, secret_key=DEMO_SECRET), clock=SystemClock())
    engine.dispose()


@pytest.fixture
def jwks_url(tmp_path, server_ring) -> Iterator[str]:
    """The ring's JWKS served over HTTP on loopback."""
    (tmp_path / "jwks.json").write_text(json.dumps(server_ring.jwks()))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    http.server.SimpleHTTPRequestHandler.log_message = lambda *_: None  # type: ignore[method-assign]
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as httpd:
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        yield f"http://127.0.0.1:{httpd.server_address[1]}/jwks.json"
        httpd.shutdown()


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


def test_an_attestation_verifies_against_a_jwks_file_or_url(cli, server_ring, jwks_url, tmp_path):
    token = an_attestation(server_ring)
    assert cli.json("attestation", "verify", token, "--jwks", jwks_url)["valid"] is True

    stranger = KeyRing(MemorySigningKeyStore(), clock=SystemClock())
    (tmp_path / "other.json").write_text(json.dumps(stranger.jwks()))
    done = cli.run("attestation", "verify", token, "--jwks", "other.json", "--json", check=False)
    assert done.returncode == 1
    assert json.loads(done.stdout) == {"valid": False, "reason": "unknown key"}

    missing = cli.run("attestation", "verify", token, "--jwks", "missing.json", check=False)
    assert missing.returncode == 2
