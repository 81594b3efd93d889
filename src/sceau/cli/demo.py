"""``sceau demo``: the whole story on synthetic labs, in plain words. It asks no questions.

Two labs leave their old software. Each lab's director scans the export, drafts a mandate,
decides column by column, and signs it; the vendor's operator migrates exactly that into the
new software's database (SQLite here), sceau verifies the load, shreds the encrypted staging,
and hands each lab a signed certificate. Then it shows what sceau refuses.
"""

from __future__ import annotations

import re
import secrets
import shutil
import sys
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import click
from rich.console import Console

from sceau.accounts import Role, User, add_user, login, logout, require
from sceau.audit.sink import AuditLog
from sceau.cli._progress import ProgressPrinter
from sceau.cli.demo_bad_day import SECURITY_OFFICER, tell_bad_day
from sceau.cli.demo_leak import tell_leak
from sceau.cli.migrate import run_printed
from sceau.cli.scan import print_report
from sceau.config import Settings
from sceau.crypto.signing import fingerprint, public_pem
from sceau.detect.report import ScanReport
from sceau.detect.scan import ScanOptions, scan
from sceau.errors import SceauError
from sceau.files import write_atomic
from sceau.keys import open_provider
from sceau.mandate.draft import draft_mandate
from sceau.mandate.sign import sign_mandate
from sceau.mandate.signers import new_signer
from sceau.migrate.certificate import certificate_public_key
from sceau.migrate.report import write_outcome
from sceau.reports.base import ReportFormat, write_report
from sceau.store import open_store
from sceau.synth import generate
from sceau.synth.writers import write_csv
from sceau.trace.record import start_fingerprinting

MARKER = ".sceau-demo"  # a folder the demo made, and may therefore empty again


@dataclass(frozen=True)
class DemoLab:
    """One lab of the story: its export, its director, and what the director decides."""

    name: str
    title: str
    director: str
    visit_column: str
    decisions: dict[str, str]  # column -> treatment; every other column stays dropped


LABS = (
    DemoLab(
        name="lab-a",
        title="Laboratoire A",
        director="dr.martin",
        visit_column="DT_DERN_VISITE",
        decisions={
            "NUM_DOSSIER": "keep",
            "N_SS": "pseudonymise",
            "NOM_PAT": "pseudonymise",
            "PRENOM_PAT": "pseudonymise",
            "SEXE": "keep",
            "DDN": "generalise:year",
            "CP_PAT": "generalise:department",
            "DT_DERN_VISITE": "keep",
            "COMMENT1": "redact-identifiers",
            "TEL1": "encrypt",
            "FINESS": "keep",
        },
    ),
    DemoLab(
        name="lab-b",
        title="Laboratoire B",
        director="dr.bernard",
        visit_column="last_visit",
        decisions={
            "patient_id": "keep",
            "ssn": "pseudonymise:nir",
            "last_name": "pseudonymise",
            "gender": "keep",
            "birth_date": "generalise:month",
            "zip_code": "generalise:department",
            "last_visit": "keep",
            "notes": "redact-identifiers",
            "lab_finess": "keep",
        },
    ),
)
OPERATOR = "op.durand"
PROCESSOR = "LIS Vendor SAS"


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-output"),
    show_default=True,
    help="Folder for the synthetic exports, the state and the reports (remade at each run).",
)
@click.option(
    "--patients",
    type=click.IntRange(min=50),
    default=20_000,
    show_default=True,
    help="Patients per synthetic lab.",
)
def demo(out: Path, patients: int) -> None:
    """Two labs migrate to new software under signed mandates: scan, mandate, migrate, shred."""
    console = Console()
    _prepare(out)
    Story(console, out, patients).tell()


