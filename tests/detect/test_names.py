"""Names are data too: a name holding an identifier is known by its shape everywhere after."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.fr import nir as stdnum_nir
from tests.migrate.world import World, make_world

from sceau.detect.base import Category
from sceau.detect.names import public_location, public_name, public_names, shape
from sceau.detect.scan import scan
from sceau.mandate.draft import draft_mandate
from sceau.mandate.model import MandateError
from sceau.mandate.policy import DriftError
from sceau.migrate.pipeline import migrate

NIR = "185057800608491"
DATA_NAMES = {
    f"by_nir.{NIR}.nom": ("by_nir.999999999999999.nom", Category.NIR),
    "jean.dupont@example.fr": ("xxxx.xxxxxx@xxxxxxx.xx", Category.EMAIL),
    "DUPONT Jean": ("XXXXXX Xxxx", Category.PERSON_NAME),
    "tel 06 12 34 56 78": ("tel 99 99 99 99 99", Category.PHONE),
    "FR7630006000011234567890189": ("XX9999999999999999999999999", Category.IBAN),
}
ORDINARY = ["NOM_PAT", "DATE_NAISS", "Résultat [mmol/L]", "PID-5.1", "name[0].family", "ADR2"]


@pytest.mark.parametrize(("name", "expected"), DATA_NAMES.items())
def test_a_name_holding_an_identifier_is_shown_by_its_shape(name, expected):
    public, category = expected
    found = public_name(name)
    assert found.name == public
    assert category in found.held


@pytest.mark.parametrize("name", ORDINARY)
def test_an_ordinary_name_is_left_alone(name):
    assert public_name(name).name == name
    assert public_name(name).held == ()


def test_names_of_one_shape_stay_distinct():
    names = ["jean.dupont@example.fr", "paul.morel@exemple.fr", "xxxx.xxxxxx@xxxxxxx.xx"]
    publics = [p.name for p in public_names(names)]
    assert len(set(publics)) == 3
    assert publics[2] == "xxxx.xxxxxx@xxxxxxx.xx"
    assert not any("dupont" in p or "morel" in p for p in publics)


def test_a_location_keeps_its_dates_and_endings_but_not_a_patient():
    assert public_location("exports/2021-01-31_20210131120000.csv") == (
        "exports/2021-01-31_20210131120000.csv"
    )
    assert public_location("exports/DUPONT_Jean.csv.gz") == "exports/XXXXXX_Xxxx.csv.gz"
    assert public_location(f"exports/{NIR}.csv#t") == "exports/999999999999999.csv#t"


@st.composite
def nirs(draw: st.DrawFn) -> str:
    body = draw(st.from_regex(r"[12][0-9]{2}(0[1-9]|1[0-2])[0-9]{8}", fullmatch=True))
    return body + stdnum_nir.calc_check_digits(body)


@given(
    prefix=st.text(alphabet="ABCXYZ_.- ", max_size=8),
    nir=nirs(),
    suffix=st.text(alphabet="abcxyz_.- ", max_size=8),
)
def test_no_nir_survives_in_a_name_and_the_rename_is_stable(prefix, nir, suffix):
    name = prefix + nir + suffix
    once = public_name(name).name
    assert nir not in once
    assert public_name(once).name == once
    assert shape(once) == shape(name)


def test_a_scan_report_and_a_draft_never_hold_a_name_that_is_data(tmp_path: Path):
    path = tmp_path / "export.csv"
    header = ["NOM", *DATA_NAMES]
    rows = [["MARTIN", "a", "b", "c", "d", "e"], ["DURAND", "f", "g", "h", "i", "j"]]
    path.write_text("\n".join(";".join(row) for row in [header, *rows]) + "\n", encoding="utf-8")
    report = scan([path])
    text = json.dumps(report.to_dict())
    draft = draft_mandate(str(path), scan_report=report)
    for name in DATA_NAMES:
        assert name not in text
        assert name not in draft
    columns = report.tables[0].columns
    assert [c.name for c in columns[1:]] == [public for public, _ in DATA_NAMES.values()]
    assert [c.name_held for c in columns[1:]] == [(c,) for _, c in DATA_NAMES.values()]
    assert columns[1].evidence[0].source == "name"


def test_no_mandate_is_drafted_for_a_file_named_after_a_patient(tmp_path: Path):
    path = tmp_path / "DUPONT_Jean.csv"
    path.write_text("NOM;PRENOM\nA;B\n", encoding="utf-8")
    with pytest.raises(MandateError) as raised:
        draft_mandate(str(path))
    assert "rename" in raised.value.hint
    assert "DUPONT" not in str(raised.value)


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path / "home", patients=120)


def _with_column(world: World, name: str) -> None:
    """Rewrite the world's export with one more column, named ``name``."""
    frame = world.synth.frame.with_columns(pl.lit("x").alias(name))
    world.source = world.source.with_name("export.csv")
    frame.write_csv(world.source, separator=";")


def _trail(world: World) -> bytes:
    with contextlib.closing(sqlite3.connect(world.home / "state.db")) as connection:
        entries = connection.execute("SELECT entry FROM audit_entries").fetchall()
    return b"\n".join(bytes(entry) for (entry,) in entries)


def test_a_column_named_after_a_patient_migrates_by_its_public_name(world: World, tmp_path: Path):
    _with_column(world, "DUPONT Jean")
    columns = [*world.synth.frame.columns, "XXXXXX Xxxx"]
    target = tmp_path / "lis.db"
    mandate = world.signed_mandate(
        destination=f"sqlite:///{target}",
        columns=columns,
        rules={"NUM_DOSSIER": "keep", "XXXXXX Xxxx": "keep"},
        scope="",
    )
    migrate(world.session(), mandate)
    with contextlib.closing(sqlite3.connect(target)) as connection:
        names = [row[1] for row in connection.execute("PRAGMA table_info(patients)")]
    assert names == ["NUM_DOSSIER", "XXXXXX Xxxx"]
    assert b"DUPONT" not in _trail(world)


def test_a_drift_refusal_on_such_a_column_records_only_its_shape(world: World, tmp_path: Path):
    _with_column(world, "DUPONT Jean")  # the mandate below knows nothing of it
    mandate = world.signed_mandate(destination=f"sqlite:///{tmp_path / 'lis.db'}")
    with pytest.raises(DriftError) as raised:
        migrate(world.session(), mandate)
    assert raised.value.column == "XXXXXX Xxxx"
    trail = _trail(world)
    assert b"XXXXXX Xxxx" in trail
    assert b"DUPONT" not in trail
