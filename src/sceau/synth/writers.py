"""Writers: a lab's synthetic export as CSV, Parquet, JSON lines, SQL, HL7 v2 or FHIR NDJSON.

Each writer returns the tables it wrote, as the readers will name them, with their truth;
files are written whole to a temporary name, then renamed, so nothing half-written remains.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from sceau.errors import SceauError
from sceau.files import create_private, write_atomic
from sceau.synth.labs import SynthTable, subject_of

Label = dict[str, object]  # what one column holds: category, subject, valid matches
Labels = dict[str, dict[str, dict[str, Label]]]  # table name -> {"columns": {name: label}}
Health = list[dict[str, object]]  # rows of health_labels.parquet


def _health_rows(table: str, synth: SynthTable, names: dict[str, str] | None = None) -> Health:
    rows = []
    for column, (health, embedded) in synth.comment_truth().items():
        name = (names or {}).get(column, column)
        for row, (h, e) in enumerate(zip(health, embedded, strict=True)):
            rows.append(
                {"table": table, "column": name, "row": row, "health_categories": h, "embedded": e}
            )
    return rows


def write_csv(synth: SynthTable, folder: Path) -> tuple[Labels, Health]:
    """The lab's own CSV dialect: separator, encoding, BOM, header or not."""
    lab = synth.lab
    path = folder / f"{lab.name}.csv"
    buffer = io.BytesIO()
    synth.frame.write_csv(buffer, separator=lab.delimiter, include_header=lab.header)
    text = buffer.getvalue().decode("utf-8")
    write_atomic(path, text.encode(lab.encoding))
    truth = synth.truth()
    names = {
        c.name: (c.name if lab.header else f"column_{i}") for i, c in enumerate(lab.columns, 1)
    }
    columns = {names[name]: label for name, label in truth.items()}
    return {path.name: {"columns": columns}}, _health_rows(path.name, synth, names)


def write_parquet(synth: SynthTable, folder: Path) -> tuple[Labels, Health]:
    path = folder / f"{synth.lab.name}.parquet"
    buffer = io.BytesIO()
    synth.frame.write_parquet(buffer)
    write_atomic(path, buffer.getvalue())
    return {path.name: {"columns": synth.truth()}}, _health_rows(path.name, synth)


def write_jsonl(synth: SynthTable, folder: Path) -> tuple[Labels, Health]:
    path = folder / f"{synth.lab.name}.jsonl"
    buffer = io.BytesIO()
    synth.frame.write_ndjson(buffer)
    write_atomic(path, buffer.getvalue())
    return {path.name: {"columns": synth.truth()}}, _health_rows(path.name, synth)


def write_sql(synth: SynthTable, url: str, table: str | None = None) -> tuple[Labels, Health]:
    """A table of TEXT columns in a SQLite file or a PostgreSQL/MariaDB database."""
    name = table or synth.lab.name.replace("-", "_")
    address = sa.make_url(url)
    if address.get_backend_name() == "sqlite" and address.database not in (None, "", ":memory:"):
        create_private(Path(address.database))  # SQLite itself would follow the umask
    engine = sa.create_engine(url)
    try:
        metadata = sa.MetaData()
        target = sa.Table(name, metadata, *(sa.Column(c, sa.Text) for c in synth.frame.columns))
        with engine.begin() as connection:
            metadata.drop_all(connection)
            metadata.create_all(connection)
            if engine.dialect.name == "postgresql":
                _copy_postgres(connection, name, synth.frame)
            else:
                connection.execute(target.insert(), synth.frame.to_dicts())
    except sa.exc.SQLAlchemyError as error:
        cause = error.orig if isinstance(error, sa.exc.DBAPIError) else error
        raise SceauError(
            f"cannot write the synthetic table ({type(cause or error).__name__})",
            hint="check that the database is reachable and the account may create tables",
            where=engine.url.render_as_string(hide_password=True),
        ) from None
    finally:
        engine.dispose()
    return {name: {"columns": synth.truth()}}, _health_rows(name, synth)


