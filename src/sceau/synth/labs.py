"""Lab dialects: how each lab's software names, orders and formats the canonical columns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import polars as pl

from sceau.errors import SceauError
from sceau.synth.people import Canonical, luhn_number, people

Format = Callable[[pl.Expr], pl.Expr]


@dataclass(frozen=True)
class Column:
    """One exported column: its name in the lab's export, its source and how it is written."""

    name: str
    source: str  # canonical column
    category: str  # the truth: what a scanner should call it
    fmt: Format | None = None


@dataclass(frozen=True)
class Lab:
    """A lab's export dialect."""

    name: str
    delimiter: str
    encoding: str  # "cp1252", "utf-8", "utf-8-sig" (with BOM)
    header: bool
    finess_department: str
    columns: list[Column]
    harmless_comment_2: bool = False
    multiline_comments: bool = False
    note: str = field(default="")


def _date(fmt: str) -> Format:
    return lambda e: e.str.to_date("%Y-%m-%d").dt.strftime(fmt)


def _sex(male: str, female: str) -> Format:
    return lambda e: pl.when(e == "1").then(pl.lit(male)).otherwise(pl.lit(female))


def _spaced_nir(share: int) -> Format:
    """1 in ``share`` NIRs grouped as printed on the card: 1 85 05 78 006 084 36."""
    groups = r"$1 $2 $3 $4 $5 $6 $7"

    def spaced(e: pl.Expr) -> pl.Expr:
        return e.str.replace(r"^(.)(..)(..)(..)(...)(...)(..)$", groups)

    return lambda e: pl.when(pl.int_range(pl.len()) % share == 0).then(spaced(e)).otherwise(e)


def phone_forms(e: pl.Expr) -> pl.Expr:
    """The usual French ways of writing a number, varying from row to row."""
    row = pl.int_range(pl.len()) % 5
    pairs = e.str.replace(r"^(..)(..)(..)(..)(..)$", "$1 $2 $3 $4 $5")
    return (
        pl.when(row == 0)
        .then(pairs)
        .when(row == 1)
        .then(pairs.str.replace_all(" ", "."))
        .when(row == 2)
        .then(e)
        .when(row == 3)
        .then(pl.lit("+33 ") + pairs.str.slice(1))
        .otherwise(pl.lit("+33") + e.str.slice(1))
    )


_UPPER: Format = lambda e: e.str.to_uppercase()  # noqa: E731


def _c(name: str, source: str, category: str, fmt: Format | None = None) -> Column:
    return Column(name, source, category, fmt)


_COMMENT = "HEALTH_TEXT"  # settled per column from the rows generated: see truth_category

