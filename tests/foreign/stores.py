"""The two exports that are not delimited text: nested JSON lines and a SQLite database."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import identity
from .comments import CommentStyle, compose
from .population import EXAMS, Lab, Patient

if TYPE_CHECKING:
    from faker import Faker

    from .generator import Truth

JSONL_FILE = "medilis_sync.jsonl"
SQLITE_FILE = "biogest_base.sqlite"

_JSON_STYLE = CommentStyle(line_breaks=("\n",))
_SQL_STYLE = CommentStyle(upper=0.1, lower=0.1, line_breaks=("\n", "\r\n"))

# Leaves are (category, how to get the value); a comment leaf names its role instead.
_JSON_SPEC: dict[str, Any] = {
    "id": ("RECORD_ID", lambda p, lab, rng: "MDL-" + p.ipp),
    "dossier": {
        "numero": ("RECORD_ID", lambda p, lab, rng: p.dossier),
        "date": ("DATE", lambda p, lab, rng: p.last_visit.strftime("%Y-%m-%dT%H:%M:%S+01:00")),
        "finess": ("FINESS", lambda p, lab, rng: lab.finess),
        "labo": ("OTHER", lambda p, lab, rng: lab.code),
    },
    "patient": {
        "nom": ("PERSON_NAME", lambda p, lab, rng: p.surname),
        "nomNaissance": ("PERSON_NAME", lambda p, lab, rng: p.birth_name),
        "prenoms": ("PERSON_NAME", lambda p, lab, rng: " ".join(p.first_names)),
        "sexe": ("SEX", lambda p, lab, rng: "masculin" if p.sex == "1" else "féminin"),
        "naissance": ("BIRTH_DATE", lambda p, lab, rng: p.born.isoformat()),
        "adresse": {
            "ligne1": ("ADDRESS", lambda p, lab, rng: p.street),
            "ligne2": ("ADDRESS", lambda p, lab, rng: p.complement),
            "cp": ("POSTCODE", lambda p, lab, rng: p.postcode),
            "ville": ("CITY", lambda p, lab, rng: p.city),
        },
        "telephones": {
            "fixe": ("PHONE", lambda p, lab, rng: _phone(p.fixed, rng)),
            "mobile": ("PHONE", lambda p, lab, rng: _phone(p.mobile, rng)),
        },
        "email": ("EMAIL", lambda p, lab, rng: p.email),
    },
    "entities": {
        "nir": ("NIR", lambda p, lab, rng: p.nir),
        "nirOuvrantDroit": ("NIR", lambda p, lab, rng: identity.nir_form(p.nir_insured, "spaced")),
    },
    "commentaires": {
        "clinique": ("FREE_TEXT", "clinical"),
        "technique": ("FREE_TEXT", "lab"),
    },
    "prescripteur": {
        "nom": (
            "PERSON_NAME",
            lambda p, lab, rng: f"Dr {p.prescriber.first} {p.prescriber.surname}",
        ),
        "adresse": ("ADDRESS", lambda p, lab, rng: p.prescriber.address),
        "telephone": ("PHONE", lambda p, lab, rng: _phone(p.prescriber.phone, rng)),
        "email": ("EMAIL", lambda p, lab, rng: p.prescriber.email),
        "rpps": ("PRACTITIONER_ID", lambda p, lab, rng: p.prescriber.rpps),
    },
    "preleveur": {
        "nom": ("PERSON_NAME", lambda p, lab, rng: p.sampler.name),
        "adresse": ("ADDRESS", lambda p, lab, rng: p.sampler.address),
        "telephone": ("PHONE", lambda p, lab, rng: _phone(p.sampler.phone, rng)),
    },
    "complementaire": {
        "organisme": ("OTHER", lambda p, lab, rng: p.insurer.name),
        "numeroAdherent": ("INSURER_ID", lambda p, lab, rng: p.member_number),
        "adresse": ("ADDRESS", lambda p, lab, rng: p.insurer.address),
        "telephone": ("PHONE", lambda p, lab, rng: _phone(p.insurer.phone, rng)),
    },
    "portail": {
        "login": ("LOGIN", lambda p, lab, rng: rng.choice((p.login_mail, p.login_name))),
        "motDePasse": ("PASSWORD", lambda p, lab, rng: p.password),
    },
    "analyses": ("OTHER", lambda p, lab, rng: _analyses(rng)),
}


def _phone(number: str | None, rng: random.Random) -> str | None:
    styles = ("intl_compact", "spaced", "compact")
    return None if number is None else identity.phone_form(number, rng.choice(styles))


def _analyses(rng: random.Random) -> list[dict[str, str]]:
    return [
        {"code": exam.mnemonic, "nabm": exam.nabm, "valeur": f"{rng.uniform(0.1, 50):.2f}"}
        for exam in rng.sample(EXAMS, rng.randrange(1, 5))
    ]


def _flat(spec: dict[str, Any], prefix: str = "") -> dict[str, tuple[str, Any]]:
    """The spec's leaves under the dotted names the JSON-lines reader gives them."""
    leaves: dict[str, tuple[str, Any]] = {}
    for key, node in spec.items():
        if isinstance(node, dict):
            leaves.update(_flat(node, f"{prefix}{key}."))
        else:
            leaves[prefix + key] = node
    return leaves