def _copy_postgres(connection: sa.Connection, table: str, frame: pl.DataFrame) -> None:
    raw = connection.connection.driver_connection
    if raw is None:  # the pool dropped it: reported like any other database failure
        raise sa.exc.DisconnectionError("the connection was closed before the copy")
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, null_value="\\N", quote_style="necessary")
    with raw.cursor().copy(
        f"COPY \"{table}\" ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    ) as copy:
        copy.write(buffer.getvalue())


def _hl7_escape(expr: pl.Expr) -> pl.Expr:
    return (
        expr.fill_null("")
        .str.replace_all("\\", "\\E\\", literal=True)
        .str.replace_all("|", "\\F\\", literal=True)
        .str.replace_all("^", "\\S\\", literal=True)
        .str.replace_all("~", "\\R\\", literal=True)
        .str.replace_all("&", "\\T\\", literal=True)
        .str.replace_all("\n", "\\.br\\", literal=True)
    )


def write_hl7(synth: SynthTable, folder: Path) -> tuple[Labels, Health]:
    """ORU^R01 messages, one per patient record: MSH, PID, PV1, OBR, OBX, NTE per comment.

    The file is UTF-8, and every message says so in MSH-18 ("UNICODE UTF-8"): an empty MSH-18
    means ASCII to a receiving system.
    """
    lab = synth.lab
    path = folder / f"{lab.name}.hl7"
    c = synth.canonical.frame.with_columns(n=pl.int_range(pl.len()).cast(pl.String))
    e = {name: _hl7_escape(pl.col(name)) for name in c.columns}
    doctor = e["doctor_name"].str.replace(r"^Dr ", "").str.split(" ")
    surname, doctor_first = doctor.list.get(0), doctor.list.get(1)
    value = (pl.col("n").cast(pl.Int64) % 90 + 60).cast(pl.String)
    messages = c.select(
        pl.concat_str(
            [
                pl.format(
                    "MSH|^~\\&|SCEAU_SYNTH|{}|||{}||ORU^R01^ORU_R01|MSG{}|P|2.5||||||UNICODE UTF-8",
                    e["lab_finess"],
                    pl.col("last_visit").str.replace_all("-", ""),
                    pl.col("n").str.zfill(7),
                ),
                pl.format(
                    "PID|1||{}||{}^{}||{}|{}|||{}^^{}^^{}^FRA||{}||||||{}",
                    e["record_id"],
                    e["surname"],
                    e["first_names"],
                    pl.col("birth_date").str.replace_all("-", ""),
                    pl.when(pl.col("sex") == "1").then(pl.lit("M")).otherwise(pl.lit("F")),
                    e["address"],
                    e["city"],
                    e["postcode"],
                    e["phone"],
                    e["nir"],
                ),
                pl.lit("PV1|1|O"),
                pl.format(
                    "OBR|1|{}||GLY^Glycemie^L|||{}|||||||||{}^{}^{}",
                    e["record_id"],
                    pl.col("last_visit").str.replace_all("-", ""),
                    e["doctor_rpps"],
                    surname,
                    doctor_first,
                ),
                pl.format("OBX|1|NM|GLY^Glycemie^L||0.{}|g/L|||||F", value),
                pl.when(pl.col("comment_1").fill_null("") != "")
                .then(pl.format("NTE|1||{}", e["comment_1"]))
                .otherwise(None),
            ],
            separator="\r",
            ignore_nulls=True,
        ).alias("message")
    )["message"]
    write_atomic(path, ("\n".join(messages.to_list()) + "\n").encode("utf-8"))
    return _hl7_labels(path.name, synth)


_HL7_TRUTH = {
    "PID": {
        "PID-3.1": ("RECORD_ID", "record_id"),
        "PID-5.1": ("PERSON_NAME", "surname"),
        "PID-5.2": ("PERSON_NAME", "first_names"),
        "PID-7.1": ("BIRTH_DATE", "birth_date"),
        "PID-8.1": ("SEX", "sex"),
        "PID-11.1": ("ADDRESS", "address"),
        "PID-11.3": ("CITY", "city"),
        "PID-11.5": ("POSTCODE", "postcode"),
        "PID-13.1": ("PHONE", "phone"),
        "PID-19.1": ("NIR", "nir"),
    },
    "OBR": {
        "OBR-2.1": ("RECORD_ID", "record_id"),
        "OBR-7.1": ("DATE", "last_visit"),
        "OBR-16.1": ("PRACTITIONER_ID", "doctor_rpps"),
        "OBR-16.2": ("PERSON_NAME", "doctor_name"),
        "OBR-16.3": ("PERSON_NAME", "doctor_name"),
    },
    "MSH": {
        "MSH-4.1": ("FINESS", "lab_finess"),
        "MSH-7.1": ("DATE", "last_visit"),
        "MSH-10.1": ("RECORD_ID", "record_id"),
    },
    "NTE": {"NTE-3.1": ("HEALTH_TEXT", "comment_1")},
}
_HL7_WIDTH = {  # fields and components each segment carries, as the reader will see them
    "MSH": [1, 1, 1, 1, 1, 1, 1, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1],  # MSH-18: the character set
    "PID": [1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 6, 1, 1, 1, 1, 1, 1, 1, 1],
    "PV1": [1, 1],
    "OBR": [1, 1, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3],
    "OBX": [1, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1],
    "NTE": [1, 1, 1],
}


def _hl7_labels(file: str, synth: SynthTable) -> tuple[Labels, Health]:
    labels: Labels = {}
    health: Health = []
    for segment, widths in _HL7_WIDTH.items():
        columns: dict[str, Label] = {"message": _label("OTHER", "")}
        for field, width in enumerate(widths, 1):
            for component in range(1, width + 1):
                name = f"{segment}-{field}.{component}"
                category, source = _HL7_TRUTH.get(segment, {}).get(name, ("OTHER", ""))
                columns[name] = _label(category, source, synth)
        labels[f"{file}#{segment}"] = {"columns": columns}
    rows = synth.canonical.comment_health["comment_1"]
    kept = [r for r, text in zip(rows, synth.canonical.frame["comment_1"], strict=True) if text]
    if not any(kept):
        labels[f"{file}#NTE"]["columns"]["NTE-3.1"]["category"] = "FREE_TEXT"
    for row, categories in enumerate(kept):
        health.append(
            {
                "table": f"{file}#NTE",
                "column": "NTE-3.1",
                "row": row,
                "health_categories": categories,
                "embedded": [],
            }
        )
    return labels, health


def _label(category: str, source: str, synth: SynthTable | None = None) -> Label:
    valid = None
    if category == "NIR" and synth is not None:
        valid = int(synth.canonical.nir_valid.sum())
    return {
        "category": category,
        "subject": subject_of(source) if source else "unknown",
        "valid_matches": valid,
    }


def write_fhir(synth: SynthTable, folder: Path) -> tuple[Labels, Health]:
    """FHIR R4 NDJSON: Patient, Practitioner and Observation, one file per resource type.

    Resource ids carry the lab's name (``lab-a-p0``), so that several labs loaded into one FHIR
    server keep every resource apart.
    """
    lab = synth.lab.name
    c = synth.canonical.frame
    records = c.to_dicts()
    patients: list[dict[str, object]] = []
    observations: list[dict[str, object]] = []
    practitioners: dict[str, dict[str, object]] = {}
    for i, r in enumerate(records):  # JSON documents are built per record; no way around it
        telecom = [{"system": "phone", "value": r["phone"]}]
        if r["email"]:
            telecom.append({"system": "email", "value": r["email"]})
        patients.append(
            {
                "resourceType": "Patient",
                "id": f"{lab}-p{i}",
                "identifier": [{"system": "urn:oid:1.2.250.1.213.1.4.8", "value": r["nir"]}],
                "name": [{"family": r["surname"], "given": r["first_names"].split(" ")[:1]}],
                "gender": "male" if r["sex"] == "1" else "female",
                "birthDate": r["birth_date"],
                "address": [
                    {"line": [r["address"]], "city": r["city"], "postalCode": r["postcode"]}
                ],
                "telecom": telecom,
            }
        )
        doctor = r["doctor_rpps"]
        if doctor not in practitioners:
            family, _, given = r["doctor_name"].removeprefix("Dr ").partition(" ")
            practitioners[doctor] = {
                "resourceType": "Practitioner",
                "id": f"{lab}-d{len(practitioners)}",
                "identifier": [{"system": "urn:oid:1.2.250.1.71.4.2.1", "value": doctor}],
                "name": [{"family": family, "given": [given]}],
                "telecom": [{"system": "phone", "value": r["doctor_phone"]}],
                "address": [{"line": [r["doctor_address"]]}],
            }
        observation: dict[str, object] = {
            "resourceType": "Observation",
            "id": f"{lab}-o{i}",
            "status": "final",
            "subject": {"reference": f"Patient/{lab}-p{i}"},
            "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7"}]},
            "effectiveDateTime": r["last_visit"],
            "valueQuantity": {"value": 0.6 + (i % 90) / 100, "unit": "g/L"},
        }
        if r["comment_1"]:
            observation["note"] = [{"text": r["comment_1"]}]
        observations.append(observation)
    resources = {
        "Patient": patients,
        "Practitioner": list(practitioners.values()),
        "Observation": observations,
    }
    labels: Labels = {}
    for kind, items in resources.items():
        path = folder / f"{lab}.{kind}.ndjson"
        lines = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
        write_atomic(path, lines.encode("utf-8"))
        labels[f"{path.name}#{kind}"] = {"columns": _fhir_columns(kind, synth)}
    table = f"{lab}.Observation.ndjson#Observation"
    rows = synth.canonical.comment_health["comment_1"]
    if not any(rows):
        labels[table]["columns"]["note[0].text"]["category"] = "FREE_TEXT"
    health: Health = [
        {
            "table": table,
            "column": "note[0].text",
            "row": row,
            "health_categories": categories,
            "embedded": [],
        }
        for row, categories in enumerate(rows)  # one Observation per record, noted or not
    ]
    return labels, health