LABS: dict[str, Lab] = {
    "lab-a": Lab(
        "lab-a",
        ";",
        "cp1252",
        True,
        "13",
        [
            _c("NUM_DOSSIER", "record_id", "RECORD_ID"),
            _c("N_SS", "nir", "NIR", _spaced_nir(2)),
            _c("NOM_PAT", "surname", "PERSON_NAME"),
            _c("PRENOM_PAT", "first_names", "PERSON_NAME"),
            _c("SEXE", "sex", "SEX", _sex("H", "F")),
            _c("DDN", "birth_date", "BIRTH_DATE", _date("%d/%m/%Y")),
            _c("ADR_PAT", "address", "ADDRESS"),
            _c("CP_PAT", "postcode", "POSTCODE"),
            _c("VILLE_PAT", "city", "CITY", _UPPER),
            _c("TEL1", "phone", "PHONE", phone_forms),
            _c("MAIL_PAT", "email", "EMAIL"),
            _c("DT_DERN_VISITE", "last_visit", "DATE", _date("%d/%m/%Y")),
            _c("COMMENT1", "comment_1", _COMMENT),
            _c("COMMENT2", "comment_2", _COMMENT),
            _c("NOM_MED", "doctor_name", "PERSON_NAME"),
            _c("ADR_MED", "doctor_address", "ADDRESS"),
            _c("TEL_MED", "doctor_phone", "PHONE", phone_forms),
            _c("MAIL_MED", "doctor_email", "EMAIL"),
            _c("RPPS_MED", "doctor_rpps", "PRACTITIONER_ID"),
            _c("NOM_PREL", "sampler_name", "PERSON_NAME"),
            _c("ADR_PREL", "sampler_address", "ADDRESS"),
            _c("TEL_PREL", "sampler_phone", "PHONE", phone_forms),
            _c("NUM_AMC", "insurer_tp_id", "INSURER_ID"),
            _c("ADR_MUT", "insurer_address", "ADDRESS"),
            _c("TEL_MUT", "insurer_phone", "PHONE", phone_forms),
            _c("LOGIN", "portal_login", "LOGIN"),
            _c("MP", "portal_password", "PASSWORD"),
            _c("FINESS", "lab_finess", "FINESS"),
        ],
    ),
    "lab-b": Lab(
        "lab-b",
        ",",
        "utf-8-sig",
        True,
        "69",
        [
            _c("patient_id", "record_id", "RECORD_ID"),
            _c("ssn", "nir", "NIR"),
            _c("last_name", "surname", "PERSON_NAME"),
            _c("first_name", "first_names", "PERSON_NAME"),
            _c("gender", "sex", "SEX", _sex("M", "F")),
            _c("birth_date", "birth_date", "BIRTH_DATE"),
            _c("address", "address", "ADDRESS"),
            _c("zip_code", "postcode", "POSTCODE"),
            _c("city", "city", "CITY"),
            _c("phone", "phone", "PHONE", phone_forms),
            _c("email", "email", "EMAIL"),
            _c("last_visit", "last_visit", "DATE"),
            _c("notes", "comment_1", _COMMENT),
            _c("admin_notes", "comment_2", _COMMENT),
            _c("doctor_name", "doctor_name", "PERSON_NAME"),
            _c("doctor_phone", "doctor_phone", "PHONE"),
            _c("doctor_rpps", "doctor_rpps", "PRACTITIONER_ID"),
            _c("insurer_amc", "insurer_tp_id", "INSURER_ID"),
            _c("portal_login", "portal_login", "LOGIN"),
            _c("password_hash", "portal_password_hash", "PASSWORD_HASH"),
            _c("lab_finess", "lab_finess", "FINESS"),
        ],
        harmless_comment_2=True,
    ),
    "lab-c": Lab(
        "lab-c",
        ";",
        "utf-8",
        False,
        "33",
        [
            _c("record_id", "record_id", "RECORD_ID"),
            _c("surname", "surname", "PERSON_NAME", _UPPER),
            _c("first_names", "first_names", "PERSON_NAME"),
            _c("sex", "sex", "SEX"),
            _c("birth_date", "birth_date", "BIRTH_DATE", _date("%d-%m-%Y")),
            _c("nir", "nir", "NIR"),
            _c("address", "address", "ADDRESS"),
            _c("postcode", "postcode", "POSTCODE"),
            _c("city", "city", "CITY"),
            _c("phone", "phone", "PHONE"),
            _c("email", "email", "EMAIL"),
            _c("comment", "comment_1", _COMMENT),
            _c("doctor_name", "doctor_name", "PERSON_NAME"),
            _c("doctor_adeli", "doctor_adeli", "PRACTITIONER_ID"),
            _c("sampler_name", "sampler_name", "PERSON_NAME"),
            _c("insurer_tp_id", "insurer_tp_id", "INSURER_ID"),
            _c("last_visit", "last_visit", "DATE", _date("%d-%m-%Y")),
            _c("lab_finess", "lab_finess", "FINESS"),
        ],
    ),
    "lab-d": Lab(
        "lab-d",
        ",",
        "utf-8",
        True,
        "2A",
        [
            _c("Numéro de sécurité sociale", "nir", "NIR", _spaced_nir(1)),
            _c("Nom de naissance", "surname", "PERSON_NAME"),
            _c("Prénom(s)", "first_names", "PERSON_NAME"),
            _c("Sexe", "sex", "SEX", _sex("Homme", "Femme")),
            _c("Date de naissance", "birth_date", "BIRTH_DATE", _date("%Y%m%d")),
            _c("Adresse", "address", "ADDRESS"),
            _c("Code postal", "postcode", "POSTCODE"),
            _c("Commune", "city", "CITY"),
            _c("Téléphone portable", "phone", "PHONE", phone_forms),
            _c("Courriel", "email", "EMAIL"),
            _c("Date de dernière visite", "last_visit", "DATE", _date("%Y%m%d")),
            _c("Commentaire clinique", "comment_1", _COMMENT),
            _c("Remarques", "comment_2", _COMMENT),
            _c("Médecin prescripteur", "doctor_name", "PERSON_NAME"),
            _c("RPPS prescripteur", "doctor_rpps", "PRACTITIONER_ID"),
            _c("Téléphone du médecin", "doctor_phone", "PHONE", phone_forms),
            _c("Préleveur", "sampler_name", "PERSON_NAME"),
            _c("Adresse du préleveur", "sampler_address", "ADDRESS"),
            _c("N° AMC", "insurer_tp_id", "INSURER_ID"),
            _c("Téléphone mutuelle", "insurer_phone", "PHONE"),
            _c("Identifiant portail", "portal_login", "LOGIN"),
            _c("Mot de passe", "portal_password", "PASSWORD"),
            _c("FINESS laboratoire", "lab_finess", "FINESS"),
        ],
        multiline_comments=True,
    ),
}


