"""``sceau mandate``: draft a mandate from a scan, sign it, verify it, say what it allows."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console

from sceau.cli._context import Context
from sceau.cli._lang import chosen_words, lang_option
from sceau.cli._progress import ProgressPrinter
from sceau.cli._reauth import reauthenticate
from sceau.cli._text import shown
from sceau.cli.keys import default_key, read_passphrase
from sceau.config import Settings
from sceau.crypto.signing import grouped
from sceau.detect.base import Sensitivity
from sceau.detect.scan import scan
from sceau.events import MandateDrafted, MandateRefused, ScanCompleted
from sceau.keys import open_provider
from sceau.keys.db_passwords import DatabasePasswords
from sceau.mandate.draft import draft_mandate, refuse_password
from sceau.mandate.model import ColumnRule, Mandate, MandateError, RowCondition
from sceau.mandate.parse import parse_mandate
from sceau.mandate.policy import allowed_columns, check_drift, check_mandate
from sceau.mandate.sign import sign_mandate
from sceau.mandate.signature import (
    VerificationError,
    read_mandate,
    signature_path,
    write_private_file,
)
from sceau.mandate.verify import load_verified
from sceau.migrate.preflight import admit, scan_source
from sceau.reports.i18n import Translator
from sceau.urls import redact_url

if TYPE_CHECKING:
    from sceau.cli._remote import Remote

_MANDATE = click.Path(dir_okay=False, path_type=Path)


@click.group()
def mandate() -> None:
    """The controller's signed instruction: nothing moves without one."""


@mandate.command()
@click.argument("source")
@click.option("--table", help="The table to draft for, when the source holds several.")
@click.option("-o", "--output", type=_MANDATE, help="Where to write the draft.")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
def draft(source: str, table: str | None, output: Path | None, force: bool) -> None:
    """Draft a mandate for SOURCE from a scan: every column listed, every column dropped.

    \b
    The draft goes to -o FILE (default: <mandate_id>.toml). Fill in every TODO, choose what
    moves, then have the controller sign it with `sceau mandate sign FILE`.
    """
    context = Context.load()
    user = context.actor("mandate.draft")
    refuse_password(source, where="SOURCE")  # before a scan, and before anything is written
    if output is not None and output.exists() and not force:  # say so before a long scan
        raise MandateError(
            "the file already exists; it was left as it was",
            hint="pass --force to replace it",
            where=str(output),
        )
    with _passwords(context) as passwords, ProgressPrinter(Console(stderr=True)) as progress:
        report = scan([passwords.connect_url(source)], progress=progress)
    text = draft_mandate(source, table=table, scan_report=report)
    facts = tomllib.loads(text)
    path = output or Path(f"{facts['mandate_id']}.toml")
    context.events.record(
        MandateDrafted(
            actor=user.name,
            mandate_id=facts["mandate_id"],
            columns=len(facts["source"]["columns"]),
        )
    )
    write_private_file(
        path, text.encode("utf-8"), overwrite=force, hint="pass --force to replace it"
    )
    click.echo(f"Wrote the draft mandate to {path}: {len(facts['source']['columns'])} columns,")
    click.echo("every one dropped. Fill in every TODO, choose what moves, then sign it:")
    click.echo(f"  sceau mandate sign {path}")


