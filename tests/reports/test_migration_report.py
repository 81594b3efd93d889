"""The migration report and the certificate of deletion, in JSON and HTML.

Both are built by hand: a RunOutcome shaped like the 2021 case (491,840 rows of 28 columns, of
which the mandate allowed 9 columns and 120,000 rows), and a certificate signed here with a
throw-away key, the way sceau signs them.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import stat
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from tests.schemas import closed_schema

from sceau.mandate.parse import parse_mandate
from sceau.mandate.verify import VerifiedMandate
from sceau.migrate.certificate import Certificate, verify_certificate
from sceau.migrate.outcome import RunOutcome
from sceau.migrate.report import MigrationReport
from sceau.migrate.verify import Digest
from sceau.reports.base import ReportFormat, render, write_report
from sceau.reports.i18n import Language

from .fields import emitted_paths, schema_paths

DOC = Path(__file__).resolve().parents[2] / "docs" / "migration-report.md"
STARTED = datetime(2025, 3, 14, 9, 30, 5, tzinfo=UTC)
VERIFIED_AT = datetime(2025, 3, 14, 9, 41, 26, tzinfo=UTC)
SHREDDED_AT = datetime(2025, 3, 14, 9, 41, 27, tzinfo=UTC)
PATIENT_VALUE = "1 85 05 78 006 084 36"  # a NIR-shaped value: must never show up anywhere
STAGED = Digest(120_000, 0x4BE1C0D2A9F35E7781C6D0B2E4F9A713)
SHORT = Digest(119_998, 0x1F)  # what a target missing two rows gives

MOVED = {
    "NIR": 'treatment = "pseudonymise:nir", detected = "NIR"',
    "NOM": 'treatment = "pseudonymise", detected = "PERSON_NAME"',
    "DDN": 'treatment = "generalise:year", to = "annee_naissance", detected = "BIRTH_DATE"',
    "CP": 'treatment = "generalise:department", detected = "POSTCODE"',
    "COMMENTAIRE_1": 'treatment = "redact-identifiers", detected = "HEALTH_TEXT"',
    "MDP": 'treatment = "rehash-password", detected = "PASSWORD"',
    "MUTUELLE_ID": 'treatment = "encrypt", detected = "PASSWORD", category = "INSURER_ID", '
    'reason = "third-party-payment numbers of 13 digits; no password in this column"',
    "DATE_PRELEVEMENT": 'treatment = "keep", detected = "DATE"',
    "DATE_DERNIERE_VISITE": 'treatment = "generalise:month", to = "mois_visite"',
}
DROPPED = ["PRENOM", "TEL", "EMAIL", "COMMENTAIRE_2"]
UNNAMED = [
    "NOM_NAISSANCE", "SEXE", "ADRESSE", "VILLE", "MEDECIN_NOM",
    "MEDECIN_ADRESSE", "MEDECIN_TEL", "MEDECIN_EMAIL", "PRELEVEUR_NOM", "PRELEVEUR_ADRESSE",
    "PRELEVEUR_TEL", "MUTUELLE_ADRESSE", "MUTUELLE_TEL", "LOGIN", "CODE_LABO",
]  # fmt: skip


def _mandate_toml(moved: dict[str, str], *, purpose: str = "Migration to the new LIS") -> str:
    columns = [*moved, *DROPPED, *UNNAMED]
    rules = "\n".join(f"{json.dumps(name)} = {{ {spec} }}" for name, spec in moved.items())
    drops = "\n".join(f'{name} = {{ treatment = "drop" }}' for name in DROPPED)
    return f"""
mandate_id = "labo-17-migration-2025"
purpose = {json.dumps(purpose)}
legal_reference = "Processing contract of 2025-02-12, art. 4"

[controller]
name = "Laboratoire d'analyses du Littoral"
finess = "170000017"

[processor]
name = "Biosoft Hébergement"

[validity]
from = 2025-03-10
until = 2025-04-10

[source]
location = "postgresql://sceau@lis-old.example/lis"
table = "patients"
columns = {json.dumps(columns)}

[destination]
location = "postgresql://sceau@lis-new.example/lis"
table = "patients"
create = true

[staging]
retention_days = 30

[[rows]]
column = "CODE_LABO"
in = ["LABO_17"]

[[rows]]
column = "DATE_PRELEVEMENT"
from = 2019-01-01
until = 2021-01-01