_FHIR_TRUTH: dict[str, dict[str, tuple[str, str]]] = {
    "Patient": {
        "id": ("RECORD_ID", "record_id"),
        "identifier[0].value": ("NIR", "nir"),
        "name[0].family": ("PERSON_NAME", "surname"),
        "name[0].given[0]": ("PERSON_NAME", "first_names"),
        "gender": ("SEX", "sex"),
        "birthDate": ("BIRTH_DATE", "birth_date"),
        "address[0].line[0]": ("ADDRESS", "address"),
        "address[0].city": ("CITY", "city"),
        "address[0].postalCode": ("POSTCODE", "postcode"),
        "telecom[0].value": ("PHONE", "phone"),
        "telecom[1].value": ("EMAIL", "email"),
    },
    "Practitioner": {
        "id": ("RECORD_ID", "doctor_rpps"),
        "identifier[0].value": ("PRACTITIONER_ID", "doctor_rpps"),
        "name[0].family": ("PERSON_NAME", "doctor_name"),
        "name[0].given[0]": ("PERSON_NAME", "doctor_name"),
        "telecom[0].value": ("PHONE", "doctor_phone"),
        "address[0].line[0]": ("ADDRESS", "doctor_address"),
    },
    "Observation": {
        "id": ("RECORD_ID", "record_id"),
        "subject.reference": ("RECORD_ID", "record_id"),
        "effectiveDateTime": ("DATE", "last_visit"),
        "note[0].text": ("HEALTH_TEXT", "comment_1"),
    },
}
_FHIR_OTHER = {
    "Patient": ["resourceType", "identifier[0].system", "telecom[0].system", "telecom[1].system"],
    "Practitioner": ["resourceType", "identifier[0].system", "telecom[0].system"],
    "Observation": [
        "resourceType",
        "status",
        "code.coding[0].system",
        "code.coding[0].code",
        "valueQuantity.value",
        "valueQuantity.unit",
    ],
}


def _fhir_columns(kind: str, synth: SynthTable) -> dict[str, Label]:
    columns = {name: _label(cat, src, synth) for name, (cat, src) in _FHIR_TRUTH[kind].items()}
    columns.update({name: _label("OTHER", "") for name in _FHIR_OTHER[kind]})
    return columns


FILE_WRITERS: dict[str, Callable[[SynthTable, Path], tuple[Labels, Health]]] = {
    "csv": write_csv,
    "parquet": write_parquet,
    "jsonl": write_jsonl,
    "hl7": write_hl7,
    "fhir": write_fhir,
}
