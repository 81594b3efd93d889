"""The contract every target keeps, against the real PostgreSQL and MariaDB and in tmp_path:
create, load batches exactly once, report them, read them back byte for byte, and refuse a table
that is missing, shaped otherwise, or already holding rows sceau did not load."""

from __future__ import annotations

import pyarrow as pa
import pytest

from sceau.targets import TargetError, TargetTable, open_target, registered

from .conftest import COLUMNS, KINDS, NASTY, SQL_KINDS, batch, execute_on, quoted, rows_of

pytestmark = pytest.mark.parametrize("kind", KINDS)

ROWS = [
    ("1 80 01 75 123 456 78", "LÉGER", "Hélène", "female", "VIH; grossesse"),
    ("2 75 03 13 001 002 03", None, "", None, "RAS"),
    (None, None, None, None, None),
    ("", "", "", "", ""),
] + [(value, value, None, "", value) for value in NASTY]


def test_registered_under_its_kind(kind):
    assert kind in registered()


def test_create_load_and_read_back(kind, make_target):
    target = make_target(kind)
    target.prepare(create=True)
    assert target.loaded_batches("run-1") == {}
    target.write_batch("run-1", 0, batch(ROWS[:4]))
    target.write_batch("run-1", 1, batch(ROWS[4:]))
    target.write_batch("run-1", 2, batch([]))
    assert target.loaded_batches("run-1") == {0: 4, 1: len(ROWS) - 4, 2: 0}
    assert target.loaded_batches("run-2") == {}
    assert sorted(rows_of(target), key=repr) == sorted(ROWS, key=repr)


def test_a_batch_loaded_twice_is_there_once(kind, make_target):
    target = make_target(kind)
    target.prepare(create=True)
    target.write_batch("run-1", 0, batch(ROWS[:3]))
    target.write_batch("run-1", 0, batch(ROWS[:3]))
    target.write_batch("run-1.b", 0, batch(ROWS[3:5]))  # another run: another batch 0
    assert target.loaded_batches("run-1") == {0: 3}
    assert target.loaded_batches("run-1.b") == {0: 2}
    assert len(rows_of(target)) == 5
    with pytest.raises(TargetError, match="loaded with 3 rows, not 2") as caught:
        target.write_batch("run-1", 0, batch(ROWS[:2]))
    assert caught.value.hint
    assert len(rows_of(target)) == 5


def test_resuming_finds_its_rows_and_a_new_target_object_agrees(kind, make_target):
    target = make_target(kind)
    target.prepare(create=True)
    target.write_batch("run-1", 0, batch(ROWS[:2]))
    target.close()
    again = make_target(kind, name=target.table.name)
    again.prepare(create=False)  # rows present and recorded: a resumed run may go on
    assert again.loaded_batches("run-1") == {0: 2}
    again.write_batch("run-1", 1, batch(ROWS[2:3]))
    assert len(rows_of(again)) == 3


def test_missing_table_without_create_is_refused(kind, make_target):
    target = make_target(kind)
    with pytest.raises(TargetError) as caught:
        target.prepare(create=False)
    assert "does not exist" in caught.value.message
    assert caught.value.hint
    assert target.table.name in caught.value.where


def test_other_columns_are_refused(kind, make_target):
    first = make_target(kind)
    first.prepare(create=True)
    first.write_batch("run-1", 0, batch(ROWS[:1]))
    shapes = [COLUMNS[:-1], (*COLUMNS[:-1], "note[1].text")]
    if kind != "fhir":  # JSON elements have no order: FHIR resources read back by path
        shapes.append(COLUMNS[::-1])
    for columns in shapes:
        other = make_target(kind, columns=columns, name=first.table.name)
        with pytest.raises(TargetError, match="other columns") as caught:
            other.prepare(create=True)
        assert caught.value.hint


def test_rows_sceau_did_not_load_are_refused(kind, make_target, tmp_path):
    target = make_target(kind)
    target.prepare(create=True)
    _insert_behind_sceaus_back(target, tmp_path)
    with pytest.raises(TargetError) as caught:
        target.prepare(create=True)
    assert caught.value.hint
    assert "VIH" not in str(caught.value)


def test_a_batch_with_other_columns_or_a_bad_run_id_is_refused(kind, make_target):
    target = make_target(kind)
    target.prepare(create=True)
    wrong = batch([("a",) * len(COLUMNS)], columns=(*COLUMNS[:-1], "other"))
    with pytest.raises(TargetError, match="columns are not"):
        target.write_batch("run-1", 0, wrong)
    typed = pa.RecordBatch.from_arrays(
        [pa.array(["a"])] * (len(COLUMNS) - 1) + [pa.array([1])], names=list(COLUMNS)
    )
    with pytest.raises(TargetError, match="is not text"):
        target.write_batch("run-1", 0, typed)
    for run_id in ("", "../etc", "a/b", "run id", "é", "x" * 129):
        with pytest.raises(TargetError, match="run id"):
            target.write_batch(run_id, 0, batch(ROWS[:1]))
    for batch_no in (-1, 2**31, True):
        with pytest.raises(TargetError, match="batch number"):
            target.write_batch("run-1", batch_no, batch(ROWS[:1]))
    assert target.loaded_batches("run-1") == {}
    assert rows_of(target) == []


def test_large_string_batches_are_accepted(kind, make_target):
    target = make_target(kind)
    target.prepare(create=True)
    plain = batch(ROWS[:3])
    large = pa.RecordBatch.from_arrays(
        [column.cast(pa.large_string()) for column in plain.columns], names=list(COLUMNS)
    )
    target.write_batch("run-1", 0, large)
    assert sorted(rows_of(target), key=repr) == sorted(ROWS[:3], key=repr)


def test_sceaus_own_table_name_and_empty_columns_are_refused(kind, make_target):
    if kind == "fhir":
        pytest.skip("a FHIR table is named after its resource type")
    with pytest.raises(TargetError, match="sceau's own table"):
        make_target(kind, name="sceau_checkpoints").prepare(create=True)
    with pytest.raises(TargetError, match="no columns"):
        make_target(kind, columns=()).prepare(create=True)
    with pytest.raises(TargetError, match="would be the same column"):
        make_target(kind, columns=("gender", "gender")).prepare(create=True)


def _insert_behind_sceaus_back(target, tmp_path):
    """One row written into the target's table by another program."""
    name = target.table.name
    values = ["VIH"] * len(COLUMNS)
    if target.kind in SQL_KINDS:
        literals = ", ".join(f"'{value}'" for value in values)
        execute_on(target, f"INSERT INTO {quoted(target.kind, name)} VALUES ({literals})")
    else:  # a file of the table that sceau did not write
        other = open_target(
            str(tmp_path / "elsewhere" / target.location.rsplit("/", 1)[1]),
            TargetTable(name, COLUMNS),
        )
        other.prepare(create=True)
        other.write_batch("run-9", 0, batch([tuple(values)]))
        (produced,) = (tmp_path / "elsewhere").glob("*/*")
        produced.rename(f"{target.location}/{name}-copied{produced.suffix}")


def test_targets_open_by_url_and_folder(kind, tmp_path):
    location = {
        "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        "mariadb": "mariadb://root@127.0.0.1:3306/test",
        "sqlite": f"sqlite:///{tmp_path}/x.sqlite",
        "parquet": f"{tmp_path}/out.parquet/",
        "fhir": f"{tmp_path}/out.fhir",
    }[kind]
    assert open_target(location, TargetTable("Patient", COLUMNS)).kind == kind
