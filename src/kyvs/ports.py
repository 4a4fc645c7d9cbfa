"""The protocols for everything outside the domain: storage, the clock, and later OTPs and SMS."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from kyvs.domain.breach import Breach
from kyvs.domain.breach_exposure import AccessRecord, ApiActivity
from kyvs.domain.citizen import Correction, ShareLink
from kyvs.domain.dlt import DltTemplate
from kyvs.domain.doses import Dose
from kyvs.domain.hosted import HostedSession
from kyvs.domain.limits import Limit
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.otp_channel import OtpChannel
from kyvs.domain.people import Registration
from kyvs.domain.providers import Provider
from kyvs.domain.retention import RecordKind
from kyvs.domain.rights import Grievance, Withdrawal
from kyvs.domain.share_cards import CardSpec
from kyvs.domain.signing_keys import Jwks, KeyRecord, TokenKind
from kyvs.domain.sms_health import HealthView, SmsOutcome
from kyvs.domain.verification import VerificationTxn

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


@dataclass(frozen=True, slots=True)
class WriteCounts:
    """What a bulk write stored: new people, and doses added (to new or existing people)."""

    beneficiaries: int
    doses: int


class Registry(Protocol):
    """The vaccination registry: beneficiaries and their doses."""

    def add(self, registration: Registration) -> None:
        """Store a new beneficiary with their doses (raises if the reference id exists)."""

    def add_dose(self, reference_id: str, dose: Dose) -> None:
        """Record one more dose (raises `DuplicateDose` if that dose number exists)."""

    def get(self, reference_id: str) -> Registration | None:
        """The beneficiary and their doses, or None."""

    def on_mobile(self, mobile: MobileNumber) -> list[Registration]:
        """Everyone registered on a mobile number, with their doses."""

    def count_on_mobiles(self, mobiles: Collection[str]) -> dict[str, int]:
        """How many people each national mobile number holds (absent when none)."""

    def existing(self, reference_ids: Collection[str]) -> dict[str, tuple[str, str]]:
        """Those of these reference ids already registered, each with the registered
        (full name, national mobile), so an import can tell the same person from another."""

    def write_many(self, registrations: Sequence[Registration]) -> WriteCounts:
        """Bulk-store people and doses in one transaction; rows already present are skipped."""

    def count(self) -> int:
        """How many beneficiaries the registry holds."""


class Clock(Protocol):
    """Today's date and the current time, passed in so the domain never reads the clock."""

    def today(self) -> dt.date:
        """The current date (UTC)."""

    def now(self) -> dt.datetime:
        """The current time, timezone-aware (UTC)."""


@dataclass(frozen=True, slots=True)
class SmsMessage:
    """One text message to a registered mobile; `category` says what it is for.

    `dlt` is the registered template the text fills and `values` its variables in order (a
    gateway that sends by template id passes them instead of the text). `reference` is unique
    per message handed to a carrier: gateways that take a client reference get it, and
    delivery reports are matched back to the message through the receipt.
    """

    to: MobileNumber
    text: str
    category: str
    language: str
    dlt: DltTemplate | None = None
    values: tuple[str, ...] = ()
    reference: str = ""


@dataclass(frozen=True, slots=True)
class SmsReceipt:
    """What a gateway answered when it took a message: its name and its id for the message
    (what its delivery reports name), when it gives one."""

    gateway: str
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """A gateway's word on a message it took: delivered to the handset or failed.

    `message_id` is the gateway's id from the `SmsReceipt`; `carrier_failing` is True when the
    failure is the route's or the template's (DLT scrubbing, operator error), False when it is
    the number's (switched off, unknown subscriber); `detail` is the gateway's status code or
    word, never the number or the text.
    """

    gateway: str
    message_id: str
    delivered: bool
    carrier_failing: bool = False
    detail: str = ""


# How a gateway words its delivery reports: (body, content type, query) -> the reports in it,
# or ValueError when it cannot be read.
ReportParser = Callable[[bytes, str, Mapping[str, str]], list[DeliveryReport]]


