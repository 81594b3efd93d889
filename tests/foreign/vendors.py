"""Four fictional vendors' export dialects: headers, value formats, delimiters, encodings.

Each column says which sceau category it truly holds (the ground truth) and how the vendor
writes the value. Comment columns name their role instead ('clinical' or 'lab'); the generator
fills them with :func:`comments.compose` and records their truth.

- Axilab: upper-case abbreviated headers, ``;``, Windows-1252, CRLF, quotes only when needed.
- Medilis: camelCase English headers, ``,``, UTF-8 with BOM, every field quoted, line breaks in
  comments; its lab is in Corse-du-Sud (FINESS ``2A…``).
- Biogest: tab-separated, UTF-8, CRLF, **no header row**.
- Kalisto: French headers with accents and spaces, ``|``, UTF-8, a ``count(*)`` column; its lab
  is in Haute-Corse (FINESS ``2B…``).
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from dataclasses import dataclass

from . import identity
from .comments import CommentStyle
from .population import Patient

Value = Callable[[Patient, random.Random], "str | None"]


@dataclass(frozen=True)
class Column:
    header: str
    category: str  # the sceau Category it holds
    value: Value | None = None  # None for comment and constant columns
    comment: str | None = None  # 'clinical' or 'lab' for comment columns
    constant: str | None = None  # 'finess' or 'code': the lab's own, the same on every row


@dataclass(frozen=True)
class Dialect:
    vendor: str
    file: str
    dept: str  # the lab's département
    columns: tuple[Column, ...]
    delimiter: str
    encoding: str
    newline: str
    quoting: int
    header: bool
    comments: CommentStyle


def _maybe(share: float, value: Value) -> Value:
    """The value in ``share`` of rows, else empty."""
    return lambda p, rng: value(p, rng) if rng.random() < share else None


def _phone(number: str | None, rng: random.Random, styles: tuple[str, ...]) -> str | None:
    return None if number is None else identity.phone_form(number, rng.choice(styles))


def _comment(header: str, role: str) -> Column:
    return Column(header, "FREE_TEXT", comment=role)


def _title(text: str) -> str:
    return "-".join(part.capitalize() for part in text.split("-"))


_A_PHONES = ("spaced", "spaced", "compact", "dots")
_B_PHONES = ("intl_spaced", "intl_compact", "intl_00", "intl_paren", "spaced")
_C_PHONES = ("dots", "dots", "compact", "intl_00_compact")
_D_PHONES = ("spaced", "dashes", "spaced_pairs_tight", "intl_spaced", "compact")


def _a_login(p: Patient, rng: random.Random) -> str:
    return p.login_name if rng.random() < 0.7 else p.login_numeric


def _d_login(p: Patient, rng: random.Random) -> str:
    return rng.choice((p.login_name, p.login_mail, p.login_numeric))


def _birth_name(p: Patient, rng: random.Random) -> str | None:
    if p.birth_name != p.surname or rng.random() < 0.5:
        return p.birth_name.upper()
    return None


def _decimal(value: float, comma: bool) -> str:
    text = f"{value:.2f}"
    return text.replace(".", ",") if comma else text


def _result(low: float, high: float, comma: bool, digits: int = 1) -> Value:
    def value(p: Patient, rng: random.Random) -> str:
        draw = rng.random()
        if draw < 0.03:
            return f"<{_decimal(low, comma)}"
        if draw < 0.05:
            return "NF"
        number = f"{rng.uniform(low, high):.{digits}f}"
        return number.replace(".", ",") if comma else number

    return value


AXILAB = Dialect(
    vendor="axilab",
    file="axilab_export_patients.csv",
    dept="69",
    delimiter=";",
    encoding="cp1252",
    newline="\r\n",
    quoting=csv.QUOTE_MINIMAL,
    header=True,
    comments=CommentStyle(upper=0.3, line_breaks=("\r\n",), ascii_only=True),
    columns=(
        Column("IPP", "RECORD_ID", lambda p, rng: p.ipp),
        Column("NUM_DOSSIER", "RECORD_ID", lambda p, rng: p.dossier),
        Column(
            "NIR",
            "NIR",
            lambda p, rng: identity.nir_form(p.nir, "key" if rng.random() < 0.1 else "compact"),
        ),
        Column("NOM", "PERSON_NAME", lambda p, rng: p.surname.upper()),
        Column("NOM_JF", "PERSON_NAME", _birth_name),
        Column("PRENOMS", "PERSON_NAME", lambda p, rng: " ".join(p.first_names).upper()),
        Column("SEXE", "SEX", lambda p, rng: p.sex),
        Column("DATE_NAISS", "BIRTH_DATE", lambda p, rng: identity.date_form(p.born, "dmy")),
        Column("ADR1", "ADDRESS", lambda p, rng: p.street),
        Column("ADR2", "ADDRESS", lambda p, rng: p.complement),
        Column("CP", "POSTCODE", lambda p, rng: p.postcode),
        Column("VILLE", "CITY", lambda p, rng: p.city.upper()),
        Column("TEL_DOM", "PHONE", lambda p, rng: _phone(p.fixed, rng, _A_PHONES)),
        Column("TEL_PORT", "PHONE", lambda p, rng: _phone(p.mobile, rng, _A_PHONES)),
        Column("MAIL", "EMAIL", lambda p, rng: p.email),
        Column("DATE_DER_VISITE", "DATE", lambda p, rng: f"{p.last_visit:%d/%m/%Y %H:%M}"),
        _comment("RENS_CLINIQUES", "clinical"),
        _comment("COMMENTAIRE_LABO", "lab"),
        Column(
            "MED_PRESC",
            "PERSON_NAME",
            lambda p, rng: f"Dr {p.prescriber.surname.upper()} {p.prescriber.first}",
        ),
        Column("ADR_MED_PRESC", "ADDRESS", lambda p, rng: p.prescriber.address),
        Column("TEL_MED_PRESC", "PHONE", lambda p, rng: _phone(p.prescriber.phone, rng, _A_PHONES)),
        Column("MAIL_MED_PRESC", "EMAIL", lambda p, rng: p.prescriber.email),
        Column("RPPS_PRESC", "PRACTITIONER_ID", lambda p, rng: p.prescriber.rpps),
        Column("PRELEVEUR", "PERSON_NAME", lambda p, rng: p.sampler.name),
        Column("ADR_PRELEVEUR", "ADDRESS", lambda p, rng: p.sampler.address),
        Column("TEL_PRELEVEUR", "PHONE", lambda p, rng: _phone(p.sampler.phone, rng, _A_PHONES)),
        Column("ORGANISME_COMPL", "OTHER", lambda p, rng: p.insurer.name),
        Column("NUM_AMC", "INSURER_ID", lambda p, rng: p.member_number),
        Column("ADRESSE_ORGANISME", "ADDRESS", lambda p, rng: p.insurer.address),
        Column("TEL_ORGANISME", "PHONE", lambda p, rng: _phone(p.insurer.phone, rng, _A_PHONES)),
        Column("IDENT_SR", "LOGIN", _a_login),
        Column("MDP_SR", "PASSWORD", lambda p, rng: p.password),
        Column("FINESS", "FINESS", constant="finess"),
        Column("CODE_LABO", "OTHER", constant="code"),
        Column("CODE_BARRE", "RECORD_ID", lambda p, rng: p.barcode),
        Column("CODE_ANA", "OTHER", lambda p, rng: p.exam.mnemonic),
        Column("RESULTAT [mmol/L]", "OTHER", _result(3.2, 14.0, comma=True, digits=2)),
        Column("MONTANT_TTC", "OTHER", lambda p, rng: _decimal(p.amount, comma=True)),
    ),
)

MEDILIS = Dialect(
    vendor="medilis",
    file="medilis_patients.csv",
    dept="2A",
    delimiter=",",
    encoding="utf-8-sig",
    newline="\n",
    quoting=csv.QUOTE_ALL,
    header=True,
    comments=CommentStyle(line_breaks=("\n",)),
    columns=(
        Column("patientId", "RECORD_ID", lambda p, rng: "P" + p.ipp),
        Column("visitNumber", "RECORD_ID", lambda p, rng: "V" + p.dossier),
        Column("socialSecurityNumber", "NIR", lambda p, rng: identity.nir_form(p.nir, "spaced")),
        Column("lastName", "PERSON_NAME", lambda p, rng: p.surname),
        Column(
            "maidenName",
            "PERSON_NAME",
            lambda p, rng: p.birth_name if p.birth_name != p.surname else None,
        ),
        Column("firstName", "PERSON_NAME", lambda p, rng: p.first),
        Column("gender", "SEX", lambda p, rng: "M" if p.sex == "1" else "F"),
        Column("dateOfBirth", "BIRTH_DATE", lambda p, rng: identity.date_form(p.born, "iso")),
        Column("addressLine1", "ADDRESS", lambda p, rng: p.street),
        Column("addressLine2", "ADDRESS", lambda p, rng: p.complement),
        Column("zipCode", "POSTCODE", lambda p, rng: p.postcode),
        Column("city", "CITY", lambda p, rng: p.city),
        Column("homePhone", "PHONE", lambda p, rng: _phone(p.fixed, rng, _B_PHONES)),
        Column("mobilePhone", "PHONE", lambda p, rng: _phone(p.mobile, rng, _B_PHONES)),
        Column("email", "EMAIL", lambda p, rng: p.email),
        Column("lastVisit", "DATE", lambda p, rng: p.last_visit.isoformat()),
        _comment("clinicalNotes", "clinical"),
        _comment("labNotes", "lab"),
        Column(
            "referringPhysician",
            "PERSON_NAME",
            lambda p, rng: f"{p.prescriber.first} {p.prescriber.surname}",
        ),
        Column("physicianAddress", "ADDRESS", lambda p, rng: p.prescriber.address),
        Column(
            "physicianPhone", "PHONE", lambda p, rng: _phone(p.prescriber.phone, rng, _B_PHONES)
        ),
        Column("physicianEmail", "EMAIL", lambda p, rng: p.prescriber.email),
        Column("physicianRpps", "PRACTITIONER_ID", lambda p, rng: p.prescriber.rpps),
        Column("collectorName", "PERSON_NAME", lambda p, rng: p.sampler.name),
        Column("collectorAddress", "ADDRESS", lambda p, rng: p.sampler.address),
        Column("collectorPhone", "PHONE", lambda p, rng: _phone(p.sampler.phone, rng, _B_PHONES)),
        Column("insurerName", "OTHER", lambda p, rng: p.insurer.name),
        Column("insurerMemberId", "INSURER_ID", lambda p, rng: p.member_number),
        Column("insurerAddress", "ADDRESS", lambda p, rng: p.insurer.address),
        Column("insurerPhone", "PHONE", lambda p, rng: _phone(p.insurer.phone, rng, _B_PHONES)),
        Column("portalLogin", "LOGIN", lambda p, rng: p.login_mail),
        Column("portalPassword", "PASSWORD", lambda p, rng: p.password),
        Column("labFiness", "FINESS", constant="finess"),
        Column("labCode", "OTHER", constant="code"),
        Column("sampleBarcode", "RECORD_ID", lambda p, rng: p.barcode),
        Column("testCode", "OTHER", lambda p, rng: p.exam.mnemonic),
        Column("Result [g/L]", "OTHER", _result(0.6, 2.8, comma=False, digits=2)),
        Column("feeEur", "OTHER", lambda p, rng: _decimal(p.amount, comma=False)),
    ),
)

BIOGEST = Dialect(
    vendor="biogest",
    file="biogest_extract.txt",
    dept="35",
    delimiter="\t",
    encoding="utf-8",
    newline="\r\n",
    quoting=csv.QUOTE_MINIMAL,
    header=False,
    comments=CommentStyle(lower=0.15, line_breaks=("\r\n",)),
    columns=(
        Column("ipp", "RECORD_ID", lambda p, rng: p.ipp.lstrip("0")),
        Column("nir", "NIR", lambda p, rng: identity.nir_form(p.nir, "key")),
        Column("nom", "PERSON_NAME", lambda p, rng: p.surname.upper()),
        Column("prenoms", "PERSON_NAME", lambda p, rng: ", ".join(p.first_names)),
        Column("sexe", "SEX", lambda p, rng: "H" if p.sex == "1" else "F"),
        Column("naissance", "BIRTH_DATE", lambda p, rng: identity.date_form(p.born, "compact")),
        Column("adresse", "ADDRESS", lambda p, rng: p.street),
        Column("complement", "ADDRESS", lambda p, rng: p.complement),
        Column("cp", "POSTCODE", lambda p, rng: p.postcode),
        Column("ville", "CITY", lambda p, rng: p.city.upper()),
        Column("tel", "PHONE", lambda p, rng: _phone(p.fixed, rng, _C_PHONES)),
        Column("portable", "PHONE", lambda p, rng: _phone(p.mobile, rng, _C_PHONES)),
        Column("email", "EMAIL", lambda p, rng: p.email),
        Column(
            "derniere_visite",
            "DATE",
            lambda p, rng: identity.date_form(p.last_visit.date(), "compact"),
        ),
        _comment("rc", "clinical"),
        _comment("remarque", "lab"),
        Column(
            "prescripteur",
            "PERSON_NAME",
            lambda p, rng: f"{p.prescriber.surname.upper()} {p.prescriber.first[0]}.",
        ),
        Column("adr_presc", "ADDRESS", lambda p, rng: p.prescriber.address),
        Column("tel_presc", "PHONE", lambda p, rng: _phone(p.prescriber.phone, rng, _C_PHONES)),
        Column("rpps", "PRACTITIONER_ID", lambda p, rng: p.prescriber.rpps),
        Column("preleveur", "PERSON_NAME", lambda p, rng: p.sampler.name),
        Column("adr_prel", "ADDRESS", lambda p, rng: p.sampler.address),
        Column("tel_prel", "PHONE", lambda p, rng: _phone(p.sampler.phone, rng, _C_PHONES)),
        Column("mutuelle", "OTHER", lambda p, rng: p.insurer.name),
        Column("num_tp", "INSURER_ID", lambda p, rng: p.member_number),
        Column("adr_mutuelle", "ADDRESS", lambda p, rng: p.insurer.address),
        Column("tel_mutuelle", "PHONE", lambda p, rng: _phone(p.insurer.phone, rng, _C_PHONES)),
        Column("login", "LOGIN", lambda p, rng: p.login_numeric),
        Column("mdp", "PASSWORD", lambda p, rng: p.password),
        Column("finess", "FINESS", constant="finess"),
        Column("code_labo", "OTHER", constant="code"),
        Column("acte", "OTHER", lambda p, rng: p.exam.nabm),
        Column("resultat", "OTHER", _result(0.1, 250.0, comma=True, digits=1)),
        Column("montant", "OTHER", lambda p, rng: _decimal(p.amount, comma=True)),
    ),
)

KALISTO = Dialect(
    vendor="kalisto",
    file="kalisto_requete.csv",
    dept="2B",
    delimiter="|",
    encoding="utf-8",
    newline="\n",
    quoting=csv.QUOTE_MINIMAL,
    header=True,
    comments=CommentStyle(lower=0.1, line_breaks=("\n",)),
    columns=(
        Column("N° dossier", "RECORD_ID", lambda p, rng: p.dossier),
        Column("N° patient", "RECORD_ID", lambda p, rng: "K" + p.ipp[2:]),
        Column(
            "N° SS",
            "NIR",
            lambda p, rng: identity.nir_form(p.nir, rng.choice(("compact", "spaced"))),
        ),
        Column("Nom usuel", "PERSON_NAME", lambda p, rng: p.surname.upper()),
        Column("Nom de naissance", "PERSON_NAME", lambda p, rng: p.birth_name.upper()),
        Column("Prénom(s)", "PERSON_NAME", lambda p, rng: " ".join(map(_title, p.first_names))),
        Column(
            "Civilité",
            "SEX",
            lambda p, rng: "M." if p.sex == "1" else rng.choice(("Mme",) * 5 + ("Mlle",)),
        ),
        Column(
            "Né(e) le", "BIRTH_DATE", lambda p, rng: identity.date_form(p.born, "dmy_dots_short")
        ),
        Column("Adresse", "ADDRESS", lambda p, rng: p.street),
        Column("Complément d'adresse", "ADDRESS", lambda p, rng: p.complement),
        Column("Code postal", "POSTCODE", lambda p, rng: p.postcode),
        Column("Commune", "CITY", lambda p, rng: p.city),
        Column("Tél. fixe", "PHONE", lambda p, rng: _phone(p.fixed, rng, _D_PHONES)),
        Column("Tél. mobile", "PHONE", lambda p, rng: _phone(p.mobile, rng, _D_PHONES)),
        Column("Courriel", "EMAIL", lambda p, rng: p.email),
        Column(
            "Dernier passage",
            "DATE",
            lambda p, rng: identity.date_form(p.last_visit.date(), "dmy_dashes"),
        ),
        _comment("Info clinique", "clinical"),
        _comment("Remarque technique", "lab"),
        Column(
            "Prescripteur",
            "PERSON_NAME",
            lambda p, rng: f"Dr {p.prescriber.first[0]}. {p.prescriber.surname.upper()}",
        ),
        Column("Adresse prescripteur", "ADDRESS", lambda p, rng: p.prescriber.address),
        Column(
            "Tél. prescripteur", "PHONE", lambda p, rng: _phone(p.prescriber.phone, rng, _D_PHONES)
        ),
        Column("Email prescripteur", "EMAIL", lambda p, rng: p.prescriber.email),
        Column("N° RPPS", "PRACTITIONER_ID", lambda p, rng: p.prescriber.rpps),
        Column("Préleveur", "PERSON_NAME", lambda p, rng: p.sampler.name),
        Column("Adresse préleveur", "ADDRESS", lambda p, rng: p.sampler.address),
        Column("Tél. préleveur", "PHONE", lambda p, rng: _phone(p.sampler.phone, rng, _D_PHONES)),
        Column("Mutuelle", "OTHER", lambda p, rng: p.insurer.name),
        Column("N° tiers payant", "INSURER_ID", lambda p, rng: p.member_number),
        Column("Adresse mutuelle", "ADDRESS", lambda p, rng: p.insurer.address),
        Column("Tél. mutuelle", "PHONE", lambda p, rng: _phone(p.insurer.phone, rng, _D_PHONES)),
        Column("Identifiant web", "LOGIN", _d_login),
        Column("Mot de passe web", "PASSWORD", lambda p, rng: p.password),
        Column("N° FINESS", "FINESS", constant="finess"),
        Column("Code laboratoire", "OTHER", constant="code"),
        Column("Tube", "RECORD_ID", lambda p, rng: p.barcode),
        Column("Acte", "OTHER", lambda p, rng: f"{p.exam.nabm} {p.exam.mnemonic}"),
        Column("Créatinine [µmol/L]", "OTHER", _result(35.0, 320.0, comma=False, digits=0)),
        Column("Montant (€)", "OTHER", lambda p, rng: _decimal(p.amount, comma=True) + " €"),
        Column("count(*)", "OTHER", lambda p, rng: str(p.acts)),
    ),
)

DIALECTS = (AXILAB, MEDILIS, BIOGEST, KALISTO)