class Story:
    def __init__(self, console: Console, out: Path, patients: int) -> None:
        self.console = console
        self.out = out
        self.patients = patients
        self.exports = out / "exports"
        # A real installation asks for these; the demo makes throw-away ones.
        self.password = secrets.token_urlsafe(18)
        self.passphrase = secrets.token_urlsafe(18)
        self.keyring_passphrase = secrets.token_urlsafe(24)
        self.settings = Settings(
            home=out / "home",
            keyring_passphrase=self.keyring_passphrase,
            batch_rows=8_192,
        )
        self.engine = open_store(self.settings.store)
        self.events = AuditLog.from_settings(self.settings, self.engine)
        self.labs = LABS

    def say(self, text: str) -> None:
        self.console.print(text)

    def tell(self) -> None:
        self.exports_step()
        self.scan_step()
        self.accounts_step()
        mandates = [self.mandate_step(lab) for lab in LABS]
        for lab, mandate in zip(LABS, mandates, strict=True):
            self.migrate_step(lab, mandate)
        pinned = self.certificate_key_step()
        tell_bad_day(self, mandates[0])
        tell_leak(self)
        self.console.rule("[bold]The end")
        self.say(
            "Each lab holds a signed mandate, a migration report and a deletion certificate; the "
            f"new software's database is {self.out / 'new-lis.db'}. Nothing outside the mandates "
            "left the exports, nothing was ever on disk in clear, and the staging is gone."
        )
        logout(self.settings, self.engine)  # no session is left behind
        home = self.settings.home
        write_atomic(home / "demo-password", (self.password + "\n").encode())
        write_atomic(home / "demo-keyring-passphrase", (self.keyring_passphrase + "\n").encode())
        me = sys.argv[0] if sys.argv[0].endswith("sceau") else "sceau"  # .venv/bin/sceau
        self.say(
            f"\nLook around: {self.out}/scan.html and {self.out}/reports/ are what a DPO hands a "
            f"regulator. The demo's accounts share the password in {home}/demo-password:\n"
            f"  export SCEAU_HOME={home}\n"
            f"  {me} login {SECURITY_OFFICER} --password-stdin < $SCEAU_HOME/demo-password\n"
            f"  {me} audit tail; {me} audit verify; {me} alerts list --all; {me} alerts show 1\n"
            "A lab checks its certificate against the signing key it was given (the demo wrote "
            "it beside the reports):\n"
            f"  {me} certificate {self.out}/reports/{LABS[0].name}/certificate.json "
            f"--fingerprint $(cat {pinned})\n"
            f"The keyring's passphrase is in {home}/demo-keyring-passphrase, for the key "
            "commands:\n"
            "  export SCEAU_KEYRING_PASSPHRASE=$(cat $SCEAU_HOME/demo-keyring-passphrase)\n"
            f"  {me} keys certificate-key"
        )

    def certificate_key_step(self) -> Path:
        """The certificate key's public half and fingerprint beside the reports: what the labs
        pin, so that a certificate signed by any other key is told apart from this one."""
        provider = open_provider(self.settings)
        try:
            public = certificate_public_key(provider, self.engine, self.events, actor=OPERATOR)
        finally:
            provider.close()
        folder = self.out / "reports"
        pinned = folder / "certificate-key.fingerprint"
        write_atomic(folder / "certificate-key.pem", public_pem(public).encode("ascii"))
        write_atomic(pinned, (fingerprint(public) + "\n").encode("ascii"))
        self.say(
            f"  The certificates' signing key, for the labs to pin: {pinned.relative_to(self.out)}"
            f" (SHA-256 fingerprint) and {folder.name}/certificate-key.pem (public key, PEM)."
        )
        return pinned

    def exports_step(self) -> None:
        self.console.rule("[bold]1. Two labs export their patients")
        self.say(
            "Laboratoire A and Laboratoire B leave their old software. Each exports every "
            f"patient — {self.patients:,} each, synthetic, shaped like the file that leaked in "
            "2021: identity, social-security number, comments about HIV, cancers, pregnancies, "
            "portal passwords."
        )
        self.exports.mkdir(parents=True)
        self.frames = {}
        for index, lab in enumerate(LABS):
            synth = generate(self.patients, seed=2021 + index, lab=lab.name)
            write_csv(synth, self.exports)
            self.frames[lab.name] = synth.frame
            self.say(f"  wrote {(self.exports / f'{lab.name}.csv').relative_to(self.out)}")

    def scan_step(self) -> None:
        self.console.rule("[bold]2. sceau scan: what do these exports hold?")
        recorder = start_fingerprinting(
            self.settings, self.engine, self.events, kind="scan", ref="demo-exports", by=OPERATOR
        )
        self.trace_index, self.trace_secret = recorder.index, recorder.secret
        with ProgressPrinter(Console(stderr=True)) as progress:
            options = ScanOptions(read_along=recorder)
            self.report = scan([self.exports], options=options, progress=progress)
        print_report(self.console, self.report)
        self.say(
            f"  sceau recorded who is in each of the {len(recorder.records)} exports in its trace "
            "index: keyed fingerprints, never a value."
        )
        for fmt in (ReportFormat.HTML, ReportFormat.JSON, ReportFormat.SARIF):
            write_report(self.report, fmt, self.out / f"scan.{fmt.value}")
        self.say(f"  scan reports: {self.out}/scan.html, scan.json, scan.sarif")

    def accounts_step(self) -> None:
        self.console.rule("[bold]3. People, not shared accounts")
        add_user(self.engine, self.events, "admin", Role.ADMIN, self.password, by="admin")
        for lab in LABS:
            add_user(
                self.engine, self.events, lab.director, Role.CONTROLLER, self.password, by="admin"
            )
        add_user(self.engine, self.events, OPERATOR, Role.OPERATOR, self.password, by="admin")
        directors = ", ".join(lab.director for lab in LABS)
        self.say(
            f"  an administrator adds each lab's director ({directors}, role controller) and "
            f"the vendor's engineer ({OPERATOR}, role operator). Every "
            "action from now on is recorded under one person's name."
        )

    def mandate_step(self, lab: DemoLab) -> Path:
        self.console.rule(f"[bold]4. {lab.title}'s director writes and signs a mandate")
        self.login_as(lab.director, "mandate.sign")
        source = self.exports / f"{lab.name}.csv"
        table = next(t for t in self.report.tables if t.source.endswith(f"{lab.name}.csv"))
        draft = draft_mandate(str(source), scan_report=ScanReport([table]))
        finess = str(self.frames[lab.name][_finess_column(lab)][0])
        text = _decide(draft, lab, finess, (self.out / "new-lis.db").resolve())
        path = self.out / f"mandate-{lab.name}.toml"
        path.write_text(text, encoding="utf-8")
        moved = len(lab.decisions)
        self.say(
            f"  sceau drafted {path.name} from the scan: {len(table.columns)} columns, each "
            f"dropped until decided. The director keeps {moved}, protected, for patients "
            "seen in 2019 and 2020, and drops the rest — the portal passwords among them: "
            "patients will choose new ones."
        )
        new_signer(
            self.engine,
            self.events,
            self.passphrase,
            self.settings.home / "signers",
            user=lab.director,
        )
        key = self.settings.home / "signers" / f"{lab.director}.signer.pem"
        sign_mandate(path, key, self.passphrase, self.engine, self.events, user=lab.director)
        self.say(f"  {lab.director} made a signing key and signed it: {path.name}.sig (Ed25519).")
        return path

    def migrate_step(self, lab: DemoLab, mandate: Path) -> None:
        self.console.rule(f"[bold]5. The operator migrates {lab.title}, exactly as signed")
        user = self.login_as(OPERATOR, "migrate")
        outcome = run_printed(
            self.console, self.settings, self.engine, self.events, user.name, mandate
        )
        written = write_outcome(outcome, self.out / "reports" / lab.name)
        self.say(
            f"  {outcome.loaded.rows:,} rows loaded; {outcome.refused_rows:,} rows outside the "
            "mandate's dates never left the export."
        )
        for path in written:
            self.say(f"  {path.relative_to(self.out)}")

    operator = OPERATOR

    def login_as(self, name: str, action: str) -> User:
        login(self.settings, self.engine, self.events, name, self.password)
        return require(self.settings, self.engine, self.events, action)