@dataclass(frozen=True, slots=True)
class SentSms:
    """A message a gateway took, remembered until its delivery report comes: which txn's OTP
    it carried (`sent_at` is the txn's `last_sent_at` then, so a resend is told apart)."""

    gateway: str
    message_id: str
    txn_id: str
    sent_at: dt.datetime


class SmsReceiptLog(Protocol):
    """The messages gateways took, by the gateway's id, for their delivery reports."""

    async def keep(self, sent: SentSms) -> None:
        """Remember one message (and forget those too old to be reported)."""

    async def find(self, gateway: str, message_id: str) -> SentSms | None:
        """The message `gateway` calls `message_id`, or None when unknown or forgotten."""


class SmsNotDelivered(Exception):
    """The SMS carrier did not take the message, after the adapter's bounded retries.

    `carrier_failing` is True when the carrier itself is failing (timeouts, connection errors,
    5xx, refused credentials): that counts toward the SMS circuit breaker. False when it refused
    this one message (a bad number): the txn is undelivered, but the carrier is healthy.
    A gateway that refuses the message's DLT template (not registered with it) is failing for
    every message under that template: `carrier_failing` is True.

    `maybe_taken` is True when the gateway may have taken the message after all (a timeout
    once the request was sent): another gateway must not be handed the same OTP.
    """

    def __init__(
        self, detail: str, *, carrier_failing: bool = True, maybe_taken: bool = False
    ) -> None:
        super().__init__(detail)
        self.carrier_failing = carrier_failing
        self.maybe_taken = maybe_taken


class SmsSender(Protocol):
    """Delivers SMS: to the outbox in demo/dev, to an HTTP gateway in production."""

    async def send(self, message: SmsMessage) -> SmsReceipt | None:
        """Hand one message to the carrier and say what it answered (None when it gives
        nothing to match a delivery report by), or raise `SmsNotDelivered`."""


class ChannelPreferences(Protocol):
    """Which channel each citizen's OTPs go by, stored under a keyed hash of the mobile."""

    async def get(self, mobile: MobileNumber) -> OtpChannel:
        """The channel chosen for `mobile`; SMS when none was chosen."""

    async def set(self, mobile: MobileNumber, channel: OtpChannel) -> None:
        """Choose `channel` for `mobile` (replacing an earlier choice)."""

    async def forget(self, mobile: MobileNumber) -> bool:
        """Erase the choice for `mobile` (OTPs then go by SMS); False when there was none."""


class SmsHealthLog(Protocol):
    """Delivery outcomes shared by every worker (the SMS circuit breaker's memory)."""

    async def record(self, outcome: SmsOutcome) -> None:
        """Keep one outcome (and forget those older than the adapter's retention)."""

    async def view(self, *, since: dt.datetime, limit: int) -> HealthView:
        """The latest success, the latest real (not echoed) outcome, and the newest `limit`
        failures recorded at or after `since`."""

    async def failed_between(self, start: dt.datetime, end: dt.datetime) -> bool:
        """True when a failure was recorded from `start` to `end` (both included)."""


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    """A stored API key (never the key itself)."""

    key_id: str
    provider_id: str
    key_hash: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class StaffAccount:
    """A provider's staff login for the hosted console."""

    username: str
    provider_id: str
    password_hash: str
    disabled: bool
    # Raised by every change that must end the account's console sessions (disable, enable, a
    # new password); a session remembers the version it logged in with.
    session_version: int = 0


