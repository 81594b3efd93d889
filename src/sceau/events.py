"""Typed events with stable names: the one thing every room may import.

Every action that touches personal data or its keys emits one event: who did it, what, which
run or mandate, counts and hashes. Events never hold patient data — no values, only column
names, counts, identifiers that sceau itself minted and keyed hashes. Their fields are limited
to plain scalars and tuples of them, so a data frame or a batch cannot slip in by mistake.

The sink that records them is the audit trail (:mod:`sceau.audit.sink`); a sink that cannot
record an event raises, and the action that needed the event does not happen.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol

_SCALARS = (str, int, float, bool, type(None))
_EXACT = 2**53 - 1  # a larger integer loses digits in JSON readers that use doubles


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every event. ``name`` is stable across versions: rules and exports key on it."""

    name: ClassVar[str]
    alert: ClassVar[bool] = False  # an event a person must look at (issue "Supervise" escalates)
    actor: str  # the individual's account name, or "sceau" for the system itself
    at: datetime = field(default_factory=_now)

    def __post_init__(self) -> None:
        exact = True
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name == "at":
                continue
            for v in value if isinstance(value, tuple) else (value,):
                if not isinstance(v, _SCALARS):
                    raise TypeError(f"event field {item.name} must hold plain scalars")
                if isinstance(v, float) or (type(v) is int and not -_EXACT <= v <= _EXACT):
                    exact = False
        object.__setattr__(self, "_exact", exact)

    @property
    def exact_json(self) -> bool:
        """Whether every field is text, a boolean, null or an integer JSON keeps exactly (no
        float): checked once, as the event is made, so the audit trail can encode it directly."""
        return bool(self.__dict__.get("_exact", False))

    def payload(self) -> dict[str, Any]:
        """The event's own fields, JSON-ready (tuples become lists)."""
        return {
            name: list(value) if isinstance(value := getattr(self, name), tuple) else value
            for name in _payload_names(type(self))
        }


_PAYLOAD_NAMES: dict[type[Event], tuple[str, ...]] = {}


def _payload_names(cls: type[Event]) -> tuple[str, ...]:
    """An event class's own field names (asked for every event the audit trail records, so kept)."""
    names = _PAYLOAD_NAMES.get(cls)
    if names is None:
        names = tuple(item.name for item in fields(cls) if item.name not in {"actor", "at"})
        _PAYLOAD_NAMES[cls] = names
    return names


class EventSink(Protocol):
    """Where events go. ``record`` raises when it cannot record: no event, no action."""

    def record(self, event: Event) -> None: ...


# --- accounts ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class UserAdded(Event):
    name = "user.added"
    user: str
    role: str


@dataclass(frozen=True, kw_only=True)
class UserDisabled(Event):
    name = "user.disabled"
    user: str


@dataclass(frozen=True, kw_only=True)
class UserEnabled(Event):
    name = "user.enabled"  # a disabled account let in again by an admin
    user: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class LoginUnlocked(Event):
    name = "auth.login_unlocked"  # an admin lifted an account's lock after failed logins
    user: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class LoginSucceeded(Event):
    name = "auth.login"
    user: str


@dataclass(frozen=True, kw_only=True)
class LoginFailed(Event):
    name = "auth.login_failed"
    alert = True
    user: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class LoginThrottled(Event):
    """A login refused without looking at the password: too many failures for this account
    (``scope`` "account") or from this address ("address"), until ``until`` (ISO 8601, UTC)."""

    name = "auth.login_throttled"
    alert = True
    user: str
    scope: str
    until: str
    address: str  # where the attempt came from: "local" for the command line


@dataclass(frozen=True, kw_only=True)
class SessionEnded(Event):
    """A session ended before its time: logout, by its owner, by an admin, or a password change."""

    name = "auth.session_ended"
    user: str
    session: str  # the session's short id (the start of its token's SHA-256), never the token
    reason: str


@dataclass(frozen=True, kw_only=True)
class PasswordChanged(Event):
    name = "auth.password_changed"
    user: str
    sessions_ended: int


@dataclass(frozen=True, kw_only=True)
class PasswordReset(Event):
    """An admin (the actor) set another account's password; it must be changed at next login."""

    name = "auth.password_reset"
    user: str
    sessions_ended: int