def write_jsonl(
    out: Path, lab: Lab, people: list[Patient], rng: random.Random, fake: Faker, truth: Truth
) -> None:
    """One JSON object per patient, nested as a REST API would return it."""

    def build(spec: dict[str, Any], person: Patient, row: int, prefix: str) -> dict[str, Any]:
        record: dict[str, Any] = {}
        for key, node in spec.items():
            if isinstance(node, dict):
                record[key] = build(node, person, row, f"{prefix}{key}.")
            elif isinstance(node[1], str):
                comment = compose(rng, fake, node[1], _JSON_STYLE)
                truth.comment(JSONL_FILE, prefix + key, row, comment)
                record[key] = comment.text
            else:
                record[key] = node[1](person, lab, rng)
        return record

    analyses = 0
    with (out / JSONL_FILE).open("w", encoding="utf-8", newline="\n") as handle:
        for row, person in enumerate(people):
            record = build(_JSON_SPEC, person, row, "")
            analyses += len(record["analyses"])
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    leaves = {name: leaf for name, leaf in _flat(_JSON_SPEC).items() if name != "analyses"}
    truth.table(
        JSONL_FILE,
        vendor="medilis",
        file=JSONL_FILE,
        rows=len(people),
        columns={name: leaf[0] for name, leaf in leaves.items()},
        comments={name: leaf[1] for name, leaf in leaves.items() if isinstance(leaf[1], str)},
    )
    # A list of records is a table of its own, one row per analysis, tied to its document by
    # the document's line number: as a normalised JSON import lays it out.
    truth.table(
        f"{JSONL_FILE}#analyses",
        vendor="medilis",
        file=JSONL_FILE,
        table="analyses",
        rows=analyses,
        columns=dict.fromkeys(("document", "index", "code", "nabm", "valeur"), "OTHER"),
        comments={},
    )


_PATIENT_COLUMNS = {
    "id_pat": ("INTEGER PRIMARY KEY", "RECORD_ID"),
    "nir": ("TEXT", "NIR"),
    "nom": ("TEXT", "PERSON_NAME"),
    "nom_naiss": ("TEXT", "PERSON_NAME"),
    "prenom": ("TEXT", "PERSON_NAME"),
    "sexe": ("TEXT", "SEX"),
    "dt_naiss": ("TEXT", "BIRTH_DATE"),
    "adr_l1": ("TEXT", "ADDRESS"),
    "adr_l2": ("TEXT", "ADDRESS"),
    "cp": ("TEXT", "POSTCODE"),
    "ville": ("TEXT", "CITY"),
    "tel": ("TEXT", "PHONE"),
    "tel_port": ("TEXT", "PHONE"),
    "mail": ("TEXT", "EMAIL"),
    "login_sr": ("TEXT", "LOGIN"),
    "mdp_sr": ("TEXT", "PASSWORD"),
    "mdp_hash": ("TEXT", "PASSWORD_HASH"),
    "mutuelle": ("TEXT", "OTHER"),
    "num_tp": ("TEXT", "INSURER_ID"),
    "adr_mutuelle": ("TEXT", "ADDRESS"),
    "tel_mutuelle": ("TEXT", "PHONE"),
}
_REQUEST_COLUMNS = {
    "id_dem": ("INTEGER PRIMARY KEY", "RECORD_ID"),
    "id_pat": ("INTEGER", "RECORD_ID"),
    "dt_prelev": ("TEXT", "DATE"),
    "renseignements": ("TEXT", "FREE_TEXT"),
    "commentaire": ("TEXT", "FREE_TEXT"),
    "presc_nom": ("TEXT", "PERSON_NAME"),
    "presc_adr": ("TEXT", "ADDRESS"),
    "presc_tel": ("TEXT", "PHONE"),
    "presc_mail": ("TEXT", "EMAIL"),
    "presc_rpps": ("TEXT", "PRACTITIONER_ID"),
    "prel_nom": ("TEXT", "PERSON_NAME"),
    "prel_adr": ("TEXT", "ADDRESS"),
    "prel_tel": ("TEXT", "PHONE"),
    "finess_site": ("TEXT", "FINESS"),
    "code_labo": ("TEXT", "OTHER"),
    "code_acte": ("TEXT", "OTHER"),
    "resultat": ("REAL", "OTHER"),
    "montant": ("REAL", "OTHER"),
}
_AGGREGATES = {
    "stat_prescripteur": (
        "CREATE TABLE stat_prescripteur AS SELECT presc_rpps, presc_nom, count(*)"
        " FROM demande GROUP BY presc_rpps, presc_nom",
        {"presc_rpps": "PRACTITIONER_ID", "presc_nom": "PERSON_NAME", "count(*)": "OTHER"},
        False,
    ),
    "v_activite_jour": (
        "CREATE VIEW v_activite_jour AS SELECT date(dt_prelev) AS jour, count(*) AS nb"
        " FROM demande GROUP BY jour",
        {"jour": "DATE", "nb": "OTHER"},
        True,
    ),
}