@mandate.command()
@click.argument("mandate_path", metavar="MANDATE", type=_MANDATE)
@click.option(
    "--key",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Your signer key (default: <home>/signers/<you>.signer.pem).",
)
@lang_option("what is printed")
def sign(mandate_path: Path, key: Path | None, lang: str | None) -> None:
    """Sign MANDATE as the controller; the signature goes beside it, in MANDATE.sig.

    \b
    Every check `sceau migrate` runs is run first, with the same words: the rules, the bounds,
    the destination's names and, when the source can be read from here, the drift scan. What
    the mandate allows is then printed, and the key's owner and fingerprint before it signs.
    Signing binds you: your account's password (and a code, when you have a second factor) is
    asked again. The passphrase of the key is read from SCEAU_SIGNER_PASSPHRASE, or asked for.

    \b
    With --server URL, the mandate is checked and signed here and handed to the service, which
    keeps it once it verifies (the key never leaves this machine). The password is asked once,
    then a code for the login and the next code (or a recovery code) to confirm.
    """
    context = Context.load()
    remote = context.remote()
    if remote is not None:
        with remote:
            _sign_at_service(context, remote, mandate_path, key, lang)
        return
    user = context.actor("mandate.sign")
    key_path = key or default_key(context.settings, user.name)
    # a mandate that cannot be signed is refused before the passphrase is asked for
    parsed = admit(read_mandate(mandate_path), where=str(mandate_path))
    with _passwords(context) as passwords, ProgressPrinter(Console(stderr=True)) as progress:
        checked = scan_source(parsed, passwords, progress, batch_rows=context.settings.batch_rows)
    if checked.scan is None:
        click.echo(
            f"The source could not be read from here ({checked.why}); the drift scan was not "
            "run: it runs when the operator migrates."
        )
    else:
        context.events.record(
            ScanCompleted(
                actor=user.name,
                sources=1,
                rows=checked.scan.rows,
                sensitive_columns=sum(
                    1 for c in checked.scan.columns if c.sensitivity is not Sensitivity.NONE
                ),
            )
        )
        check_drift(parsed, checked.scan)
        click.echo(
            f"Scanned the source as the migration will ({len(checked.scan.columns)} columns, "
            "its first rows): it matches the mandate."
        )
    t = chosen_words(lang, context.settings)
    _describe(parsed, t)  # what the controller is about to sign, before the passphrase

    def announce(signer: str, fingerprint: str) -> None:
        click.echo(t("mandate.signing", signer=signer, fingerprint=grouped(fingerprint)))

    reauthenticate(context, user, "mandate sign", from_stdin=False)
    passphrase = read_passphrase(confirm=False)
    written = sign_mandate(
        mandate_path,
        key_path,
        passphrase,
        context.engine,
        context.events,
        user=user.name,
        announce=announce,
    )
    click.echo(f"Signed {mandate_path} as {user.name}. The signature is in {written}.")


def _sign_at_service(
    context: Context, remote: Remote, mandate_path: Path, key: Path | None, lang: str | None
) -> None:
    """``sceau --server URL mandate sign``: checked and signed here, kept by the service; the
    key and its passphrase never leave this machine."""
    from sceau.cli._remote_signing import account_of, sign_at_service  # HTTP: only here

    parsed = admit(read_mandate(mandate_path), where=str(mandate_path))
    user = account_of(remote)
    t = chosen_words(lang, context.settings)
    _describe(parsed, t)

    def announce(signer: str, fingerprint: str) -> None:
        click.echo(t("mandate.signing", signer=signer, fingerprint=grouped(fingerprint)))

    kept = sign_at_service(
        remote,
        mandate_path,
        read_mandate(mandate_path),
        parsed.mandate_id,
        key or default_key(context.settings, user),
        user=user,
        passphrase=read_passphrase(confirm=False),
        announce=announce,
    )
    written = signature_path(mandate_path)
    click.echo(f"Signed {mandate_path} as {user}; the service keeps it ({kept['page']}).")
    click.echo(f"The signature is in {written}.")


@mandate.command()
@click.argument("mandate_path", metavar="MANDATE", type=_MANDATE)
@lang_option("what is printed")
def verify(mandate_path: Path, lang: str | None) -> None:
    """Check MANDATE's signature, signer and dates, and say what it allows."""
    context = Context.load()
    user = context.actor("mandate.verify")
    t = chosen_words(lang, context.settings)
    try:
        verified = load_verified(mandate_path, context.engine, context.events)
    except VerificationError as error:
        context.events.record(
            MandateRefused(
                actor=user.name, mandate_sha256=_digest(mandate_path), reason=error.reason
            )
        )
        raise
    click.echo(
        t(
            "mandate.valid",
            signer=verified.signer,
            when=f"{verified.signed_at:%Y-%m-%d %H:%M %Z}",
            fingerprint=grouped(verified.fingerprint),
            sha256=verified.sha256[:16],
        )
    )
    _describe(verified.mandate, t)


@mandate.command()
@click.argument("mandate_path", metavar="MANDATE", type=_MANDATE)
@lang_option("what is printed")
def show(mandate_path: Path, lang: str | None) -> None:
    """Say what MANDATE allows, signed or not (this checks no signature)."""
    t = chosen_words(lang)
    parsed = parse_mandate(read_mandate(mandate_path), where=str(mandate_path))
    signed = signature_path(mandate_path).exists()
    click.echo(t("mandate.signed" if signed else "mandate.unsigned"))
    _describe(parsed, t)
    check_mandate(parsed)