[columns]
{rules}
{drops}
"""


def _verified(moved: dict[str, str] = MOVED, **fields: str) -> VerifiedMandate:
    body = _mandate_toml(moved, **fields).encode()
    return VerifiedMandate(
        mandate=parse_mandate(body),
        sha256=hashlib.sha256(body).hexdigest(),
        fingerprint="3b" * 32,
        signer="dr-durand-2025",
        signed_at=datetime(2025, 3, 1, 10, 12, tzinfo=UTC),
        body=body,
    )


def _signed(body: dict[str, Any]) -> Certificate:
    """The body signed as sceau signs certificates (docs/migration-report.md), by a test key."""
    key = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"test certificate key").digest())
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    value = key.sign(b"sceau deletion certificate v1\n" + canonical.encode())
    return Certificate(
        body=body,
        signature={
            "algorithm": "Ed25519",
            "public_key": base64.b64encode(public).decode(),
            "fingerprint": hashlib.sha256(public).hexdigest(),
            "value": base64.b64encode(value).decode(),
        },
    )


def _certificate(verified: VerifiedMandate, **fields: Any) -> Certificate:
    mandate = verified.mandate
    body = {
        "certificate": "deletion",
        "schema_version": 1,
        "run_id": "20250314-5f0c2a9e71d3",
        "reason": "verified",
        "mandate": {
            "mandate_id": mandate.mandate_id,
            "sha256": verified.sha256,
            "controller": {"name": mandate.controller.name, "finess": mandate.controller.finess},
            "processor": {"name": mandate.processor.name},
            "overrides": [
                {"source": rule.source, "detected": rule.detected, **rule.override}
                for rule in mandate.columns
                if rule.override is not None
            ],
        },
        "source": "postgresql://sceau@lis-old.example/lis#patients",
        "destination": "postgresql://sceau@lis-new.example/lis",
        "rows": {"staged": STAGED.rows, "loaded": STAGED.rows},
        "digests": {"staged": STAGED.hex, "loaded": STAGED.hex},
        "key": {
            "key_id": "sceau-run-20250314-5f0c2a9e71d3",
            "provider": "openbao",
            "destroyed": True,
        },
        "staging": {"path": "/var/lib/sceau/staging/20250314-5f0c2a9e71d3", "deleted": True},
        "shredded_at": SHREDDED_AT.isoformat(timespec="seconds"),
        "shredded_by": "j.martin",
    }
    return _signed(body | fields)


def _shredded(verified: VerifiedMandate | None = None) -> RunOutcome:
    verified = verified or _verified()
    return RunOutcome(
        run_id="20250314-5f0c2a9e71d3",
        verified=verified,
        status="shredded",
        source="postgresql://sceau@lis-old.example/lis#patients",
        destination="postgresql://sceau@lis-new.example/lis",
        operator="j.martin",
        source_rows=491_840,
        refused_rows=371_840,
        staged=STAGED,
        loaded=STAGED,
        batches=3,
        key_id="sceau-run-20250314-5f0c2a9e71d3",
        key_provider="openbao",
        started_at=STARTED,
        finished_at=VERIFIED_AT,
        shredded_at=SHREDDED_AT,
        shredded_by="j.martin",
        timings={"extract": 412.6, "load": 231.9, "verify": 24.1},
        certificate=_certificate(verified),
    )


def _failed(loaded: Digest = SHORT) -> RunOutcome:
    return replace(
        _shredded(),
        status="failed",
        loaded=loaded,
        finished_at=None,
        shredded_at=None,
        shredded_by=None,
        certificate=None,
    )


def _in_progress() -> RunOutcome:
    return replace(
        _failed(Digest()),
        status="loading",
        source_rows=200_000,
        refused_rows=150_000,
        staged=Digest(50_000, 0x2A),
        timings={"extract": 80.25},
        batches=1,
    )


def _validator(kind: str) -> jsonschema.Draft202012Validator:
    schema = closed_schema(kind)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _html(report: Any, language: Language | None = None) -> str:
    return render(report, ReportFormat.HTML, language)


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


# --- JSON ---------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", [_shredded, _failed, _in_progress])
def test_the_migration_report_validates_against_its_schema(outcome):
    data = json.loads(render(MigrationReport(outcome()), ReportFormat.JSON))
    _validator("migration").validate(data)
    assert data == MigrationReport(outcome()).to_dict()


def test_a_failed_run_has_nulls_where_nothing_was_shredded():
    data = MigrationReport(_failed()).to_dict()
    assert data["shredding"]["shredded_at"] is None
    assert data["shredding"]["shredded_by"] is None
    assert data["shredding"]["certificate_sha256"] is None
    assert data["finished_at"] is None
    assert data["verification"]["match"] is False


def test_the_certificate_validates_against_its_schema_and_its_signature():
    certificate = _certificate(_verified())
    data = json.loads(render(certificate, ReportFormat.JSON))
    _validator("certificate").validate(data)
    verify_certificate(data, fingerprint=certificate.signature["fingerprint"])


@pytest.mark.parametrize(
    ("kind", "build", "where"),
    [
        ("migration", lambda: MigrationReport(_shredded()), ("columns_moved", 0)),
        ("migration", lambda: MigrationReport(_shredded()), ("verification",)),
        ("certificate", lambda: _certificate(_verified()), ("rows",)),
        ("certificate", lambda: _certificate(_verified()), ()),
    ],
)
def test_the_schemas_refuse_a_field_they_do_not_know(kind, build, where):
    data = build().to_dict()
    node = data
    for step in where:
        node = node[step]
    node["value"] = PATIENT_VALUE
    with pytest.raises(jsonschema.ValidationError):
        _validator(kind).validate(data)


# --- HTML: the migration report -----------------------------------------------------------


def test_the_summary_compares_extracted_and_mandated_in_plain_words():
    text = _text(_html(MigrationReport(_shredded())))
    assert (
        "491,840 rows of 28 columns were in the source; the mandate allowed 9 columns and"
        " 120,000 rows; exactly those were extracted, protected and loaded; 19 columns and"
        " 371,840 rows were refused and never left the source."
    ) in text
    assert "Of the 9 columns moved, 8 were protected on the way" in text
    assert "re-hashed) and 1 moved as it was." in text
    assert "Verified: the target holds the same 120,000 rows as the encrypted staging" in text
    assert "destroyed at openbao on 2025-03-14 09:41 UTC by j.martin" in text


def test_the_head_names_the_run_the_mandate_and_the_status():
    page = _html(MigrationReport(_shredded()))
    assert "<title>Migration 20250314-5f0c2a9e71d3 — what moved and what was refused" in page
    assert '<span class="badge ok">completed, staging shredded</span>' in page
    text = _text(page)
    for fact in (
        "labo-17-migration-2025",
        "Laboratoire d'analyses du Littoral (FINESS 170000017 )",
        "Biosoft Hébergement",
        "Processing contract of 2025-02-12, art. 4",
        "from 2025-03-10 00:00 UTC until 2025-04-10 00:00 UTC",
        "dr-durand-2025, on 2025-03-01 10:12 UTC",
        _verified().sha256,
    ):
        assert fact.replace("'", "&#39;") in text


@pytest.mark.parametrize(
    ("column", "words"),
    [
        ("NIR", "NIR-shaped pseudonym (FF3-1)"),
        ("NOM", "Replaced by a keyed pseudonym"),
        ("DDN", "Birth date reduced to the year"),
        ("CP", "Postcode reduced to the département"),
        ("COMMENTAIRE_1", "Identifiers inside the text replaced by their kind"),
        ("MDP", "Re-hashed with Argon2id"),
        ("MUTUELLE_ID", "Encrypted (AES-256-GCM) under the controller’s key"),
        ("DATE_PRELEVEMENT", "Moved as is"),
        ("DATE_DERNIERE_VISITE", "Date reduced to the month"),
    ],
)
def test_each_column_moved_shows_its_treatment_in_plain_words(column, words):
    page = _html(MigrationReport(_shredded()))
    row = re.search(rf'<td class="name">{column}</td>.*?</tr>', page, re.DOTALL)
    assert row is not None
    assert words in row.group(0)


def test_each_refused_column_shows_why():
    page = _html(MigrationReport(_shredded()))
    for name in DROPPED:
        assert re.search(rf'<td class="name">{name}</td>.*?Dropped by the mandate', page, re.DOTALL)
    for name in UNNAMED:
        assert re.search(
            rf'<td class="name">{name}</td>.*?Not named in the mandate \(deny by default\)',
            page,
            re.DOTALL,
        )


def test_the_row_scope_is_in_words():
    text = _text(_html(MigrationReport(_shredded())))
    assert "CODE_LABO is one of LABO_17 ." in text
    assert "DATE_PRELEVEMENT is on or after 2019-01-01 and is before 2021-01-01." in text


def test_a_run_without_row_scope_says_every_row_was_in_scope():
    outcome = _shredded()
    mandate = replace(outcome.verified.mandate, rows=())
    outcome = replace(outcome, verified=replace(outcome.verified, mandate=mandate), refused_rows=0)
    text = _text(_html(MigrationReport(outcome)))
    assert "the mandate allowed 9 columns and all 120,000 rows;" in text
    assert "19 columns were refused and never left the source." in text
    assert "The mandate sets no row scope" in text


def test_the_verification_and_the_shredding_are_shown():
    page = _html(MigrationReport(_shredded()))
    assert '<span class="badge ok">match</span>' in page
    assert page.count(STAGED.hex) == 2
    text = _text(page)
    assert "sceau-run-20250314-5f0c2a9e71d3 , held by openbao" in text
    assert _shredded().certificate.sha256 in text
    assert "Extract, protect, stage 6 min 52 s" in text
    assert "Total 11 min 08 s" in text


def test_a_failed_run_renders_in_red_with_nothing_shredded():
    page = _html(MigrationReport(_failed()))
    assert '<span class="badge bad">failed</span>' in page
    assert '<span class="badge bad">mismatch</span>' in page
    assert '<span class="badge bad">not yet</span>' in page
    assert '<span class="badge ok">' not in page
    text = _text(page)
    assert "they were extracted and protected, but the target does not hold exactly them;" in text
    assert (
        "Verification failed: 120,000 rows were staged, but the target holds 119,998 rows." in text
    )
    assert "The staging was not shredded: it is kept, encrypted, for investigation" in text
    assert "Finished —" in text


def test_a_mismatch_with_the_same_count_says_the_rows_differ():
    text = _text(_html(MigrationReport(_failed(Digest(120_000, 0x1F)))))
    assert "as many rows as were staged (120,000), but not the same ones" in text


def test_a_run_in_progress_renders_without_a_verdict():
    page = _html(MigrationReport(_in_progress()))
    assert '<span class="badge none">in progress: loading</span>' in page
    assert '<span class="badge none">not verified yet</span>' in page
    assert "mismatch" not in page
    text = _text(page)
    assert "The run has not finished (status: loading)." in text
    assert "So far 200,000 rows of the source’s 28 columns were read" in text


def test_column_names_and_mandate_text_are_escaped():
    moved = {"<script>alert(1)</script>": 'treatment = "keep"', **MOVED}
    verified = _verified(moved, purpose='Migration "><img src=x onerror=alert(1)>')
    page = _html(MigrationReport(_shredded(verified)))
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page
    assert not [tag for tag, _ in _tags(page) if tag in {"script", "img"}]


@pytest.mark.parametrize(
    "build", [lambda: MigrationReport(_shredded()), lambda: _certificate(_verified())]
)
def test_the_pages_are_self_contained_and_print(build):
    page = _html(build())
    for tag, attributes in _tags(page):
        assert tag not in {"script", "link", "img", "iframe", "object", "embed"}
        for name, value in attributes.items():
            assert not name.startswith("on")
            assert name not in {"src", "href"} or not value or value.startswith("#")
    assert "url(" not in page
    assert "@media print" in page


@dataclass
class _Planted:
    """A report whose dict carries an extra field holding a patient's value at every level
    (but inside ``timings``, a map the page lists whole)."""

    inner: Any

    @property
    def kind(self) -> str:
        return str(self.inner.kind)

    def to_dict(self) -> dict[str, Any]:
        return _plant(self.inner.to_dict())


def _plant(node: Any) -> Any:
    if isinstance(node, dict):
        planted = {k: v if k == "timings" else _plant(v) for k, v in node.items()}
        return planted | {"patient_value": PATIENT_VALUE}
    if isinstance(node, list):
        return [_plant(item) for item in node]
    return node


@pytest.mark.parametrize(
    "build",
    [
        lambda: MigrationReport(_shredded()),
        lambda: MigrationReport(_failed()),
        lambda: _certificate(_verified()),
    ],
)
def test_the_pages_show_only_the_fields_they_name(build):
    page = _html(_Planted(build()))
    assert PATIENT_VALUE not in page
    assert PATIENT_VALUE.replace(" ", "") not in page


# --- HTML: the certificate ----------------------------------------------------------------


def test_the_certificate_states_what_was_destroyed_when_and_by_whom():
    certificate = _certificate(_verified())
    page = _html(certificate)
    assert (
        "<title>Certificate of deletion — run 20250314-5f0c2a9e71d3, 2025-03-14 09:41 UTC" in page
    )
    text = _text(page)
    assert (
        "On 2025-03-14 09:41 UTC, j.martin destroyed the key sceau-run-20250314-5f0c2a9e71d3"
        " held by openbao"
    ) in text
    assert "The staging was shredded because the load into the target was verified" in text
    assert "Laboratoire d&#39;analyses du Littoral (FINESS 170000017 )" in text
    assert "Rows staged 120,000 Rows loaded 120,000" in text
    assert text.count(STAGED.hex) == 2
    assert _verified().sha256 in text
    assert certificate.signature["fingerprint"] in text
    assert certificate.signature["value"] in text
    assert "sceau certificate FILE" in text
    assert '<span class="badge bad">' not in page
    assert "size: A4 portrait" in page


def test_a_certificate_for_an_expired_retention_says_so():
    text = _text(_html(_certificate(_verified(), reason="retention")))
    assert "because the retention period the mandate sets for the staging ran out" in text


def test_a_certificate_that_destroyed_nothing_is_shown_in_red():
    certificate = _certificate(
        _verified(), key={"key_id": "k", "provider": "local", "destroyed": False}
    )
    page = _html(certificate)
    assert '<span class="badge bad">no</span>' in page
    assert "The staging’s key was not destroyed." in _text(page)


def test_the_certificate_escapes_what_it_quotes():
    certificate = _certificate(_verified(), shredded_by="<script>alert(1)</script>")
    page = _html(certificate)
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


# --- in French -----------------------------------------------------------------------------

# Words of the English pages that a French page must not hold, outside names and codes.
ENGLISH = (
    "row", "rows", "column", "columns", "moved", "refused", "verified", "staging", "summary",
    "mandate", "controller", "processor", "purpose", "treatment", "digest", "shredded",
    "shredding", "started", "finished", "what", "was", "were", "the", "and", "of", "by", "held",
    "yes", "no", "not", "match", "mismatch", "key", "run", "certificate", "deletion", "why",
    "when", "into", "from", "to", "valid", "legal", "found", "loaded", "algorithm", "public",
    "fingerprint", "report", "schema", "batches", "generated",
)  # fmt: skip
OUTSIDE = (  # what the mandate's author wrote, in English in these tests
    "Migration to the new LIS",
    "Processing contract of 2025-02-12, art. 4",
    "third-party-payment numbers of 13 digits; no password in this column",
)


def _spoken(page: str) -> str:
    """The page's text, its no-break spaces kept (``_text`` folds every space into one)."""
    return html.unescape(re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", page)))


def _french_words(page: str) -> list[str]:
    """The English words left in a page once codes, names and the mandate's own text are out."""
    page = re.sub(r"<code[^>]*>.*?</code>|<td class=\"name\">.*?</td>", " ", page, flags=re.S)
    page = re.sub(r"<style>.*?</style>|<[^>]+>", " ", page, flags=re.S)
    text = html.unescape(page)
    for quoted in OUTSIDE:
        text = text.replace(quoted, " ")
    words = set(re.findall(r"[A-Za-zÀ-ÿ]+", text.lower()))
    return sorted(words & set(ENGLISH))


@pytest.mark.parametrize(
    "build",
    [
        lambda: MigrationReport(_shredded()),
        lambda: MigrationReport(_failed()),
        lambda: MigrationReport(_failed(Digest(120_000, 0x1F))),
        lambda: MigrationReport(_in_progress()),
        lambda: _certificate(_verified()),
        lambda: _certificate(
            _verified(),
            reason="retention",
            key={"key_id": "k", "provider": "local", "destroyed": False},
        ),
    ],
)
def test_a_french_page_holds_no_english_word(build):
    page = _html(build(), Language.FR)
    assert '<html lang="fr">' in page
    assert _french_words(page) == []
    assert _french_words(_html(build(), Language.EN))  # the check does see English


def test_the_french_migration_report_says_it_as_a_french_dpo_would():
    text = _spoken(_html(MigrationReport(_shredded()), Language.FR))
    for sentence in (
        "La source comptait 491\u202f840 lignes de 28 colonnes ; le mandat autorisait 9 colonnes"
        " et 120\u202f000 lignes ; ce sont exactement celles-ci qui ont été extraites, protégées"
        " et chargées ; 19 colonnes et 371\u202f840 lignes ont été refusées et n'ont jamais quitté"
        " la source.",
        "Sur les 9 colonnes transférées, 8 ont été protégées pendant le transfert",
        "et 1 a été transférée telle quelle.",
        "Vérification réussie : la cible contient exactement les lignes de la zone de transit"
        " chiffrée (120\u202f000 lignes), avec le même condensat.",
        "détruite dans le gestionnaire de clés openbao le 2025-03-14 09:41 UTC par j.martin",
        "le responsable du traitement détient un certificat de destruction signé.",
        "Responsable du traitement Laboratoire d'analyses du Littoral (FINESS 170000017 )",
        "Sous-traitant Biosoft Hébergement",
        "Pseudonyme au format du NIR (FF3-1)",
        "Date de naissance ramenée à l'année",
        "Écartée par le mandat",
        "Non nommée dans le mandat (refus par défaut)",
        "CODE_LABO est l'une des valeurs LABO_17 .",
        "Effacement cryptographique",
        "Vérification 24,1 s",
        "Total 11 min 08 s",
    ):
        assert sentence.replace(" :", "\u00a0:").replace(" ;", "\u202f;") in text, sentence


def test_the_french_certificate_says_it_as_a_french_dpo_would():
    text = _spoken(_html(_certificate(_verified()), Language.FR))
    assert "Certificat de destruction" in text
    assert (
        "Le 2025-03-14 09:41 UTC, j.martin a détruit la clé sceau-run-20250314-5f0c2a9e71d3"
        " détenue par openbao, rendant définitivement illisible la zone de transit chiffrée"
    ) in text
    assert "mandat labo-17-migration-2025 donné par Laboratoire d'analyses du Littoral" in text
    assert "La zone de transit a été détruite car le chargement dans la cible a été vérifié" in text
    assert "Lignes en zone de transit 120\u202f000 Lignes chargées 120\u202f000" in text
    assert "Lectures du responsable du traitement" in text
    assert "sceau certificate FICHIER --fingerprint FP" in text
    retention = _spoken(_html(_certificate(_verified(), reason="retention"), Language.FR))
    assert (
        "la durée de conservation que le mandat fixe pour la zone de transit a expiré" in retention
    )


@pytest.mark.parametrize(
    "build", [lambda: MigrationReport(_shredded()), lambda: _certificate(_verified())]
)
def test_json_and_the_signed_certificate_never_change_with_the_language(build, monkeypatch):
    english = render(build(), ReportFormat.JSON)
    monkeypatch.setenv("SCEAU_LANG", "fr")
    assert render(build(), ReportFormat.JSON) == english
    data = json.loads(english)
    if data.get("certificate"):
        verify_certificate(data)


@dataclass
class _Given:
    """A report's dict, changed by hand."""

    kind: str
    data: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return self.data


@pytest.mark.parametrize("language", list(Language))
def test_names_from_outside_are_made_printable_in_both_languages(language):
    """A name holding a line break or a bidirectional override shows as plain text."""
    planted = "MP\u202eevil\nline"
    report = MigrationReport(_shredded()).to_dict()
    report["columns_moved"][0]["source"] = planted
    report["mandate"]["purpose"] = planted
    certificate = _certificate(_verified()).to_dict()
    certificate["shredded_by"] = planted
    certificate["mandate"]["controller"]["name"] = planted
    for kind, data in (("migration", report), ("certificate", certificate)):
        page = _html(_Given(kind, data), language)
        assert "\u202e" not in page
        assert "evil\nline" not in page
        assert "MP evil line" in page


# --- writing ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [ReportFormat.JSON, ReportFormat.HTML])
def test_both_are_written_owner_only(tmp_path, fmt):
    for name, report in (
        ("migration", MigrationReport(_shredded())),
        ("certificate", _certificate(_verified())),
    ):
        path = write_report(report, fmt, tmp_path / f"{name}.{fmt}")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_text(encoding="utf-8") == render(report, fmt)


# --- the documentation --------------------------------------------------------------------


def _section(kind: str) -> str:
    report, certificate = DOC.read_text(encoding="utf-8").split("## The certificate of deletion")
    return report if kind == "migration" else certificate


@pytest.mark.parametrize(
    ("kind", "build"),
    [
        ("migration", lambda: MigrationReport(_shredded())),
        ("certificate", lambda: _certificate(_verified())),
    ],
)
def test_every_field_is_in_the_schema_and_documented(kind, build):
    schema = closed_schema(kind)
    declared = schema_paths(schema, schema.get("$defs", {}))
    emitted = emitted_paths(build().to_dict(), {"timings"})
    assert emitted <= declared
    text = _section(kind)
    assert sorted(path for path in declared if f"`{path}`" not in text) == []