def subject_of(source: str) -> str:
    """Whose data a canonical column is."""
    for prefix, subject in (
        ("doctor_", "practitioner"),
        ("sampler_", "sampler"),
        ("insurer_", "insurer"),
        ("lab_", "lab"),
    ):
        if source.startswith(prefix):
            return subject
    return "patient"


@dataclass(frozen=True)
class SynthTable:
    """One lab's export as a DataFrame, with the truth a scanner is measured against."""

    lab: Lab
    frame: pl.DataFrame  # columns named as the lab names them, every value a string
    canonical: Canonical

    def truth(self) -> dict[str, dict[str, object]]:
        """Column -> category, subject and, for NIRs, how many are valid."""
        labels: dict[str, dict[str, object]] = {}
        for column in self.lab.columns:
            label: dict[str, object] = {
                "category": self.truth_category(column),
                "subject": subject_of(column.source),
                "valid_matches": None,
            }
            if column.source == "nir":
                label["valid_matches"] = int(self.canonical.nir_valid.sum())
            labels[column.name] = label
        return labels

    def truth_category(self, column: Column) -> str:
        if column.category != _COMMENT:
            return column.category
        rows = self.canonical.comment_health[column.source]
        return "HEALTH_TEXT" if any(rows) else "FREE_TEXT"

    def comment_truth(self) -> dict[str, tuple[list[list[str]], list[list[str]]]]:
        """Comment column -> (health categories per row, embedded identifiers per row)."""
        return {
            c.name: (
                self.canonical.comment_health[c.source],
                self.canonical.comment_embedded[c.source],
            )
            for c in self.lab.columns
            if c.category == _COMMENT
        }


def generate(patients: int, *, seed: int = 0, lab: str = "lab-a") -> SynthTable:
    """``patients`` rows of ``lab``'s export, the same for the same seed."""
    if lab not in LABS:
        raise SceauError(
            f"unknown lab dialect {lab!r}", hint=f"use one of: {', '.join(LABS)}", where="--lab"
        )
    dialect = LABS[lab]
    canonical = people(patients, seed, harmless_comment_2=dialect.harmless_comment_2)
    # the Luhn key reads Corsica's 2A and 2B as 20
    department = dialect.finess_department
    number = luhn_number(
        np.random.default_rng(seed + 7), department.replace("A", "0").replace("B", "0"), 9, 1
    )[0]
    finess = department + number[2:]
    canonical = replace(canonical, frame=canonical.frame.with_columns(lab_finess=pl.lit(finess)))
    base = canonical.frame
    exprs = []
    for column in dialect.columns:
        expr = pl.col(column.source)
        if column.fmt is not None:
            expr = column.fmt(expr)
        if dialect.multiline_comments and column.category == _COMMENT:
            expr = (
                pl.when(pl.int_range(pl.len()) % 7 == 0)
                .then(expr + pl.lit("\nvu par le biologiste"))
                .otherwise(expr)
            )
        exprs.append(expr.cast(pl.String).alias(column.name))
    return SynthTable(dialect, base.select(exprs), canonical)