class ProviderStore(Protocol):
    """Providers, their API keys and staff accounts (the operator's side; synchronous)."""

    def add(self, provider: Provider, *, created_at: dt.datetime) -> None:
        """Store a new provider."""

    def get(self, provider_id: str) -> Provider | None:
        """A provider by id."""

    def all(self) -> list[Provider]:
        """Every provider, by name."""

    def save(self, provider: Provider) -> None:
        """Store changes to an existing provider (status, limits, allow-lists)."""

    def add_key(self, key: ApiKeyRecord) -> None:
        """Store a new API key record."""

    def keys(self, provider_id: str) -> list[ApiKeyRecord]:
        """A provider's keys, newest first."""

    def revoke_key(self, key_id: str, *, at: dt.datetime) -> bool:
        """Revoke a key; False when there is no such active key."""

    def add_staff(self, account: StaffAccount, *, created_at: dt.datetime) -> None:
        """Store a new staff account (raises `InvalidInput` if the username is taken)."""

    def staff(self, username: str) -> StaffAccount | None:
        """A staff account by username."""

    def staff_accounts(self, provider_id: str | None = None) -> list[StaffAccount]:
        """Every staff account (or one provider's), by username."""

    def change_staff(
        self, username: str, *, disabled: bool | None = None, password_hash: str | None = None
    ) -> StaffAccount | None:
        """Set what is given and raise the session version in one write (ending the account's
        console sessions); the changed account, or None when there is no such username."""


class ProviderDirectory(Protocol):
    """The web's fast, asynchronous view of providers and keys."""

    async def by_key_id(self, key_id: str) -> tuple[Provider, ApiKeyRecord] | None:
        """The provider and key record for a key id (revoked keys included)."""

    async def provider(self, provider_id: str) -> Provider | None:
        """A provider by id."""

    async def by_username(self, username: str) -> tuple[Provider, StaffAccount] | None:
        """A staff account and its provider, by username (disabled accounts included)."""


class RegistryReader(Protocol):
    """The web's asynchronous reads of the registry."""

    async def names_on_mobile(self, mobile: MobileNumber) -> list[tuple[str, str]]:
        """(reference id, full name) of everyone on a mobile."""

    async def registration(self, reference_id: str) -> Registration | None:
        """A person with their doses."""


NOBODY = ""  # the access-log reference of a txn that matched no one (see AccessEntry)


@dataclass(frozen=True, slots=True)
class AccessEntry:
    """One line of a citizen's access log: who asked, why, what was disclosed, and how it ended.

    `beneficiary_ref` is `NOBODY` for the lock of a txn that matched no one: written all the same,
    so that a lock costs the same work whether the pair was registered or not, and shown to no
    citizen (no person has that reference)."""

    beneficiary_ref: str
    provider_id: str
    provider_name: str
    purpose: str
    scopes: frozenset[str]
    outcome: str  # requested | verified | locked
    txn_id: str
    at: dt.datetime
    # A disclosure's consent record (domain/consent.py): its id and the signed record (a
    # compact JWS), kept with the line and purged with it; None for every other outcome.
    consent_id: str | None = None
    consent: str | None = None


@dataclass(frozen=True, slots=True)
class StoredConsent:
    """A consent record as kept: its id, the provider it went to, when, and the signed JWS."""

    consent_id: str
    provider_id: str
    at: dt.datetime
    token: str


class ConsentLedger(Protocol):
    """The operator's reading of consent records (they are written with the access log)."""

    def find(self, consent_id: str) -> StoredConsent | None:
        """One record by id."""

    def between(
        self, *, since: dt.datetime, until: dt.datetime, provider_id: str | None = None
    ) -> list[StoredConsent]:
        """The records given in [since, until), oldest first, optionally for one provider."""


class VerificationStore(Protocol):
    """Verification txns, updated with compare-and-set on `version`."""

    async def create(self, txn: VerificationTxn) -> None:
        """Store a new txn."""

    async def get(self, txn_id: str) -> VerificationTxn | None:
        """A txn by id."""

    async def recent(self, provider_id: str, limit: int) -> list[VerificationTxn]:
        """A provider's latest txns, newest first."""

    async def replace(
        self, txn: VerificationTxn, *, expected_version: int, access: AccessEntry | None = None
    ) -> bool:
        """Store `txn` if the stored one still has `expected_version`; with `access`, record
        that access-log entry in the same atomic step. False when someone else won the race."""