def _finess_column(lab: DemoLab) -> str:
    return "FINESS" if "FINESS" in lab.decisions else "lab_finess"


def _after_group(value: str, match: re.Match[str]) -> str:
    """The match's first group, if it has one, then ``value``."""
    return (match.groups() or ("",))[0] + value


def _decide(draft: str, lab: DemoLab, finess: str, database: Path) -> str:
    """What the director types into the draft: the parties, the destination, the scope, and a
    treatment for each column that moves."""
    filled = {  # pattern -> what replaces its TODO (after the pattern's first group, if any)
        'purpose = "TODO[^"]*"': 'purpose = "Migration of the lab\'s records to its new LIS"',
        'legal_reference = "TODO[^"]*"': (
            'legal_reference = "Processing agreement 2026-014, art. 28 GDPR"'
        ),
        r'(\[controller\][^\n]*\n)name = "TODO[^"]*"': f'name = "{lab.title}"',
        'finess = "TODO"': f'finess = "{finess}"',
        r'(\[processor\][^\n]*\n)name = "TODO[^"]*"': f'name = "{PROCESSOR}"',
        r'(\[destination\][^\n]*\n)location = "TODO[^"]*"': f'location = "sqlite:///{database}"',
        'table = "TODO[^"]*"': f'table = "{lab.name.replace("-", "_")}_patients"',
        "create = false": "create = true",
    }
    text = draft
    for pattern, value in filled.items():
        text, count = re.subn(pattern, partial(_after_group, value), text)
        if count != 1:
            raise SceauError("the draft's layout changed", hint="update the demo", where=pattern)
    text = text.replace(
        "[columns]",
        f'[[rows]]\ncolumn = "{lab.visit_column}"\nfrom = 2019-01-01\nuntil = 2021-01-01\n\n'
        "[columns]",
    )
    for column, treatment in lab.decisions.items():
        text, count = re.subn(
            rf'^({re.escape(column)} = {{ treatment = )"drop"',
            rf'\1"{treatment}"',
            text,
            flags=re.MULTILINE,
        )
        if count != 1:
            raise SceauError("the draft has no such column", hint="update the demo", where=column)
    return text


def _prepare(out: Path) -> None:
    """Empty the demo's own folder; never touch a folder the demo did not make."""
    if out.exists():
        if not (out / MARKER).exists() and any(out.iterdir()):
            raise SceauError(
                "this folder is not empty and was not made by the demo",
                hint="choose another one with --out",
                where=str(out),
            )
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("made by sceau demo; removed at its next run\n")
