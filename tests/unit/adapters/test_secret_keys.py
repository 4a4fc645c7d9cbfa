"""One HKDF sub-key per purpose: distinct, stable, and tied to the master secret."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kyvs.adapters.secret_keys import PURPOSES, SecretKeys, derive

MASTER = b"a-master-secret-of-at-least-32-bytes!!"


def test_each_purpose_gets_its_own_32_byte_key_none_the_master():
    keys = SecretKeys.of(MASTER)
    derived = [keys.otp, keys.tokens, keys.cookies, keys.key_encryption, keys.proof_of_work]
    assert len(set(derived)) == len(PURPOSES) == 5
    assert all(len(key) == 32 and key != MASTER for key in derived)
    assert keys.legacy == MASTER


def test_derivation_is_stable_and_is_hkdf_sha256_with_a_kyvs_info():
    expected = HKDF(hashes.SHA256(), 32, salt=None, info=b"kyvs/otp").derive(MASTER)
    assert derive(MASTER, "otp") == expected == SecretKeys.of(MASTER).otp
    assert SecretKeys.of(MASTER) == SecretKeys.of(MASTER)


def test_another_master_gives_other_keys():
    ours, theirs = SecretKeys.of(MASTER), SecretKeys.of(MASTER + b"x")
    assert ours.otp != theirs.otp and ours.key_encryption != theirs.key_encryption


def test_an_unknown_purpose_is_refused():
    with pytest.raises(ValueError, match="purpose"):
        derive(MASTER, "everything")
