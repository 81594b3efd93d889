"""``sceau audit witness``: the lab keeps its own memory of the trail, cosigns what extends it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sceau.audit.cosignature import CosignatureError, Cosigner
from sceau.audit.cosigned import record_cosignature
from sceau.audit.witness import (
    REFUSED,
    Accepted,
    Refused,
    Request,
    Witness,
    WitnessError,
    parse_request,
    request_from_log,
)
from sceau.cli._context import Context
from sceau.config import load_settings
from sceau.crypto.note import NoteError, Verifier
from sceau.errors import SceauError
from sceau.events import CosignatureRecorded, WitnessCosigned, WitnessRefused
from sceau.files import write_atomic

if TYPE_CHECKING:
    from sceau.cli._remote import Remote

_STATE = click.option(
    "--state",
    "folder",
    type=click.Path(path_type=Path, file_okay=False),
    help="The witness's folder (default: witness in sceau's home, SCEAU_HOME).",
)


@click.group()
def witness() -> None:
    """Keep the lab's own copy of the trail's checkpoints, and refuse any that rewrite it."""


def _witness(folder: Path | None) -> Witness:
    return Witness(folder if folder is not None else load_settings().home / "witness")


@witness.command()
@_STATE
@click.option("--name", default="", help="The witness's name, such as lab.example/witness.")
@click.option(
    "--log-key",
    "log_key",
    help="The audit key to follow (name+hash+key, as sceau audit key prints it) "
    "(default: the local installation's).",
)
@click.option(
    "--log-key-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Read that audit key from a file instead.",
)
def init(folder: Path | None, name: str, log_key: str | None, log_key_file: Path | None) -> None:
    """Create a witness: its own key, and the audit key of the log it follows."""
    if log_key_file is not None and log_key is not None:
        raise WitnessError("give --log-key or --log-key-file, not both", where="--log-key-file")
    if log_key_file is not None:
        try:
            log_key = log_key_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise WitnessError(
                "cannot read the audit key file",
                hint="give the text sceau audit key printed",
                where=str(log_key_file),
            ) from None
    if log_key is None:
        context = Context.load()
        context.actor("audit.read")
        log = context.events.verifier
    else:
        try:
            log = Verifier.parse(log_key)
        except NoteError as error:
            raise WitnessError(error.message, hint=error.hint, where="--log-key") from None
    made = Witness.create(_witness(folder).folder, log=log, name=name)
    state = made.state()
    click.echo(f"Witness created in {made.folder}.")
    click.echo(f"It follows the log {log.name}, audit key {log}")
    click.echo(f"Witness key: {state.cosigner}")
    click.echo(f"Witness fingerprint (SHA-256): {state.cosigner.fingerprint}")
    click.echo(
        "Compare both out of band (by phone, on paper) with the service's sceau audit key and "
        "with whoever checks this witness's cosignatures."
    )


@witness.command()
@click.argument(
    "request", required=False, type=click.Path(path_type=Path, dir_okay=False, exists=True)
)
@_STATE
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the checkpoint with this witness's cosignature to this file.",
)
def check(request: Path | None, folder: Path | None, out: Path | None) -> None:
    """Check the newest checkpoint against the one this witness holds; cosign it if it extends it.

    REQUEST is the file the service gave (sceau audit prove-consistency from the checkpoint this
    witness holds to the newest): no store and no login needed. With --server and no REQUEST,
    they are asked of the service, and the cosignature, or the refusal, is sent back to it.
    Without either, they are taken from the local state store, and the result is recorded in
    its trail.

    Exit status 0 when cosigned, 1 when refused (rollback, fork, bad proof, wrong key).
    """
    keeper = _witness(folder)
    state = keeper.state()
    context: Context | None = None
    actor = ""
    remote = Context.load().remote() if request is None else None
    if remote is not None:
        with remote:
            _check_with_service(keeper, remote, out)
        return
    if request is None:
        context = Context.load()
        actor = context.actor("audit.read").name
        context.events.checkpoint()  # the newest entries too, when there are new ones
        asked = request_from_log(context.events, state.size)
    else:
        asked = _read(request)
    try:
        accepted = keeper.add_checkpoint(asked)
    except Refused as refusal:
        _refused(keeper, refusal, context, actor, state.log.name)
        return
    if context is not None:  # beside the store: the service keeps the cosignature at once
        record_cosignature(context.events, accepted.note, state.cosigner)
        context.events.record(
            WitnessCosigned(
                actor=actor,
                witness=state.cosigner.name,
                origin=state.log.name,
                size=accepted.size,
                previous_size=accepted.previous_size,
            )
        )
    _accepted(accepted, out)


def _check_with_service(keeper: Witness, remote: Remote, out: Path | None) -> None:
    """Ask the service for its newest checkpoint and the proof from what this witness holds;
    send the cosignature back, so that the service's verify names this witness, or the
    refusal, so that the service's alerts escalate it."""
    state = keeper.state()
    asked = parse_request(remote.text("/api/audit/witness", params={"old_size": state.size}))
    try:
        accepted = keeper.add_checkpoint(asked)
    except Refused as refusal:
        _report(remote, refusal, state.cosigner.name, state.log.name)
        _refused(keeper, refusal, None, "", state.log.name)
        return
    remote.json(
        "POST",
        "/api/audit/cosignatures",
        json={"note": accepted.note, "witness_key": str(state.cosigner)},
    )
    _accepted(accepted, out)


