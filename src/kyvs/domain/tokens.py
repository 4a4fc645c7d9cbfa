"""Short-lived bearer tokens: `<subject>.<expiry>.<mac>`, an HMAC over kind, subject and expiry.

Stateless on purpose: any app process with the secret can check one, so a token issued by one
worker is honoured by every other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

# `\Z`, not `$`: `$` also matches just before a trailing newline.
_SUBJECT = re.compile(r"^[A-Za-z0-9_-]{1,64}\Z")
# ASCII digits, few enough for int(): str.isdigit() accepts "²", int() refuses 4300+ digits.
_EXPIRY = re.compile(r"^[0-9]{1,18}\Z")


def issue(secret: bytes, *, kind: str, subject: str, expires_at_s: int) -> str:
    """A token for `subject` (a txn id) that `read` accepts until `expires_at_s` (epoch)."""
    if not _SUBJECT.match(subject):
        raise ValueError("a token subject is 1 to 64 URL-safe characters")
    return f"{subject}.{expires_at_s}.{_mac(secret, kind, subject, expires_at_s)}"


def read(secret: bytes, *, kind: str, token: str, now_s: float) -> str | None:
    """The subject of a valid, unexpired token of `kind`; None for anything else."""
    parts = token.split(".")
    if len(parts) != 3 or not _EXPIRY.match(parts[1]) or not _SUBJECT.match(parts[0]):
        return None
    if not parts[2].isascii():  # hmac.compare_digest raises on non-ASCII text
        return None
    subject, expiry = parts[0], int(parts[1])
    if not hmac.compare_digest(parts[2], _mac(secret, kind, subject, expiry)):
        return None
    return subject if now_s < expiry else None


def _mac(secret: bytes, kind: str, subject: str, expiry: int) -> str:
    digest = hmac.new(secret, f"{kind}|{subject}|{expiry}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
