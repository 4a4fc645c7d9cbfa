"""Staff logins: argon2id, and the same work whether or not the username exists."""

from __future__ import annotations

import pytest

from kyvs.adapters import passwords
from kyvs.adapters.passwords import hash_password, login_matches


@pytest.fixture
def verifications(monkeypatch) -> list[str]:
    """The hashes argon2 was asked to check against."""
    checked: list[str] = []
    real = passwords.password_matches

    def spy(password: str, stored: str) -> bool:
        checked.append(stored)
        return real(password, stored)

    monkeypatch.setattr(passwords, "password_matches", spy)
    return checked


def test_the_right_password_of_an_account_matches(verifications):
    stored = hash_password("correct horse")
    assert login_matches("correct horse", stored)
    assert not login_matches("correct horsE", stored)


def test_an_unknown_username_costs_one_argon2_check_like_a_wrong_password(verifications):
    """Regression: an unknown console username was refused without hashing, so its answer came
    back measurably faster than a known one's and told which usernames exist."""
    stored = hash_password("correct horse")
    assert not login_matches("guess", stored)
    assert not login_matches("guess", None)
    assert len(verifications) == 2
    assert verifications[1] != stored
    assert verifications[1].startswith("$argon2id$")
