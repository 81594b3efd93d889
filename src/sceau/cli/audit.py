"""``sceau audit``: check the trail, read it, export it, and prove one event is in it."""

from __future__ import annotations

import io
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.console import Console

from sceau.alerts.model import printable
from sceau.alerts.records import raise_alerts
from sceau.alerts.rules.audit_verification import verification_finding
from sceau.audit.checkpoint import Checkpoint, read_exported
from sceau.audit.entry import LoggedEvent
from sceau.audit.export import FilePublisher, send_syslog, write_json_lines
from sceau.audit.proof import (
    ProofError,
    check_consistency,
    check_proof,
    make_consistency,
    make_proof,
)
from sceau.audit.verify import verify_log
from sceau.cli._context import Context
from sceau.cli._progress import ProgressPrinter
from sceau.crypto.note import NoteError, Verifier
from sceau.errors import SceauError
from sceau.events import AuditVerificationFailed, AuditVerified
from sceau.files import write_atomic


@click.group()
def audit() -> None:
    """The tamper-evident audit trail: every action sceau took, sealed and signed."""


@audit.command()
@click.option(
    "--checkpoints",
    "exported_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The exported checkpoints to hold the store to (default: the audit_export file).",
)
def verify(exported_path: Path | None) -> None:
    """Recompute the whole trail; name the first entry or checkpoint that was tampered with.

    Exit status 0 when the trail is intact, 1 when it was tampered with.
    """
    console = Console(stderr=True)
    context = Context.load()
    user = context.actor("audit.read")
    log = context.events
    configured = log.publisher if isinstance(log.publisher, FilePublisher) else None
    started = configured is not None and configured.started(context.engine)
    expected = exported_path is None and started
    if exported_path is None and configured is not None and configured.path.exists():
        exported_path = configured.path
    exported: list[Checkpoint] = read_exported(exported_path) if exported_path else []
    total = log.size()
    with ProgressPrinter(console) as printer:
        printer.phase("audit", total)
        result = verify_log(log, exported=exported, export_expected=expected, progress=printer.rows)
    if result.intact:
        context.events.record(
            AuditVerified(actor=user.name, size=result.size, checkpoints=result.checkpoints)
        )
        signed = result.checkpoints
        also = f"; the {len(exported)} exported match them" if exported else ""
        click.echo(
            f"Intact: {result.size} entries, every seal and {signed} signed "
            f"checkpoint{'s' if signed != 1 else ''} agree{also}."
        )
        for seen in result.witnessed:
            click.echo(
                f"Witnessed by {seen.witness}: entries 0 to {seen.size - 1} (checkpoint "
                f"{seen.number}), cosigned {seen.at:%Y-%m-%d %H:%M} UTC."
            )
        if configured is not None and not started:
            click.echo(
                "audit_export is set but has received no checkpoint yet: the next one starts it."
            )
        return
    first = result.first
    if first is None:  # not intact always names where it broke: a bug if not
        raise SceauError("the verification failed without saying where", hint="report this bug")
    try:
        context.events.record(
            AuditVerificationFailed(actor=user.name, position=first.position, reason=first.reason)
        )
    except SceauError:  # a trail this broken may refuse the record: raise the alert directly
        raise_alerts(
            context.engine,
            context.events,
            [verification_finding(first.position, first.reason, by=user.name)],
            datetime.now(UTC),
        )
        click.echo("The trail refused to record this result; an alert was raised directly.")
    click.secho(f"TAMPERED: {first}", fg="red", bold=True)
    for other in result.problems[1:]:
        click.echo(f"  also: {other}")
    click.echo(
        "The trail no longer matches what was sealed and signed. Keep a copy of the database as "
        "it is now, and raise it with your security officer."
    )
    sys.exit(1)