def _report(remote: Remote, refusal: Refused, witness: str, origin: str) -> None:
    """Tell the service its witness refused; a service that cannot be told is said so."""
    report = {"witness": witness, "origin": origin, "size": refusal.size, "caught": refusal.caught}
    try:
        remote.json("POST", "/api/audit/witness/refusals", json=report)
    except SceauError as error:
        click.echo(
            f"The service could not be told of this refusal ({error.message}): tell its "
            "security officer yourself.",
            err=True,
        )
        return
    click.echo("The service was told of this refusal: it raises an alert there.", err=True)


def _read(path: Path) -> Request:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise WitnessError(
            "cannot read the checkpoint and proof as text",
            hint="give the file sceau audit prove-consistency wrote",
            where=str(path),
        ) from None
    try:
        return parse_request(text)
    except WitnessError as error:
        raise WitnessError(error.message, hint=error.hint, where=str(path)) from None


def _accepted(accepted: Accepted, out: Path | None) -> None:
    grew = accepted.size - accepted.previous_size
    click.echo(
        f"Cosigned: the trail of {accepted.size} entries extends the {accepted.previous_size} "
        f"this witness held ({grew} new), root {accepted.root.hex()[:16]}…."
    )
    click.echo(accepted.cosignature.line, nl=False)
    if out is not None:
        try:
            write_atomic(out, accepted.note.encode(), mode=0o644)
        except OSError as error:
            raise WitnessError(
                f"cannot write the file ({error.strerror or type(error).__name__})",
                hint="choose a folder that exists and that you may write to",
                where=str(out),
            ) from None
        click.echo(f"The cosigned checkpoint is in {out}.", err=True)


def _refused(
    keeper: Witness, refusal: Refused, context: Context | None, actor: str, origin: str
) -> None:
    click.secho(f"REFUSED ({refusal.caught}): {refusal.message}", fg="red", bold=True)
    if refusal.hint:
        click.echo(refusal.hint)
    click.echo(
        f"The witness still holds its last accepted checkpoint; the refused one is kept in "
        f"{keeper.folder / REFUSED}."
    )
    if context is not None:
        event = WitnessRefused(
            actor=actor,
            witness=keeper.state().cosigner.name,
            origin=origin,
            size=refusal.size,
            caught=refusal.caught,
        )
        try:
            context.events.record(event)
        except SceauError:
            click.echo("The audit trail refused to record this refusal: keep this output.")
    sys.exit(1)


@witness.command()
@_STATE
@click.option("--json", "as_json", is_flag=True, help="Print JSON, for scripts.")
def status(folder: Path | None, as_json: bool) -> None:
    """What this witness follows and the last checkpoint it accepted."""
    keeper = _witness(folder)
    state = keeper.state()
    seen = state.seen
    facts = {
        "witness": state.cosigner.name,
        "witness_key": str(state.cosigner),
        "fingerprint": state.cosigner.fingerprint,
        "log": state.log.name,
        "log_key": str(state.log),
        "size": state.size,
        "root": state.root.hex(),
        "checkpoint": None if seen is None else seen.number,
        "accepted_at": None if seen is None else seen.accepted_at.isoformat(),
        "note": None if seen is None else seen.note,
        "refused": len(list((keeper.folder / REFUSED).glob("*.txt"))),
    }
    if as_json:
        click.echo(json.dumps(facts, indent=2, ensure_ascii=False))
        return
    click.echo(f"Witness {state.cosigner.name}, key {state.cosigner}")
    click.echo(f"  fingerprint (SHA-256): {state.cosigner.fingerprint}")
    click.echo(f"Follows {state.log.name}, audit key {state.log}")
    if seen is None:
        click.echo("No checkpoint accepted yet: the next sceau audit witness check takes one.")
    else:
        number = f"checkpoint {seen.number}, " if seen.number is not None else ""
        click.echo(
            f"Holds {number}{seen.size} entries, root {seen.root.hex()[:16]}…, accepted "
            f"{seen.accepted_at:%Y-%m-%d %H:%M} UTC."
        )
    if facts["refused"]:
        click.echo(f"Refused so far: {facts['refused']} (kept in {keeper.folder / REFUSED}).")


@witness.command()
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option(
    "--witness-key",
    "witness_key",
    required=True,
    help="The lab's witness key (name+id+key), as sceau audit witness init printed it.",
)
def record(path: Path, witness_key: str) -> None:
    """On the service: keep a checkpoint's cosignature the lab's witness sent back.

    sceau audit verify then says how far the trail is witnessed, and names a stored checkpoint
    that is no longer the one the witness cosigned.
    """
    context = Context.load()
    actor = context.actor("audit.read")
    try:
        cosigner = Cosigner.parse(witness_key)
    except CosignatureError as error:
        raise WitnessError(error.message, hint=error.hint, where="--witness-key") from None
    try:
        note = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise WitnessError(
            "cannot read the cosigned checkpoint as text",
            hint="give the file sceau audit witness check --out wrote",
            where=str(path),
        ) from None
    try:
        kept = record_cosignature(context.events, note, cosigner)
    except SceauError as error:
        raise WitnessError(error.message, hint=error.hint, where=str(path)) from None
    context.events.record(
        CosignatureRecorded(
            actor=actor.name, witness=kept.witness, number=kept.number, size=kept.size
        )
    )
    click.echo(
        f"Recorded: the witness {kept.witness} cosigned checkpoint {kept.number} "
        f"({kept.size} entries) on {kept.at:%Y-%m-%d %H:%M} UTC."
    )