@dataclass(frozen=True, kw_only=True)
class SessionPolicyChanged(Event):
    name = "auth.session_policy_changed"
    idle_minutes: int
    absolute_minutes: int


@dataclass(frozen=True, kw_only=True)
class AccessDenied(Event):
    name = "auth.denied"
    alert = True
    command: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class MfaEnrolled(Event):
    name = "mfa.enrolled"  # a second factor proven and added to an account
    user: str
    kind: str  # totp | webauthn
    factor: int


@dataclass(frozen=True, kw_only=True)
class MfaRemoved(Event):
    name = "mfa.removed"
    alert = True  # an account's protection lowered: someone should know it was meant
    user: str
    kind: str  # totp | webauthn | recovery
    factor: int


@dataclass(frozen=True, kw_only=True)
class MfaVerified(Event):
    name = "mfa.verified"  # a second factor given at login
    user: str
    kind: str
    factor: int


@dataclass(frozen=True, kw_only=True)
class MfaFailed(Event):
    name = "mfa.failed"
    alert = True
    user: str
    kind: str  # what was tried: totp | recovery | webauthn | code (not recognised as either)
    reason: str  # wrong code, replayed code, expired challenge, ... never the code itself


@dataclass(frozen=True, kw_only=True)
class EnrolmentCodeIssued(Event):
    name = "mfa.enrolment_code_issued"  # by an admin, for an account's first factor
    user: str
    expires: str  # ISO 8601, UTC


@dataclass(frozen=True, kw_only=True)
class EnrolmentCodeUsed(Event):
    name = "mfa.enrolment_code_used"  # given at the first login: the account may enrol now
    user: str


@dataclass(frozen=True, kw_only=True)
class RecoveryCodesIssued(Event):
    name = "mfa.recovery_issued"  # a new set replaces every earlier code
    user: str
    factor: int
    count: int


@dataclass(frozen=True, kw_only=True)
class RecoveryCodeUsed(Event):
    name = "mfa.recovery_used"
    alert = True  # a lost phone, or a stolen code: the owner should confirm it was them
    user: str
    factor: int
    remaining: int


@dataclass(frozen=True, kw_only=True)
class Reauthenticated(Event):
    name = "auth.reauthenticated"  # password (and second factor) given again before an act
    user: str
    kind: str  # the second factor given, or "none" for an account without one


@dataclass(frozen=True, kw_only=True)
class LoggedOut(Event):
    name = "auth.logout"
    user: str


@dataclass(frozen=True, kw_only=True)
class TokenCreated(Event):
    name = "auth.token_created"
    user: str
    token_id: str  # the token's public id, never the token
    label: str
    days: int


@dataclass(frozen=True, kw_only=True)
class TokenRevoked(Event):
    name = "auth.token_revoked"
    user: str
    token_id: str


@dataclass(frozen=True, kw_only=True)
class LabMemberAdded(Event):
    name = "account.lab_added"
    user: str
    finess: str  # the lab's registration number, not a person's


@dataclass(frozen=True, kw_only=True)
class LabMemberRemoved(Event):
    name = "account.lab_removed"
    user: str
    finess: str


@dataclass(frozen=True, kw_only=True)
class ServiceStarted(Event):
    name = "service.started"
    address: str  # host:port it listens on
    tls: bool
    behind_proxy: bool


@dataclass(frozen=True, kw_only=True)
class ServiceStopped(Event):
    name = "service.stopped"
    address: str


# --- keys -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class KeyCreated(Event):
    name = "key.created"
    key_id: str
    provider: str
    purpose: str


@dataclass(frozen=True, kw_only=True)
class KeyRotated(Event):
    name = "key.rotated"
    key_id: str
    provider: str
    version: int


@dataclass(frozen=True, kw_only=True)
class KeyDestroyed(Event):
    name = "key.destroyed"
    key_id: str
    provider: str


@dataclass(frozen=True, kw_only=True)
class SignerCreated(Event):
    """A signer key registered by its owner: what a mandate's signature is later proven by."""

    name = "signer.created"
    signer: str  # the key's name: its owner's account
    account: str  # the account that holds the key, and that re-authenticated to register it
    fingerprint: str
    public_key: str  # the raw Ed25519 public key, base64 (a public key is no secret)


