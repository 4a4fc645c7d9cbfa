"""Writing and checking consent records: one signed record per disclosure (domain/consent.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kyvs.domain.consent import (
    CHANNELS,
    ConsentRecord,
    NoticeRef,
    consent_claims,
    disclosed_field_paths,
    record_from_claims,
)
from kyvs.domain.providers import Provider
from kyvs.domain.signing_keys import CONSENT_RECORD, AttestationInvalid
from kyvs.domain.verification import VerificationTxn
from kyvs.ports import Signer

# Consent records are proof of lawful processing, kept as long as the access log they sit in
# (bootstrap passes the `KYVS_RETENTION_ACCESS_LOG_DAYS` period; a year by default).
KEPT_FOR = dt.timedelta(days=365)

# (token, key set, now, kind) -> claims, or AttestationInvalid: the JWS checker (adapters/jws).
TokenChecker = Callable[..., dict[str, Any]]


@dataclass(frozen=True, slots=True)
class SignedConsent:
    """A consent record and its compact JWS."""

    record: ConsentRecord
    token: str


@dataclass
class ConsentClerk:
    """Writes the consent record of a disclosure, signed with the attestation keys."""

    signer: Signer
    # (provider, purpose code, language) -> the notice the person was shown for this check
    notice_of: Callable[[Provider, str, str], NoticeRef]
    kept_for: dt.timedelta = KEPT_FOR

    @staticmethod
    def new_id() -> str:
        """A fresh consent id (random, so it says nothing about the txn or the person)."""
        return str(uuid.uuid4())

    def sign(
        self,
        *,
        consent_id: str,
        provider: Provider,
        txn: VerificationTxn,
        disclosed: Mapping[str, Any],
        channel: str,
        given_at: dt.datetime,
        expires_at: dt.datetime,
    ) -> SignedConsent:
        """The signed record of `txn`'s disclosure of `disclosed` (the result's fields) to
        `provider` through `channel`; ValueError for an unknown channel or an unmatched txn."""
        if channel not in CHANNELS:
            raise ValueError(f"unknown consent channel {channel!r}")
        if txn.beneficiary_ref is None:
            raise ValueError("only a matched txn discloses anything")
        record = ConsentRecord(
            consent_id=consent_id,
            txn_id=txn.txn_id,
            beneficiary_ref=txn.beneficiary_ref,
            provider_id=provider.provider_id,
            provider_name=provider.name,
            purpose=txn.purpose,
            fields=disclosed_field_paths(disclosed),
            notice=self.notice_of(provider, txn.purpose, txn.language),
            channel=channel,
            given_at=given_at,
            expires_at=expires_at,
        )
        claims = consent_claims(record, issuer=CONSENT_RECORD.issuer, kept_for=self.kept_for)
        return SignedConsent(record, self.signer.sign(claims, kind=CONSENT_RECORD))


def check_consent(
    token: str, key_set: Mapping[str, Any], *, now: dt.datetime, check: TokenChecker
) -> ConsentRecord:
    """The record a consent JWS proves, checked against `key_set` (its signature, its kind and
    that it is still kept as proof); `AttestationInvalid` for anything else."""
    claims = check(token, key_set, now=now, kind=CONSENT_RECORD)
    try:
        record = record_from_claims(claims)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise AttestationInvalid("not a consent record") from None
    if claims.get("jti") != record.consent_id or claims.get("sub") != record.beneficiary_ref:
        raise AttestationInvalid("not a consent record")
    return record