class AccessLog(Protocol):
    """The citizens' access log."""

    async def record(self, entry: AccessEntry) -> None:
        """Append one entry; recording an entry of the same txn and outcome again changes
        nothing (outbox replays deliver at least once; the log keeps each exactly once)."""


@dataclass(frozen=True, slots=True)
class Denied:
    """A limit refused the request; retry after `retry_after_s` seconds."""

    limit: Limit
    retry_after_s: int


class RateLimiter(Protocol):
    """Counts events against limits, all or nothing."""

    async def acquire(self, limits: Sequence[Limit], *, now_s: float) -> Denied | None:
        """Count one event against every limit, or none of them if any limit is full."""

    async def full(self, limit: Limit, *, now_s: float) -> bool:
        """Whether `limit` would refuse one more event now (counts nothing)."""


class ProofOfWork(Protocol):
    """Self-hosted proof-of-work challenges (ALTCHA's format): issued signed, solved by the
    client's browser or code, checked here; no third party sees anything."""

    def challenge(self, *, expires_at_s: int, difficulty: int) -> dict[str, object]:
        """A fresh signed challenge, as JSON, valid until `expires_at_s`."""

    def solved(self, solution: str, *, now_s: float) -> str | None:
        """The challenge's signature when `solution` (base64 JSON) solves an unexpired
        challenge issued here, else None (the caller makes each one count once)."""


class Dispatcher(Protocol):
    """Runs work after the response is sent (SMS sending), so timing never depends on it."""

    def submit(self, job: Callable[[], Awaitable[None]]) -> None:
        """Run `job` soon, off the request path."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One API call: route template, status, caller and duration; never a body or a query."""

    at: dt.datetime
    request_id: str
    method: str
    route: str
    status: int
    provider_id: str | None
    duration_ms: int


class AuditTrail(Protocol):
    """Where API audit entries are kept."""

    async def write(self, entries: Sequence[AuditEntry]) -> None:
        """Store a batch of entries."""


class HostedSessionStore(Protocol):
    """Hosted website sessions, updated with compare-and-set on `version`."""

    async def create(self, session: HostedSession) -> None:
        """Store a new session."""

    async def get(self, session_id: str) -> HostedSession | None:
        """A session by id."""

    async def replace(self, session: HostedSession, *, expected_version: int) -> bool:
        """Store `session` if the stored one still has `expected_version`."""

    async def erase_results(self, txn_ids: Collection[str], *, at: dt.datetime) -> int:
        """Erase the results of the sessions of these txns and end them at `at`; how many
        results were erased (a repeat erases none)."""


@dataclass(frozen=True, slots=True)
class Block:
    """A citizen's block of one provider for one person."""

    beneficiary_ref: str
    provider_id: str
    created_at: dt.datetime


class CitizenStore(Protocol):
    """Citizens' blocks, corrections, share links and access log (asynchronous, for the web)."""

    async def blocked(self, beneficiary_ref: str, provider_id: str) -> bool:
        """True when the person blocked the provider."""

    async def block(self, entry: Block) -> None:
        """Record a block (idempotent)."""

    async def unblock(self, beneficiary_ref: str, provider_id: str) -> None:
        """Lift a block."""

    async def blocks_for(self, refs: Collection[str]) -> list[Block]:
        """The blocks of these people."""

    async def add_correction(self, correction: Correction) -> None:
        """Store a new correction request."""

    async def corrections_for(self, refs: Collection[str]) -> list[Correction]:
        """These people's corrections, newest first."""

    async def add_share_link(self, link: ShareLink) -> None:
        """Store a share link."""

    async def share_link(self, link_id: str) -> ShareLink | None:
        """A share link by id."""

    async def share_links_for(self, refs: Collection[str]) -> list[ShareLink]:
        """These people's share links, newest first."""

    async def revoke_share_link(self, link_id: str, *, at: dt.datetime) -> None:
        """Revoke a link."""

    async def delete_share_links(self, refs: Collection[str]) -> int:
        """Delete these people's share links (their pages then answer 404); how many."""

    async def unblock_all(self, refs: Collection[str]) -> int:
        """Lift every block of these people; how many."""

    async def access_log_for(self, refs: Collection[str], limit: int | None) -> list[AccessEntry]:
        """These people's access-log entries, newest first (all of them when `limit` is None)."""