@dataclass(frozen=True, kw_only=True)
class SignerRevoked(Event):
    """A signer key revoked: no mandate it signed is valid any longer, whenever signed."""

    name = "signer.revoked"
    alert = True
    account: str  # the key's owner (the actor is who revoked it: the owner or an admin)
    fingerprint: str
    reason: str  # the words of who revoked it, one line


# --- mandates ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class MandateDrafted(Event):
    name = "mandate.drafted"
    mandate_id: str
    columns: int


@dataclass(frozen=True, kw_only=True)
class MandateSigned(Event):
    name = "mandate.signed"
    mandate_id: str
    mandate_sha256: str
    fingerprint: str


@dataclass(frozen=True, kw_only=True)
class MandateRefused(Event):
    name = "mandate.refused"
    alert = True
    mandate_sha256: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class DraftCreated(Event):
    name = "mandate.draft_created"
    draft_id: str
    lab: str  # the controller's FINESS: who may see the draft and this event
    mandate_id: str
    columns: int
    scan_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class DraftChanged(Event):
    name = "mandate.draft_changed"
    draft_id: str
    lab: str
    mandate_id: str
    field: str  # "purpose", "columns.NAME.treatment", ...: the field, never its value


@dataclass(frozen=True, kw_only=True)
class FindingOverruled(Event):
    name = "mandate.finding_overruled"
    draft_id: str
    lab: str
    mandate_id: str
    column: str
    detected: str  # what the scan found
    category: str  # the controller's reading ("" when the override is taken back)
    reason: str  # the controller's words, not the data's


# --- migrations -------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RunStarted(Event):
    name = "run.started"
    run_id: str
    mandate_sha256: str
    source: str  # location without password
    destination: str


@dataclass(frozen=True, kw_only=True)
class DriftRefused(Event):
    name = "run.drift_refused"
    alert = True
    mandate_sha256: str
    column: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class ScanDisagreed(Event):
    """The scan reads an unchanged column otherwise than the signed mandate notes: a decision
    for the controller, not anyone's misconduct (a drift is a column added or gone)."""

    name = "run.scan_disagreed"
    alert = True
    mandate_id: str
    mandate_sha256: str
    column: str
    scanned: str  # the scan's reading: a category, or the categories found inside the text
    signed: str  # the category the mandate notes (the controller's override when it has one)
    reason: str


@dataclass(frozen=True, kw_only=True)
class BatchStaged(Event):
    name = "run.batch_staged"
    run_id: str
    batch: int
    rows: int
    refused_rows: int


@dataclass(frozen=True, kw_only=True)
class BatchLoaded(Event):
    name = "run.batch_loaded"
    run_id: str
    batch: int
    rows: int


@dataclass(frozen=True, kw_only=True)
class RunVerified(Event):
    name = "run.verified"
    run_id: str
    rows: int
    digest: str


@dataclass(frozen=True, kw_only=True)
class VerificationFailed(Event):
    name = "run.verification_failed"
    alert = True
    run_id: str
    staged_rows: int
    target_rows: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class RunStopped(Event):
    name = "run.stopped"  # on an error, or on request; resumable where it stands
    alert = True
    run_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class RunAbandoned(Event):
    name = "run.abandoned"  # given up by someone; its staging is shredded next
    run_id: str
    state: str  # where it stood: stopped, failed, or interrupted while staging|loading|verifying


@dataclass(frozen=True, kw_only=True)
class StagingShredded(Event):
    name = "run.shredded"
    run_id: str
    key_id: str
    reason: str  # "verified", "retention", "refused" or "abandoned"


@dataclass(frozen=True, kw_only=True)
class CertificateIssued(Event):
    name = "run.certificate"
    run_id: str
    certificate_sha256: str


# --- supervision ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ScanCompleted(Event):
    name = "scan.completed"
    sources: int
    rows: int
    sensitive_columns: int


@dataclass(frozen=True, kw_only=True)
class ScanReceived(Event):
    """A scan report handed to the service for a lab (names, counts and shapes only)."""

    name = "scan.received"
    scan_id: int
    lab: str  # the FINESS of the lab whose data was scanned
    tables: int
    columns: int
    sensitive_columns: int
    report_sha256: str