def _describe(parsed: Mandate, t: Translator) -> None:
    """What the mandate allows, in plain words."""
    controller, processor = parsed.controller, parsed.processor
    source = redact_url(parsed.source)
    facts = [
        (
            "mandate.controller",
            t("mandate.with_finess", name=controller.name, finess=controller.finess),
        ),
        (
            "mandate.processor",
            t("mandate.with_finess", name=processor.name, finess=processor.finess)
            if processor.finess
            else processor.name,
        ),
        ("mandate.purpose", parsed.purpose),
        ("mandate.legal_reference", parsed.legal_reference),
        (
            "mandate.valid_range",
            t(
                "mandate.from_until",
                start=f"{parsed.valid_from:%Y-%m-%d %H:%M %Z}",
                end=f"{parsed.valid_until:%Y-%m-%d %H:%M %Z}",
            ),
        ),
        (
            "mandate.source",
            t("mandate.with_table", location=source, table=parsed.source_table)
            if parsed.source_table
            else source,
        ),
        (
            "mandate.destination",
            t(
                "mandate.created" if parsed.create_table else "mandate.with_table",
                location=redact_url(parsed.destination),
                table=parsed.destination_table,
            ),
        ),
        ("mandate.rows", _scope(parsed.rows, t)),
        ("mandate.staging", t("mandate.retention", days=t("unit.day", n=parsed.retention.days))),
    ]
    width = max(len(t(label)) for label, _ in facts) + 2
    lines = [t("mandate.heading", mandate=parsed.mandate_id)]
    lines += [f"  {t(label):<{width}}{value}" for label, value in facts]
    moved = parsed.moved
    total = t("unit.column", n=len(parsed.source_columns))
    lines.append(t("mandate.moves", moved=t.number(len(moved)), total=total))
    width = max(len(rule.source) for rule in moved)
    for rule in moved:
        renamed = f" → {rule.target}" if rule.target and rule.target != rule.source else ""
        lines.append(f"  {rule.source:<{width}}  {_treatment(rule, t)}{renamed}")
    overridden = [rule for rule in parsed.columns if rule.category is not None]
    if overridden:
        lines.append(t("mandate.overrides", n=len(overridden)))
        for rule in overridden:
            said = t(
                "mandate.override",
                source=rule.source,
                category=rule.category,
                detected=rule.detected,
                reason=rule.reason,
            )
            lines.append("  " + said)
    kept = set(allowed_columns(parsed))
    dropped = [column for column in parsed.source_columns if column not in kept]
    if dropped:
        lines.append(t("mandate.drops", n=len(dropped)))
        lines.append("  " + ", ".join(dropped))
    for line in lines:
        click.echo(shown(line, limit=2_000))  # names and purpose are the controller's text


def _treatment(rule: ColumnRule, t: Translator) -> str:
    """A treatment in words, as the migration report says it; its code if sceau has none."""
    birth = (rule.category or rule.detected) == "BIRTH_DATE"
    for key in ([f"birth_treatment.{rule.spec}"] if birth else []) + [f"treatment.{rule.spec}"]:
        if t.has(key):
            return t(key)
    return rule.spec


def _scope(rows: tuple[RowCondition, ...], t: Translator) -> str:
    if not rows:
        return t("mandate.every_row")
    parts = []
    for condition in rows:
        tests = []
        if condition.one_of is not None:
            values = ", ".join(t("mandate.quoted", value=v) for v in condition.one_of)
            tests.append(t("migration.scope_in", values=values))
        if condition.since is not None:
            tests.append(t("migration.scope_from", date=f"{condition.since:%Y-%m-%d}"))
        if condition.until is not None:
            tests.append(t("migration.scope_until", date=f"{condition.until:%Y-%m-%d}"))
        parts.append(f"{condition.column} " + f" {t('migration.scope_and')} ".join(tests))
    return t("mandate.only_rows", conditions=t("mandate.and_whose").join(parts))


def _passwords(context: Context) -> DatabasePasswords:
    """Database passwords as the command connects: the key provider is opened only if one is
    kept for the URL (see docs/mandate.md)."""
    settings: Settings = context.settings
    return DatabasePasswords(context.engine, lambda: open_provider(settings))


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(read_mandate(path)).hexdigest()
    except MandateError:
        return ""