def write_sqlite(
    out: Path, lab: Lab, people: list[Patient], rng: random.Random, fake: Faker, truth: Truth
) -> None:
    """A lab system's own database: patients, requests, and two activity aggregates."""
    path = out / SQLITE_FILE
    path.unlink(missing_ok=True)
    patients, requests = [], []
    for number, p in enumerate(people, start=1):
        patients.append(
            (
                number, p.nir, p.surname.upper(), p.birth_name.upper(), p.first,
                "M" if p.sex == "1" else "F", p.born.isoformat(), p.street, p.complement,
                p.postcode, p.city, _phone(p.fixed, rng), _phone(p.mobile, rng), p.email,
                p.login_name, p.password, p.password_md5, p.insurer.name, p.member_number,
                p.insurer.address, identity.phone_form(p.insurer.phone, "spaced"),
            )
        )  # fmt: skip
        for visit in range(1 if rng.random() < 0.7 else 2):
            row = len(requests)
            texts = []
            for column, role in (("renseignements", "clinical"), ("commentaire", "lab")):
                comment = compose(rng, fake, role, _SQL_STYLE)
                truth.comment(f"{SQLITE_FILE}#demande", column, row, comment)
                texts.append(comment.text)
            when = p.last_visit.replace(day=1) if visit else p.last_visit
            doctor = p.prescriber if visit == 0 else rng.choice(lab.prescribers)
            requests.append(
                (
                    row + 1, number, f"{when:%Y-%m-%d %H:%M:%S}", *texts,
                    f"{doctor.surname.upper()} {doctor.first}", doctor.address,
                    identity.phone_form(doctor.phone, "spaced"), doctor.email, doctor.rpps,
                    p.sampler.name, p.sampler.address, identity.phone_form(p.sampler.phone, "dots"),
                    lab.finess, lab.code, p.exam.nabm, round(rng.uniform(0.1, 300), 2), p.amount,
                )
            )  # fmt: skip
    with sqlite3.connect(path) as db:
        for name, columns, rows in (
            ("patient", _PATIENT_COLUMNS, patients),
            ("demande", _REQUEST_COLUMNS, requests),
        ):
            schema = ", ".join(f"{column} {kind}" for column, (kind, _) in columns.items())
            db.execute(f"CREATE TABLE {name} ({schema})")
            marks = ", ".join("?" * len(columns))
            db.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)
        for _, (statement, _, _) in _AGGREGATES.items():
            db.execute(statement)
    db.close()
    comment_roles = {"renseignements": "clinical", "commentaire": "lab"}
    for name, columns, rows in (
        ("patient", _PATIENT_COLUMNS, patients),
        ("demande", _REQUEST_COLUMNS, requests),
    ):
        truth.table(
            f"{SQLITE_FILE}#{name}",
            vendor="biogest",
            file=SQLITE_FILE,
            table=name,
            rows=len(rows),
            columns={column: category for column, (_, category) in columns.items()},
            comments=comment_roles if name == "demande" else {},
        )
    with sqlite3.connect(path) as db:
        counts = {
            name: db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in _AGGREGATES
        }
    db.close()
    for name, (_, columns, view) in _AGGREGATES.items():
        truth.table(
            f"{SQLITE_FILE}#{name}",
            vendor="biogest",
            file=SQLITE_FILE,
            table=name,
            rows=counts[name],
            columns=columns,
            comments={},
            view=view,
        )
