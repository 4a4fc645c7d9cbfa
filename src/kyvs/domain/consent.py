"""Consent records: the proof, one per disclosure, that a person agreed to share their status.

A person consents by reading the OTP out (or typing it) after the SMS named the provider and
the purpose. When the OTP is confirmed kyvs writes a consent record modelled on the Account
Aggregator consent artefact (ReBIT): who consented (`Customer`), to whom (`DataConsumer`), for
which purpose, the exact fields disclosed, under which notice (version and hash), in which
language, through which channel, when, and until when the provider may use the result. kyvs
signs it (Ed25519, a JWS of its own kind), keeps it beside the access-log line of the
disclosure, tells the citizen and hands the provider its id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# How a disclosure reached kyvs: the open API, the CoWIN facade, the front-desk console or the
# hosted web flow. One home for the list: the verifier refuses any other.
CHANNELS = ("api", "cowin", "console", "hosted")
# How the person gave consent: by sharing the OTP the SMS sent to their registered mobile.
CONSENT_MODE = "OTP"
# The artefact's version of this shape, so a verifier years later knows how to read it.
ARTEFACT_VERSION = "1.0"
# The private claim that holds the artefact, beside the registered JWT claims.
ARTEFACT_CLAIM = "consent"
# Result fields that describe the check itself rather than disclose anything about a person.
_NOT_DISCLOSED = frozenset({"txn_id", "consent_id", "attestation"})


@dataclass(frozen=True, slots=True)
class NoticeRef:
    """The notice a person was shown: its version and the SHA-256 of its text in `language`."""

    version: str
    digest: str
    language: str


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """One person's consent to one disclosure to one provider."""

    consent_id: str
    txn_id: str
    beneficiary_ref: str
    provider_id: str
    provider_name: str
    purpose: str
    fields: tuple[str, ...]
    notice: NoticeRef
    channel: str
    given_at: dt.datetime
    expires_at: dt.datetime

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"unknown consent channel {self.channel!r}")
        if self.given_at.tzinfo is None or self.expires_at <= self.given_at:
            raise ValueError("a consent is given at an aware time and expires after it")


def disclosed_field_paths(result: Mapping[str, Any]) -> tuple[str, ...]:
    """The exact fields a result discloses, as dotted paths in their order (`status`,
    `beneficiary.name`, `vaccinations`, …); the txn id and signatures are not disclosures."""
    paths: list[str] = []
    for name, value in result.items():
        if name in _NOT_DISCLOSED:
            continue
        if isinstance(value, Mapping):
            paths.extend(f"{name}.{inner}" for inner in value)
        else:
            paths.append(name)
    return tuple(paths)


def consent_claims(record: ConsentRecord, *, issuer: str, kept_for: dt.timedelta) -> dict[str, Any]:
    """The JWT claims of a signed consent record: `iss`, `iat`, `jti` (the consent id), `sub`
    (the person's reference id), `aud` (the provider) and `exp`, the end of the time the record
    is kept as proof (`kept_for`, not the consent's own expiry, which is in the artefact)."""
    issued = _seconds(record.given_at)
    return {
        "iss": issuer,
        "iat": issued,
        "exp": issued + int(kept_for.total_seconds()),
        "jti": record.consent_id,
        "sub": record.beneficiary_ref,
        "aud": record.provider_id,
        ARTEFACT_CLAIM: artefact(record),
    }


def artefact(record: ConsentRecord) -> dict[str, Any]:
    """The record in the Account Aggregator artefact's vocabulary (ReBIT consent artefact)."""
    return {
        "ver": ARTEFACT_VERSION,
        "consentId": record.consent_id,
        "txnid": record.txn_id,
        "consentStart": _iso(record.given_at),
        "consentExpiry": _iso(record.expires_at),
        "consentMode": CONSENT_MODE,
        "fetchType": "ONETIME",
        "Customer": {"id": record.beneficiary_ref},
        "DataConsumer": {"id": record.provider_id, "name": record.provider_name},
        "Purpose": {"code": record.purpose},
        "fields": list(record.fields),
        "notice": {
            "version": record.notice.version,
            "sha256": record.notice.digest,
            "language": record.notice.language,
        },
        "channel": record.channel,
    }


def record_from_claims(claims: Mapping[str, Any]) -> ConsentRecord:
    """The record a verified consent JWS carries; ValueError (or KeyError) when it is not one."""
    body = claims[ARTEFACT_CLAIM]
    notice = body["notice"]
    return ConsentRecord(
        consent_id=str(body["consentId"]),
        txn_id=str(body["txnid"]),
        beneficiary_ref=str(body["Customer"]["id"]),
        provider_id=str(body["DataConsumer"]["id"]),
        provider_name=str(body["DataConsumer"]["name"]),
        purpose=str(body["Purpose"]["code"]),
        fields=tuple(str(f) for f in body["fields"]),
        notice=NoticeRef(str(notice["version"]), str(notice["sha256"]), str(notice["language"])),
        channel=str(body["channel"]),
        given_at=dt.datetime.fromisoformat(body["consentStart"]),
        expires_at=dt.datetime.fromisoformat(body["consentExpiry"]),
    )


def _seconds(at: dt.datetime) -> int:
    return int(at.timestamp())


def _iso(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