class ConsentWithdrawals(Protocol):
    """Whether the consent behind a txn's result was withdrawn (asked before every fetch)."""

    async def withdrawn(self, txn_id: str) -> bool:
        """True when the person withdrew the consent of `txn_id`'s disclosure."""


class RightsStore(ConsentWithdrawals, Protocol):
    """Consent withdrawals and grievances, for the citizen's side (asynchronous)."""

    async def withdraw(self, withdrawal: Withdrawal) -> None:
        """Record a withdrawal (a repeat keeps the first time)."""

    async def withdrawals_for(self, refs: Collection[str]) -> list[Withdrawal]:
        """These people's withdrawals."""

    async def add_grievance(self, grievance: Grievance) -> None:
        """Store a new grievance."""

    async def grievances_for(self, mobile_key: str) -> list[Grievance]:
        """The grievances filed for a mobile (by its keyed hash), newest first."""


class GrievanceDesk(Protocol):
    """The operator's side of grievances (synchronous, for the CLI)."""

    def grievances(self, *, open_only: bool) -> list[Grievance]:
        """Grievances (only open ones when `open_only`), oldest first."""

    def get(self, grievance_id: str) -> Grievance | None:
        """A grievance by id."""

    def save_answer(self, grievance: Grievance) -> bool:
        """Store the answer of a grievance still open; False when it was answered already."""


class CorrectionDesk(Protocol):
    """The operator's side of corrections (synchronous, for the CLI)."""

    def open_corrections(self) -> list[Correction]:
        """Corrections waiting for a decision, oldest first."""

    def get(self, correction_id: str) -> Correction | None:
        """A correction by id."""

    def decide(self, correction: Correction, *, new_doses: tuple[Dose, ...] | None) -> None:
        """Store the decision; with `new_doses`, replace the person's dose events in the same
        transaction (an accepted correction)."""


class BreachLedger(Protocol):
    """Recorded personal data breaches (synchronous, for the CLI)."""

    def add(self, breach: Breach) -> None:
        """Store a new incident."""

    def get(self, breach_id: str) -> Breach | None:
        """An incident by id."""

    def all(self) -> list[Breach]:
        """Every incident, newest report first."""

    def save(self, breach: Breach) -> None:
        """Store an incident's steps and status."""


class BreachLogs(Protocol):
    """What the access log and the API audit say about a window (synchronous, for the CLI)."""

    def access_between(
        self, start: dt.datetime, end: dt.datetime, provider_ids: Collection[str]
    ) -> list[AccessRecord]:
        """Access-log entries from `start` to `end` (both included), of these providers only
        (of every provider when `provider_ids` is empty)."""

    def api_calls_between(
        self, start: dt.datetime, end: dt.datetime, provider_ids: Collection[str]
    ) -> list[ApiActivity]:
        """The API audit from `start` to `end` (both included) summed per caller and route,
        of these providers only (every caller, anonymous ones too, when it is empty)."""


class BlockList(Protocol):
    """Whether a person blocked a provider."""

    async def blocked(self, beneficiary_ref: str, provider_id: str) -> bool:
        """True when `beneficiary_ref` blocked `provider_id`."""


class Signer(Protocol):
    """Signs attestation claims into a compact JWS."""

    def sign(self, claims: Mapping[str, Any], *, kind: TokenKind = ...) -> str:
        """The compact JWS of `claims`, typed as `kind` (default: an attestation)."""


class BackgroundFailures(Protocol):
    """Where failed background work is counted (never personal data)."""

    def background_failed(self, job: str) -> None:
        """One background job of kind `job` failed."""