def _write(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """The whole file or nothing, and one plain line if the folder cannot take it."""
    try:
        write_atomic(path, data, mode=mode)
    except OSError as error:
        raise SceauError(
            f"cannot write the file ({error.strerror or type(error).__name__})",
            hint="choose a folder that exists and that you may write to",
            where=str(path),
        ) from None


@audit.command()
@click.option(
    "-n",
    "--lines",
    "count",
    default=20,
    show_default=True,
    type=click.IntRange(min=1, max=1_000_000),
    help="How many events.",
)
def tail(count: int) -> None:
    """The latest events, newest last."""
    context = Context.load()
    context.actor("audit.read")
    events = list(context.events.read(limit=count, newest_first=True))
    if not events:
        click.echo("The audit trail is empty.")
    for event in reversed(events):
        click.echo(_line(event))


def _line(event: LoggedEvent) -> str:
    fields = " ".join(f"{k}={v}" for k, v in sorted(event.payload.items()))
    when = f"{event.at:%Y-%m-%d %H:%M:%S} UTC"
    return printable(f"{event.seq:>7}  {when}  {event.actor:<16} {event.name}  {fields}")


@audit.command()
@click.argument("seq", type=click.IntRange(min=0, max=2**62))
def show(seq: int) -> None:
    """One event, whole, as JSON."""
    context = Context.load()
    context.actor("audit.read")
    found = list(context.events.entries(after=seq - 1, limit=1))  # to the end: cursor closed
    entry = found[0] if found else None
    if entry is None or json.loads(entry)["seq"] != seq:
        raise SceauError(
            f"there is no entry {seq} in the audit trail",
            hint="sceau audit tail lists the latest entries and their positions",
        )
    click.echo(json.dumps(json.loads(entry), indent=2, sort_keys=True, ensure_ascii=False))


@audit.command()
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the JSON lines to this file (default: standard output).",
)
@click.option("--syslog", "address", help="Send to a collector instead: udp://host:port, tcp://…")
@click.option("--after", default=-1, help="Only entries after this position.")
def export(out: Path | None, address: str | None, after: int) -> None:
    """Every entry, byte for byte, as JSON lines or RFC 5424 syslog messages."""
    context = Context.load()
    context.actor("audit.read")
    entries = context.events.entries(after=after)
    if address:
        count = send_syslog(entries, address)
        click.echo(f"Sent {count} entries to {address}.", err=True)
    elif out is not None:
        buffer = io.BytesIO()
        count = write_json_lines(entries, buffer)
        _write(out, buffer.getvalue())
        click.echo(f"Wrote {count} entries to {out}.", err=True)
    else:
        write_json_lines(entries, sys.stdout.buffer)


def _emit(text: str, out: Path | None, what: str) -> None:
    """A proof to standard output, or whole to a file with one line saying so."""
    if out is None:
        click.echo(text, nl=False)
    else:
        _write(out, text.encode())
        click.echo(f"Wrote {what} to {out}.", err=True)


def _read_proof(path: Path, command: str) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise ProofError(
            "cannot read the proof as text",
            hint=f"give the file sceau audit {command} wrote",
            where=str(path),
        ) from None
    if text.lstrip().startswith("{"):
        raise ProofError(
            "this proof is in the JSON form of sceau before proofs followed C2SP, which this "
            "version does not read",
            hint=f"ask for a new one with sceau audit {command}",
            where=str(path),
        )
    return text


_OUT = click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the proof to this file (default: standard output).",
)
_KEY = click.option(
    "--key",
    "verifier_key",
    required=True,
    help="The audit key in signed-note form (name+hash+key), as the processor gave it "
    "(sceau audit key).",
)


def _verifier(text: str) -> Verifier:
    try:
        return Verifier.parse(text)
    except NoteError as error:
        raise ProofError(error.message, hint=error.hint, where="--key") from None


@audit.command()
@click.argument("seq", type=click.IntRange(min=0, max=2**62))
@_OUT
def prove(seq: int, out: Path | None) -> None:
    """A proof that event SEQ is in the signed trail, which shows no other event."""
    context = Context.load()
    context.actor("audit.read")
    _emit(make_proof(context.events, seq), out, f"the proof for entry {seq}")


@audit.command("check-proof")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@_KEY
def check_proof_command(path: Path, verifier_key: str) -> None:
    """Check an inclusion proof on its own: no store and no login needed.

    The key is required: a proof signed by a key made for the occasion is genuine for that
    key, and proves nothing about your processor's trail.
    """
    event, signed = check_proof(_read_proof(path, "prove"), verifier=_verifier(verifier_key))
    click.echo(
        f"Included: entry {event.seq} ({event.name} by {event.actor}, {event.at:%Y-%m-%d %H:%M}) "
        f"is in the trail of {signed.size} entries signed at {signed.at.isoformat()}."
    )


