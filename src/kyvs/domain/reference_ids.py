"""Beneficiary reference ids: 14 digits, the last one a Verhoeff check digit that catches typos."""

from __future__ import annotations

import hashlib

from kyvs.domain.errors import InvalidInput

LENGTH = 14

# Verhoeff's dihedral-group tables (the same check digit Aadhaar numbers carry), checked in the
# tests against python-stdnum's. Ids stored before migration 0010 used a wrong row 4 of _P.
_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_INV = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)


def _checksum(digits: str, *, with_check_digit: bool) -> int:
    c = 0
    offset = 0 if with_check_digit else 1
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_P[(i + offset) % 8][int(ch)]]
    return c


def check_digit(body: str) -> str:
    """The Verhoeff check digit of a string of digits."""
    return str(_INV[_checksum(body, with_check_digit=False)])


def make(body: str) -> str:
    """A reference id from its 13-digit body."""
    if len(body) != LENGTH - 1 or not body.isdigit():
        raise ValueError("a reference id body has 13 digits")
    return body + check_digit(body)


def is_valid(text: str) -> bool:
    """True when `text` is 14 digits with a correct check digit."""
    return (
        len(text) == LENGTH
        and text.isascii()
        and text.isdigit()
        and _checksum(text, with_check_digit=True) == 0
    )


def masked(reference_id: str) -> str:
    """A reference id as providers and operators' screens may show it: `XXXXXXXXXX1234`."""
    return "X" * 10 + reference_id[-4:]


def parse(text: str) -> str:
    """A reference id as typed (spaces and dashes allowed), or `InvalidInput`."""
    compact = "".join(ch for ch in text if ch not in " -")
    if not is_valid(compact):
        raise InvalidInput("A reference id has 14 digits; check that none was mistyped.")
    return compact


def from_random_digits(digits: str) -> str:
    """A reference id from 13 random digits; the first becomes 1..7 (8: derived, 9: synthetic)."""
    first = str(int(digits[0]) % 7 + 1)
    return make(first + digits[1:13])


def derived(*parts: str) -> str:
    """A stable reference id for a record that came without one (re-imports find the same)."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    number = int.from_bytes(digest[:8], "big") % 10**12
    return make(f"8{number:012d}")


def synthetic(seed: int, index: int) -> str:
    """The reference id of the `index`-th synthetic person of a seed: unique within the seed."""
    prefix = (
        int.from_bytes(hashlib.sha256(f"kyvs-synth-{seed}".encode()).digest()[:4], "big") % 1000
    )
    if index >= 10**9:
        raise ValueError("at most a billion synthetic people per seed")
    return make(f"9{prefix:03d}{index:09d}")