@dataclass(frozen=True, kw_only=True)
class TraceRecorded(Event):
    """A reading of rows entered the fingerprint index (keyed fingerprints only)."""

    name = "trace.recorded"
    record_id: int
    kind: str  # scan | run | export
    ref: str
    source: str  # the table's public name, without password
    rows: int
    fingerprints: int


@dataclass(frozen=True, kw_only=True)
class LeakTraced(Event):
    """A file that turned up was matched against the trace index (counts and record numbers)."""

    name = "trace.traced"
    tables: int
    rows: int
    matched_rows: int
    records: tuple[int, ...]  # the records named as its sources


# --- incidents (trace/incidents.py): one event per lab concerned, so each lab sees its own ---


@dataclass(frozen=True, kw_only=True)
class IncidentOpened(Event):
    name = "incident.opened"
    incident_id: int
    lab: str  # a controller concerned (FINESS): one event per lab
    nature: tuple[str, ...]  # confidentiality, integrity, availability
    aware_at: str  # the moment of awareness every clock runs from (ISO 8601, UTC)
    aware_by: str


@dataclass(frozen=True, kw_only=True)
class IncidentClockMet(Event):
    name = "incident.clock_met"
    incident_id: int
    lab: str
    clock: str  # notice | cnil | ars
    reference: str  # the notification's number or the letter's reference
    late: bool
    complementary: bool  # a later notification completing the first (the CNIL's)


@dataclass(frozen=True, kw_only=True)
class IncidentDelayGiven(Event):
    name = "incident.delay_given"
    incident_id: int
    lab: str
    clock: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class IncidentClosed(Event):
    name = "incident.closed"
    incident_id: int
    lab: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class StrayFound(Event):
    """A sweep found a file outside every declared location holding people of recorded
    readings: where (public, no password), how big, how old, which readings; never a value."""

    name = "trace.stray_found"
    alert = True
    path: str
    size: int
    modified: str  # ISO 8601, UTC: with path and size, tells an unchanged file from a new one
    age_days: int
    rows: int
    matched_rows: int
    records: tuple[int, ...]


@dataclass(frozen=True, kw_only=True)
class Swept(Event):
    """A sweep looked through folders or servers for stray copies (counts only)."""

    name = "trace.swept"
    locations: tuple[str, ...]  # public, without password
    files: int
    finds: int
    skipped: int


@dataclass(frozen=True, kw_only=True)
class AuditVerified(Event):
    name = "audit.verified"
    size: int
    checkpoints: int


@dataclass(frozen=True, kw_only=True)
class AuditVerificationFailed(Event):
    name = "audit.verification_failed"
    alert = True
    position: str  # "entry 41", "checkpoint 3", "head"
    reason: str


@dataclass(frozen=True, kw_only=True)
class WitnessCosigned(Event):
    name = "audit.witness_cosigned"
    witness: str  # the witness's name (its key is in its cosignature)
    origin: str  # the log's
    size: int  # entries the cosigned checkpoint covers
    previous_size: int  # entries the witness had accepted before


@dataclass(frozen=True, kw_only=True)
class WitnessRefused(Event):
    name = "audit.witness_refused"
    alert = True
    witness: str
    origin: str
    size: int  # entries the refused checkpoint claims
    caught: str  # rollback, fork, bad-proof, wrong-key, wrong-log, out-of-step


@dataclass(frozen=True, kw_only=True)
class CosignatureRecorded(Event):
    name = "audit.cosignature_recorded"
    witness: str
    number: int  # the checkpoint cosigned
    size: int


@dataclass(frozen=True, kw_only=True)
class AlertRaised(Event):
    name = "alert.raised"
    alert_id: int
    rule: str
    severity: str


@dataclass(frozen=True, kw_only=True)
class AlertEscalated(Event):
    name = "alert.escalated"
    alert_id: int
    tier: str
    recipients: int


@dataclass(frozen=True, kw_only=True)
class AlertNotificationFailed(Event):
    name = "alert.notification_failed"
    alert_id: int
    channel: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class AlertAcknowledged(Event):
    name = "alert.acknowledged"
    alert_id: int


@dataclass(frozen=True, kw_only=True)
class AlertResolved(Event):
    name = "alert.resolved"
    alert_id: int
    resolution: str


EVENTS: dict[str, type[Event]] = {
    cls.name: cls
    for cls in Event.__subclasses__()  # every event above, by its stable name
}
