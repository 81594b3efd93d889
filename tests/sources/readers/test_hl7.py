"""The HL7 v2 reader: one table per segment type, SEG-F.C columns, escapes decoded."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sceau.sources.base import SourceError, open_source
from sceau.sources.readers.hl7 import Hl7Source, Separators, unescape

ORU = [
    r"MSH|^~\&|LAB|SITE|HIS|HOSP|20210301120000||ORU^R01|MSG0001|P|2.5",
    r"PID|1||123456^^^LAB^PI||LÉGER^HÉLÈNE^^^^^L||19800102|F|||12 RUE DE LA PAIX^^PARIS^^75002"
    r"||0612345678~0145678901",
    r"OBR|1|ORD1|FIL1|HIV^Sérologie VIH|||20210301",
    r"OBX|1|ST|HIV^VIH||Positif \T\ confirmé\.br\contrôle||||||F",
    "NTE|1||Patiente enceinte\\F\\ traitement \\X415256\\",
    r"NTE|2||RAS",
]
SECOND = [r"MSH|^~\&|LAB|SITE|||20210302||ORU^R01|MSG0002|P|2.5", r"PID|1||789^^^LAB"]


def rows(table):
    return [row for batch in table.batches() for row in batch.to_pylist()]


@pytest.mark.parametrize(
    "framing",
    [
        lambda messages: "\n".join("\r".join(m) for m in messages) + "\n",  # \r segments
        lambda messages: "".join("\r\n".join(m) + "\r\n" for m in messages),  # \r\n everywhere
        lambda messages: "".join("\x0b" + "\r".join(m) + "\r\x1c\r" for m in messages),  # MLLP
    ],
    ids=["newline-between-messages", "crlf", "mllp"],
)
def test_oru_r01(tmp_path, framing):
    path = tmp_path / "results.hl7"
    path.write_bytes(framing([ORU, SECOND]).encode("cp1252"))
    tables = {table.name.rsplit("#", 1)[1]: table for table in open_source(path).tables()}
    assert list(tables) == ["MSH", "PID", "OBR", "OBX", "NTE"]
    assert tables["NTE"].expected_rows == 2
    msh = rows(tables["MSH"])
    assert msh[0]["MSH-1.1"] == "|"
    assert msh[0]["MSH-2.1"] == "^~\\&"
    assert (msh[0]["MSH-9.1"], msh[0]["MSH-9.2"], msh[0]["MSH-10.1"]) == ("ORU", "R01", "MSG0001")
    pid = rows(tables["PID"])
    assert [row["message"] for row in pid] == ["0", "1"]
    assert list(pid[0])[:4] == ["message", "PID-1.1", "PID-2.1", "PID-3.1"]
    assert (pid[0]["PID-5.1"], pid[0]["PID-5.2"], pid[0]["PID-7.1"]) == (
        "LÉGER",
        "HÉLÈNE",
        "19800102",
    )
    assert pid[0]["PID-13.1"] == "0612345678"  # first repetition only
    assert pid[0]["PID-11.5"] == "75002"
    assert pid[1]["PID-5.1"] is None
    (obx,) = rows(tables["OBX"])
    assert obx["OBX-5.1"] == "Positif & confirmé\ncontrôle"
    nte = rows(tables["NTE"])
    assert nte[0]["NTE-3.1"] == "Patiente enceinte| traitement ARV"


def test_own_separators_and_sniffing(tmp_path):
    path = tmp_path / "export"
    path.write_text("MSH#*@!%#LAB\rPID#1##42*X@43*Y\r")
    source = open_source(path)
    assert isinstance(source, Hl7Source)
    pid = rows(next(t for t in source.tables() if t.name.endswith("#PID")))
    assert (pid[0]["PID-3.1"], pid[0]["PID-3.2"]) == ("42", "X")


def test_batches_bounded(tmp_path):
    path = tmp_path / "many.hl7"
    message = "MSH|^~\\&|LAB\rPID|1||{}\rOBX|1|ST|X||1\rOBX|2|ST|Y||2\n"
    path.write_text("".join(message.format(i) for i in range(40)))
    obx = next(t for t in Hl7Source(str(path), batch_rows=7).tables() if t.name.endswith("#OBX"))
    sizes = [batch.num_rows for batch in obx.batches()]
    assert max(sizes) <= 7
    assert sum(sizes) == 80


def test_no_msh_at_start(tmp_path, check_error):
    path = tmp_path / "cut.hl7"
    path.write_text("PID|1||SECRETID\rOBX|1\r")
    with pytest.raises(SourceError, match="does not start with an MSH") as caught:
        list(open_source(path).tables())
    check_error(caught.value, f"{path}:1", ["SECRETID"])


def test_bad_segment_id_names_message_and_line(tmp_path, check_error):
    path = tmp_path / "broken.hl7"
    path.write_text("MSH|^~\\&|LAB\rPID|1||1\rMSH|^~\\&|LAB\rNTE|1||Patient VIH\nSECRET suite|x\r")
    with pytest.raises(SourceError, match=r"segment id.*message 1") as caught:
        list(open_source(path).tables())
    check_error(caught.value, f"{path}:5", ["SECRET", "VIH"])


def test_not_hl7(tmp_path, check_error):
    path = tmp_path / "notes.hl7"
    path.write_text("Compte rendu SECRETNAME\n")
    with pytest.raises(SourceError, match="MSH") as caught:
        list(open_source(path).tables())
    check_error(caught.value, f"{path}:1", ["SECRETNAME"])


def test_empty_file(tmp_path, check_error):
    path = tmp_path / "empty.hl7"
    path.write_text("\n")
    with pytest.raises(SourceError, match="no HL7 message") as caught:
        list(open_source(path).tables())
    check_error(caught.value, str(path))


def _escape(text: str, s: Separators) -> str:
    table = {s.escape: "E", s.field: "F", s.component: "S", s.subcomponent: "T", s.repetition: "R"}
    return "".join(f"{s.escape}{table[c]}{s.escape}" if c in table else c for c in text)


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\r\n")))
def test_unescape_inverts_escaping(text):
    separators = Separators()
    assert unescape(_escape(text, separators), separators) == text


def test_hex_escape():
    assert unescape("\\X41C3A9\\ \\.br\\x\\H\\y\\N\\", Separators()) == "Aé \nxy"
    assert unescape("\\XE9\\", Separators()) == "é"  # not UTF-8: read as latin-1
