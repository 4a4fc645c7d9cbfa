"""The registry's tables. Rows are turned into domain objects in `registry.py`, never leaked."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    func,
    text,
)

# A verification whose personal fields the retention engine has not erased yet (it erases the
# keyed hash of the mobile to '', as the column may not be NULL).
UNERASED = "mobile_key <> ''"

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

beneficiaries = Table(
    "beneficiaries",
    metadata,
    Column("reference_id", String(14), primary_key=True),
    Column("full_name", String(120), nullable=False),
    Column("birth_year", SmallInteger, nullable=False),
    Column("gender", String(1), nullable=False),
    Column("mobile", String(10), nullable=False),
    Column("photo_id_type", String(20)),
    Column("photo_id_number", String(20)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Verification starts from the mobile number: this index is the hot lookup.
    Index("ix_beneficiaries_mobile", "mobile"),
)

doses = Table(
    "doses",
    metadata,
    Column(
        "reference_id",
        String(14),
        ForeignKey("beneficiaries.reference_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("dose_number", SmallInteger, primary_key=True),
    Column("vaccine", String(20), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("given_on", Date, nullable=False),
    Column("centre", String(200), nullable=False, server_default=""),
    Column("batch", String(200), nullable=False, server_default=""),
)

# The demo/dev SMS carrier: messages are stored here instead of being sent.
sms_outbox = Table(
    "sms_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("to_mobile", String(10), nullable=False),
    Column("text", Text, nullable=False),
    Column("category", String(40), nullable=False),
    Column("language", String(8), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=False),
    Index("ix_sms_outbox_sent_at", "sent_at"),  # the retention purge's scan
)

# Ed25519 keys that sign attestations. Private keys are stored encrypted under KYVS_SECRET_KEY;
# a retired key stays published in the JWKS until the attestations it signed have expired.
signing_keys = Table(
    "signing_keys",
    metadata,
    Column("kid", String(64), primary_key=True),
    Column("algorithm", String(16), nullable=False),
    Column("private_key", Text, nullable=False),
    Column("public_jwk", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("retired_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
)

providers = Table(
    "providers",
    metadata,
    Column("provider_id", String(32), primary_key=True),
    Column("name", String(60), nullable=False),
    Column("category", String(40), nullable=False),
    Column("scopes", String(200), nullable=False),  # comma-separated scope codes
    Column("purposes", String(400), nullable=False),  # comma-separated purpose codes
    Column("daily_quota", Integer, nullable=False),
    Column("rate_limit_count", Integer, nullable=False),
    Column("rate_limit_window_s", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("return_urls", Text, nullable=False, server_default="[]"),  # JSON list
    Column("embed_origins", Text, nullable=False, server_default="[]"),  # JSON list
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# API keys are stored only as SHA-256 hashes; `key_id` is the public prefix used for lookup.
api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(16), primary_key=True),
    Column(
        "provider_id",
        String(32),
        ForeignKey("providers.provider_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("key_hash", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

staff_accounts = Table(
    "staff_accounts",
    metadata,
    Column("username", String(60), primary_key=True),
    Column(
        "provider_id",
        String(32),
        ForeignKey("providers.provider_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("password_hash", Text, nullable=False),  # argon2id
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("disabled", Boolean, nullable=False),
    # Raised by disable, enable and a new password; a console session holding another ends.
    Column("session_version", Integer, nullable=False, server_default="0"),
)

verifications = Table(
    "verifications",
    metadata,
    Column("txn_id", String(36), primary_key=True),
    Column("provider_id", String(32), nullable=False),
    Column("purpose", String(40), nullable=False),
    Column("language", String(8), nullable=False),
    Column("mobile_key", String(32), nullable=False),
    Column("beneficiary_ref", String(14)),
    Column("otp_hash", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("last_sent_at", DateTime(timezone=True), nullable=False),
    Column("state", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("resends", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("result", Text),
    # queued | sent | undelivered | delivered | failed: internal, never shown to providers
    # (see domain/verification.py)
    Column("delivery", String(12), nullable=False, server_default="queued"),
    Index("ix_verifications_provider_id", "provider_id", "created_at"),
    # The retention purge's scans: rows past their expiry (deleted after a year), and those
    # whose personal fields are still there (erased a day after; an erased row leaves this
    # index, so it holds a day of txns, not a year).
    Index("ix_verifications_expires_at", "expires_at"),
    Index(
        "ix_verifications_unerased",
        "expires_at",
        postgresql_where=text(UNERASED),
        sqlite_where=text(UNERASED),
    ),
)

# Outcomes of SMS deliveries (no message, no number): the shared memory of the SMS circuit
# breaker, so every worker refuses starts while the carrier fails. Kept about an hour.
sms_outcomes = Table(
    "sms_outcomes",
    metadata,
    Column("outcome_id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("echo", Boolean, nullable=False),
    Column("duration_ms", Integer, nullable=False),
    Index("ix_sms_outcomes_ok", "ok", "at"),
    Index("ix_sms_outcomes_echo", "echo", "at"),
)

# Messages a gateway took, by the gateway's id, until their delivery report comes (no number,
# no text): which txn's OTP each carried. Kept two days.
sms_receipts = Table(
    "sms_receipts",
    metadata,
    Column("gateway", String(20), primary_key=True),
    Column("message_id", String(100), primary_key=True),
    Column("txn_id", String(36), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=False),
    Index("ix_sms_receipts_sent_at", "sent_at"),
)

# Each citizen's OTP channel (SMS or WhatsApp), under a keyed hash of the mobile: no number.
otp_channels = Table(
    "otp_channels",
    metadata,
    Column("mobile_key", String(64), primary_key=True),
    Column("channel", String(16), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Sliding-window counters for rate limits and caps: one row per key and window.
rate_counters = Table(
    "rate_counters",
    metadata,
    Column("key", String(120), primary_key=True),
    Column("window_start", BigInteger, primary_key=True),
    Column("count", Integer, nullable=False),
    Column("expires_at", BigInteger, nullable=False, index=True),
)

# Every disclosure and attempt on a person's status, kept for the citizen to see.
access_log = Table(
    "access_log",
    metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("beneficiary_ref", String(14), nullable=False),
    Column("provider_id", String(32), nullable=False),
    Column("provider_name", String(60), nullable=False),
    Column("purpose", String(40), nullable=False),
    Column("scopes", String(200), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("txn_id", String(36), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    # A disclosure's signed consent record (a compact JWS) and its id; NULL for other outcomes.
    Column("consent_id", String(36)),
    Column("consent", Text),
    Index("ix_access_log_beneficiary_ref", "beneficiary_ref", "at"),
    Index("ux_access_log_consent_id", "consent_id", unique=True),
    Index("ix_access_log_at", "at"),  # the retention purge's scan
    # One entry per txn and outcome: the Redis outbox may deliver an entry more than once
    # (a crash after the SQL commit, replays from several workers); the index makes it count once.
    Index("ux_access_log_txn_id_outcome", "txn_id", "outcome", unique=True),
)

# Every API call, without personal data.
api_audit = Table(
    "api_audit",
    metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("request_id", String(36), nullable=False),
    Column("method", String(8), nullable=False),
    Column("route", String(120), nullable=False),
    Column("status", SmallInteger, nullable=False),
    Column("provider_id", String(32)),
    Column("duration_ms", Integer, nullable=False),
)

# Personal data breaches an operator recorded (`kyvs breach`), with the steps rule 7 asks for.
breaches = Table(
    "breaches",
    metadata,
    Column("breach_id", String(40), primary_key=True),
    Column("reported_at", DateTime(timezone=True), nullable=False),
    Column("became_aware_at", DateTime(timezone=True), nullable=False),
    Column("window_start", DateTime(timezone=True), nullable=False),
    Column("window_end", DateTime(timezone=True), nullable=False),
    Column("description", Text, nullable=False),
    Column("data_kinds", String(200), nullable=False),  # comma-separated
    Column("provider_ids", Text, nullable=False),  # comma-separated, empty: every provider
    Column("key_ids", Text, nullable=False),  # comma-separated API key ids named in the report
    Column("status", String(20), nullable=False),
    Column("affected_count", Integer, nullable=False),
    Column("board_notified_at", DateTime(timezone=True)),
    Column("principals_notified_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
)

# Hosted website flow: a provider's server creates a session, the person's browser runs it.
hosted_sessions = Table(
    "hosted_sessions",
    metadata,
    Column("session_id", String(36), primary_key=True),
    Column("provider_id", String(32), nullable=False),
    Column("return_url", Text, nullable=False),
    Column("purpose", String(40), nullable=False),
    Column("language", String(8), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("txn_id", String(36)),
    Column("result", Text),  # the attestation (compact JWS) once verified
    Column("version", Integer, nullable=False),
    Column("starts", Integer, nullable=False, server_default="0"),
    Column("browser_digest", String(64)),  # SHA-256 hex of the bound browser's cookie secret
    Column("result_shown_at", DateTime(timezone=True)),
    Column("nonce", String(128)),  # the provider's, echoed in the attestation
    Index("ix_hosted_sessions_expires_at", "expires_at"),  # the retention purge's scan
    # A citizen's erasure finds the sessions of their verified txns.
    Index("ix_hosted_sessions_txn_id", "txn_id"),
)

# A citizen's block of a provider: that provider's checks of that person then fail like an
# unmatched name/mobile pair.
blocks = Table(
    "blocks",
    metadata,
    Column("beneficiary_ref", String(14), primary_key=True),
    Column("provider_id", String(32), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Status corrections raised by citizens and decided by operators.
corrections = Table(
    "corrections",
    metadata,
    Column("correction_id", String(36), primary_key=True),
    Column("beneficiary_ref", String(14), nullable=False, index=True),
    Column("action", String(20), nullable=False),
    Column("details", Text, nullable=False),  # JSON: the dose change asked for
    Column("note", Text, nullable=False),
    Column("status", String(10), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("decided_at", DateTime(timezone=True)),
    Column("decision_note", Text),
)

# Share links behind a share card's QR code: a signed claim, an expiry, a revocation.
share_links = Table(
    "share_links",
    metadata,
    Column("link_id", String(32), primary_key=True),
    Column("beneficiary_ref", String(14), nullable=False, index=True),
    Column("claim", Text, nullable=False),  # compact JWS signed by the attestation keys
    Column("language", String(8), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    # The retention purge's scans (a link goes some days after its expiry or its revocation).
    Index("ix_share_links_expires_at", "expires_at"),
    Index("ix_share_links_revoked_at", "revoked_at"),
)

# A person's withdrawal of the consent behind one disclosure: the provider's later fetches of
# that txn's result are refused (`consent-withdrawn`).
consent_withdrawals = Table(
    "consent_withdrawals",
    metadata,
    Column("consent_id", String(36), primary_key=True),
    Column("beneficiary_ref", String(14), nullable=False, index=True),
    Column("txn_id", String(36), nullable=False, index=True),
    Column("withdrawn_at", DateTime(timezone=True), nullable=False),
)

# Citizens' grievances, filed for a mobile (a keyed hash and its last four digits, never the
# number) and answered by an operator within 90 days.
grievances = Table(
    "grievances",
    metadata,
    Column("grievance_id", String(36), primary_key=True),
    Column("mobile_key", String(64), nullable=False, index=True),
    Column("mobile_masked", String(10), nullable=False),
    Column("subject", String(20), nullable=False),
    Column("text", Text, nullable=False),
    Column("reference", String(64)),
    Column("filed_at", DateTime(timezone=True), nullable=False, index=True),
    Column("answer", Text),
    Column("answered_at", DateTime(timezone=True)),
)
