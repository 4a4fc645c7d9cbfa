"""Bearer tokens `<subject>.<expiry>.<mac>`: any process with the secret reads them back; any
change to a part, another kind, another secret or the passing of the expiry makes them worthless,
and no input whatever makes `read` raise."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kyvs.domain import tokens

SECRET = b"unit-test-secret"
KIND = "citizen-session"
TXN = "2f1c7a52-8d1e-4c39-9a59-3c0f4a1b6e77"
EXPIRY = 1_795_428_900
URL_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"


def a_token(subject: str = TXN, *, kind: str = KIND, secret: bytes = SECRET) -> str:
    return tokens.issue(secret, kind=kind, subject=subject, expires_at_s=EXPIRY)


def read(token: str, *, now_s: float = EXPIRY - 60, kind: str = KIND) -> str | None:
    return tokens.read(SECRET, kind=kind, token=token, now_s=now_s)


def test_a_token_reads_back_as_its_subject_until_it_expires():
    token = a_token()
    assert token.startswith(f"{TXN}.{EXPIRY}.")
    assert read(token) == TXN
    assert read(token, now_s=EXPIRY - 0.001) == TXN
    assert read(token, now_s=EXPIRY) is None
    assert read(token, now_s=EXPIRY + 3600) is None


def test_a_token_is_url_safe():
    assert set(a_token()) <= set(URL_SAFE + ".")


def test_a_token_of_another_kind_is_refused():
    assert read(a_token(kind="cowin-status")) is None
    assert read(a_token(), kind="cowin-status") is None


def test_a_token_made_with_another_secret_is_refused():
    assert read(a_token(secret=b"another-secret")) is None


def swap_last(text: str) -> str:
    return text[:-1] + ("A" if text[-1] != "A" else "B")


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda s, e, m: (s, e, swap_last(m)), id="mac"),
        pytest.param(lambda s, e, m: (s, e, m[:-1]), id="shortened mac"),
        pytest.param(lambda s, e, m: (s, e, ""), id="no mac"),
        pytest.param(lambda s, e, m: (swap_last(s), e, m), id="subject"),
        pytest.param(lambda s, e, m: ("another-txn", e, m), id="another subject"),
        pytest.param(lambda s, e, m: (s, str(int(e) + 86_400), m), id="expiry extended"),
        pytest.param(lambda s, e, m: (s, e, m + "="), id="mac padded"),
    ],
)
def test_a_tampered_token_is_refused(tamper):
    subject, expiry, mac = a_token().split(".")
    assert read(".".join(tamper(subject, expiry, mac))) is None


@pytest.mark.parametrize("subject", ["", "a" * 65, "a.b", "a b", "née", "abc\n", "a/b", "a=b"])
def test_a_subject_is_1_to_64_url_safe_characters(subject):
    with pytest.raises(ValueError, match="1 to 64 URL-safe characters"):
        tokens.issue(SECRET, kind=KIND, subject=subject, expires_at_s=EXPIRY)


@given(
    subject=st.text(URL_SAFE, min_size=1, max_size=64),
    kind=st.text(max_size=20),
    expiry=st.integers(1, 10**12),
)
def test_every_valid_subject_round_trips(subject, kind, expiry):
    token = tokens.issue(SECRET, kind=kind, subject=subject, expires_at_s=expiry)
    assert tokens.read(SECRET, kind=kind, token=token, now_s=expiry - 1) == subject


# --- garbage -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "..",
        "Bearer x.y.z",
        f"{TXN}.{EXPIRY}",
        f"{TXN}.{EXPIRY}.mac.extra",
        f"{TXN}.-5.mac",
        f"{TXN}.²³.mac",  # superscripts are str.isdigit() but not int()
        f"{TXN}.١٢٣.mac",  # Arabic-Indic digits: int() reads them, the token format does not
        f"{TXN}.{'9' * 5000}.mac",  # past Python's 4300-digit int() limit
        f"{TXN}.{EXPIRY}.mäc",  # compare_digest refuses non-ASCII text
        f"{TXN}.{EXPIRY}.\udcff",
        "\x00.\x00.\x00",
    ],
)
def test_garbage_is_refused_without_raising(garbage):
    assert read(garbage) is None


token_parts = (
    st.text(max_size=30) | st.text(URL_SAFE, max_size=30) | st.integers(-5, 10**20).map(str)
)


@settings(max_examples=300)
@given(parts=st.lists(token_parts, max_size=4), now_s=st.floats(allow_nan=True))
def test_no_dotted_garbage_ever_raises(parts, now_s):
    assert tokens.read(SECRET, kind=KIND, token=".".join(parts), now_s=now_s) is None


@given(garbage=st.text())
def test_no_text_ever_raises(garbage):
    assert read(garbage) is None