class VerificationMetrics(Protocol):
    """What the verification engine reports to monitoring (never personal data)."""

    def verification_confirmed(self) -> None:
        """One verification was confirmed."""

    def otp_failed(self, reason: str) -> None:
        """One confirmation was refused: `wrong`, `expired` or `locked`."""

    def rate_limited(self, limit: str) -> None:
        """One request was refused by `limit` (the problem slug)."""


class SigningKeyStore(Protocol):
    """Where signing keys live; private keys are only handed out by `private_key`."""

    def all_keys(self) -> list[KeyRecord]:
        """Every key, active, retired and long expired, oldest first."""

    def active_key(self) -> KeyRecord | None:
        """The key that signs now, or None before the first key exists."""

    def published_keys(
        self, now: dt.datetime, attestation_lifetime: dt.timedelta
    ) -> list[KeyRecord]:
        """The active key and the retired keys whose attestations may still be unexpired."""

    def ensure_active_key(self, now: dt.datetime) -> KeyRecord:
        """The active key, created first if there is none; concurrent callers get the same key."""

    def rotate(self, now: dt.datetime) -> KeyRecord:
        """Create a new active key; every other unretired key gets `retired_at = now`."""

    def revoke(self, kid: str, now: dt.datetime) -> KeyRecord | None:
        """Unpublish `kid` at once (compromised); revoking the active key makes a new one in
        the same step. The active key afterwards, or None when `kid` is unknown."""

    def private_key(self, kid: str) -> Ed25519PrivateKey:
        """The private key of `kid`, or `SigningKeyUnavailable`."""


class PublishedKeys(Protocol):
    """The public keys that check attestations (what `/.well-known/jwks.json` shows)."""

    def jwks(self) -> Jwks:
        """The JWK Set of the keys whose attestations may still be unexpired."""


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One message of the demo/dev SMS outbox; `to_mobile` is the 10-digit national number."""

    id: int
    to_mobile: str
    text: str
    category: str
    language: str
    sent_at: dt.datetime


class OutboxReader(Protocol):
    """The SMS outbox as the CLI reads it."""

    def latest(self, limit: int = 20, *, mobile: MobileNumber | None = None) -> list[OutboxEntry]:
        """The newest `limit` messages, newest first (only those to `mobile` when given)."""


class AsyncOutboxReader(Protocol):
    """The SMS outbox as the demo's `/dev/outbox` page reads it."""

    async def latest(self, limit: int) -> list[OutboxEntry]:
        """The newest `limit` messages, newest first."""


class PasswordHasher(Protocol):
    """Staff passwords: hashed to store, checked at login in the same time either way."""

    def hash(self, password: str) -> str:
        """The stored form of `password`."""

    def login_matches(self, password: str, stored_hash: str | None) -> bool:
        """True when `password` matches; an unknown account (None) costs as much as a known one."""


@dataclass(frozen=True, slots=True)
class Outages:
    """Which errors mean "the database or Redis is unreachable for now" (answered with 503)."""

    errors: tuple[type[Exception], ...]
    is_outage: Callable[[BaseException], bool]


class CardRenderer(Protocol):
    """Draws share cards."""

    def render(self, spec: CardSpec) -> bytes:
        """The PNG of `spec`; raises ShareCardUnavailable when this server cannot draw it."""

    def can_draw(self, language: str) -> bool:
        """True when the fonts and text shaper of a card in `language` are installed."""


class RetentionStore(Protocol):
    """Where records past their retention period are erased (synchronous: the CLI runs it, the
    server on a thread)."""

    def due(self, kind: RecordKind, cutoff: dt.datetime) -> int:
        """How many records of `kind` whose period started before `cutoff` are not erased yet."""

    def erase_batch(self, kind: RecordKind, cutoff: dt.datetime, *, limit: int) -> int:
        """Erase at most `limit` of those records in one short transaction; how many this call
        erased (a record another caller erased at the same time is never counted twice)."""


class RetentionMetrics(Protocol):
    """What the retention engine reports to monitoring."""

    def retention_purged(self, kind: str, count: int) -> None:
        """`count` records of `kind` were erased."""