@audit.command("prove-consistency")
@click.argument("old", type=click.IntRange(min=1, max=2**62))
@click.argument("new", type=click.IntRange(min=1, max=2**62))
@_OUT
def prove_consistency(old: int, new: int, out: Path | None) -> None:
    """A proof that checkpoint NEW's trail extends checkpoint OLD's, entry for entry."""
    context = Context.load()
    remote = context.remote()
    if remote is not None:
        with remote:
            text = remote.text("/api/audit/consistency", params={"old": old, "new": new})
    else:
        context.actor("audit.read")
        text = make_consistency(context.events, old, new)
    _emit(text, out, f"the proof that checkpoint {new} extends checkpoint {old}")


@audit.command("check-consistency")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@_KEY
def check_consistency_command(path: Path, verifier_key: str) -> None:
    """Check a consistency proof on its own: no store and no login needed."""
    text = _read_proof(path, "prove-consistency")
    old, new = check_consistency(text, verifier=_verifier(verifier_key))
    click.echo(
        f"Consistent: checkpoint {new.number} ({new.size} entries, signed at "
        f"{new.at.isoformat()}) extends checkpoint {old.number} ({old.size} entries) without "
        "changing any of them."
    )


@audit.command()
@click.option(
    "--format",
    "form",
    type=click.Choice(["note", "fingerprint"]),
    default="note",
    show_default=True,
    help="note: the verifier key checkers pin (name+hash+key); fingerprint: the SHA-256 of "
    "the raw public key, as sceau printed it before.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the public key (PEM) to this file, for tools that want one.",
)
def key(form: str, out: Path | None) -> None:
    """The audit key, to pin when checking checkpoints and proofs."""
    from cryptography.hazmat.primitives import serialization

    context = Context.load()
    context.actor("audit.read")
    log = context.events
    if form == "note":
        click.echo(str(log.verifier))
    else:
        click.echo(f"Audit key fingerprint (SHA-256): {log.key.fingerprint}")
    if out is not None:
        pem = log.key.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        _write(out, pem, mode=0o644)
        click.echo(f"Public key written to {out}.", err=True)


@audit.command()
def checkpoint() -> None:
    """Sign a checkpoint now, and publish it (with any the export file missed) to audit_export.

    With ``--server``: print the service's latest signed checkpoint (what a witness fetches).
    """
    context = Context.load()
    remote = context.remote()
    if remote is not None:
        with remote:
            click.echo(remote.text("/api/audit/checkpoint"), nl=False)
        return
    context.actor("audit.read")
    log = context.events
    made = log.checkpoint()
    if made is None:
        if log.publisher is not None:  # an export file catches up what it missed, if anything
            log.publisher.publish(log, [])
        click.echo("Nothing new since the last checkpoint.")
    else:
        click.echo(f"Checkpoint {made.number} signed: {made.size} entries, root {made.root[:16]}….")


@audit.command()
@click.option("--role", required=True, help="The PostgreSQL role sceau's service connects as.")
def lockdown(role: str) -> None:
    """On PostgreSQL: refuse UPDATE and DELETE on the trail, and grant ROLE only what it needs."""
    from sceau.store.append_only import grant_service_role, install_append_only

    context = Context.load()
    context.actor("audit.lockdown")
    dialect = context.engine.dialect.name
    if dialect != "postgresql":
        raise SceauError(
            f"lockdown needs a PostgreSQL state store; this one is {dialect}, which has no "
            "roles and no trigger its file's owner cannot remove",
            hint="on SQLite the seals and the exported checkpoints are the protection (set "
            "audit_export, run sceau audit verify); to lock the tables, move the state store "
            "to PostgreSQL (SCEAU_STORE_URL)",
        )
    install_append_only(context.engine)
    grant_service_role(context.engine, role)
    click.echo(
        f"The audit tables refuse UPDATE, DELETE and TRUNCATE; role {role} may add and read "
        "entries, never change them. Connect the service as that role (SCEAU_STORE_URL)."
    )


from sceau.cli.witness import witness  # noqa: E402  (a subgroup, kept in its own module)

audit.add_command(witness)
