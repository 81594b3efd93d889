"""The CSV reader: French lab dialects, every cell as text, streamed, and clear errors."""

from __future__ import annotations

import codecs
import csv
import io
import subprocess
import sys
import textwrap

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sceau.sources.base import SourceError, open_source
from sceau.sources.readers.csv import CsvSource


def read(path, **options) -> tuple[list[str], list[dict]]:
    (table,) = open_source(path, **options).tables()
    batches = list(table.batches())
    rows = [row for batch in batches for row in batch.to_pylist()]
    names = batches[0].schema.names if batches else []
    assert all(field.type == pa.string() for b in batches for field in b.schema)
    return names, rows


def test_semicolon_cp1252_uppercase_header(tmp_path):
    path = tmp_path / "export.csv"
    text = "NOM_PAT;PRENOM;DDN;N_SS;TEL\r\nLÉGER;Hélène;02/01/1980;2800175123456;0612345678\r\n"
    text += "DURAND;François;15/03/1975;1750375123456;0145678901\r\n"
    path.write_bytes(text.encode("cp1252"))
    source = open_source(path)
    assert isinstance(source, CsvSource)
    dialect = source.dialect()
    assert (dialect.encoding.codec, dialect.delimiter, dialect.header) == ("cp1252", ";", True)
    names, rows = read(path)
    assert names == ["NOM_PAT", "PRENOM", "DDN", "N_SS", "TEL"]
    assert rows[0] == {
        "NOM_PAT": "LÉGER",
        "PRENOM": "Hélène",
        "DDN": "02/01/1980",
        "N_SS": "2800175123456",
        "TEL": "0612345678",  # text: the leading zero stays
    }
    assert rows[1]["PRENOM"] == "François"


def test_comma_utf8_bom(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(codecs.BOM_UTF8 + "nom,prénom,tel\nMartin,Zoé,0612345678\n".encode())
    names, rows = read(path)
    assert names == ["nom", "prénom", "tel"]
    assert rows == [{"nom": "Martin", "prénom": "Zoé", "tel": "0612345678"}]


def test_no_header_numbers_columns(tmp_path):
    path = tmp_path / "export.txt"
    path.write_text("DUPONT;Jean;1980-01-02;0612345678\nMARTIN;Luc;1975-03-15;0698765432\n")
    names, rows = read(path)
    assert names == ["column_1", "column_2", "column_3", "column_4"]
    assert rows[0]["column_1"] == "DUPONT"
    assert len(rows) == 2


def test_quoted_multiline_comments(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        'ID;COMMENTAIRE;TEL\n1;"Suivi VIH; traitement ARV\nenceinte de 3 mois";0612345678\n'
        '2;"dit ""stable""";\n3;RAS;0145678901\n',
        encoding="utf-8",
    )
    _, rows = read(path)
    assert rows[0]["COMMENTAIRE"] == "Suivi VIH; traitement ARV\nenceinte de 3 mois"
    assert rows[1] == {"ID": "2", "COMMENTAIRE": 'dit "stable"', "TEL": None}
    assert rows[2]["TEL"] == "0145678901"


@pytest.mark.parametrize(
    ("delimiter", "suffix"), [("\t", ".tsv"), ("|", ".csv"), (",", ".txt"), (";", ".csv")]
)
def test_delimiters_detected(tmp_path, delimiter, suffix):
    path = tmp_path / f"export{suffix}"
    rows = [["NOM", "VILLE", "CP"], ["Petit", "Lyon, 3e", "69003"], ["Roux", "Paris", "75002"]]
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    assert open_source(path).dialect().delimiter == delimiter
    _, read_rows = read(path)
    assert read_rows[0] == {"NOM": "Petit", "VILLE": "Lyon, 3e", "CP": "69003"}


def test_utf16_with_bom(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes("NOM;PRENOM\nÉTIENNE;Zoë\nROUX;Ana\n".encode("utf-16"))
    names, rows = read(path)
    assert names == ["NOM", "PRENOM"]
    assert rows[0] == {"NOM": "ÉTIENNE", "PRENOM": "Zoë"}


def test_options_force_dialect_and_others_are_ignored(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes("a|b\nNOM|PRÉNOM\n".encode("latin-1"))
    names, rows = read(path, encoding="latin-1", delimiter="pipe", header=False, sheet="x")
    assert names == ["column_1", "column_2"]
    assert rows[1] == {"column_1": "NOM", "column_2": "PRÉNOM"}
    names, rows = read(path, delimiter="|", header=True)
    assert names == ["a", "b"]
    assert len(rows) == 1


def test_batches_are_bounded_and_streamed(tmp_path, monkeypatch):
    path = tmp_path / "export.csv"
    path.write_text("ID;TEL\n" + "".join(f"{i};06{i:08d}\n" for i in range(1000)))

    def forbidden(*args, **kwargs):
        raise AssertionError("read_csv loads the whole file")

    monkeypatch.setattr(pacsv, "read_csv", forbidden)
    (table,) = open_source(path, batch_rows=64).tables()
    sizes = [batch.num_rows for batch in table.batches()]
    assert max(sizes) <= 64
    assert sum(sizes) == 1000
    assert sum(b.num_rows for b in table.batches()) == 1000  # a fresh stream each call
    assert table.expected_rows is not None
    assert 500 < table.expected_rows < 2000


def test_memory_stays_bounded_by_the_batch(tmp_path):
    """A 48 MB file read in batches of 1,000 rows never holds more than a few blocks."""
    path = tmp_path / "big.csv"
    line = "2800175123456;DUPONT;Jean;12 rue de la Paix 75002 Paris;0612345678;RAS\n"
    with path.open("w") as handle:
        handle.write("NIR;NOM;PRENOM;ADRESSE;TEL;COMMENTAIRE\n")
        for _ in range(48):
            handle.write(line * (1_000_000 // len(line)))
    script = textwrap.dedent(
        f"""
        import pyarrow as pa
        from sceau.sources.base import open_source
        (table,) = open_source({str(path)!r}, batch_rows=1000).tables()
        rows = sum(batch.num_rows for batch in table.batches())
        print(rows, pa.default_memory_pool().max_memory())
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    rows, peak = map(int, out.stdout.split())
    assert rows > 600_000
    assert peak < 16 << 20, "the whole file was held in memory"


# --- errors: each names the file and line, says what to do, and quotes no cell ---------------


def test_empty_file(tmp_path, check_error):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(SourceError, match="empty") as caught:
        read(path)
    check_error(caught.value, str(path))


def test_header_only(tmp_path, check_error):
    path = tmp_path / "header.csv"
    path.write_text("NOM_PAT;DDN;N_SS\n")
    with pytest.raises(SourceError, match="no data rows") as caught:
        read(path)
    check_error(caught.value, f"{path}:1")


def test_ragged_row_names_its_line(tmp_path, check_error):
    path = tmp_path / "ragged.csv"
    body = "".join(f"P{i:04d};0612{i:06d};RAS\n" for i in range(40))
    path.write_text(
        'NOM;TEL;COMMENTAIRE\n"MULTI\nLIGNE";0600000000;x\n' + body + "SECRETNAME;0699999999\n"
    )
    with pytest.raises(SourceError, match="2 fields where 3") as caught:
        read(path)
    check_error(caught.value, f"{path}:44", ["SECRETNAME", "0699999999"])
    assert "--delimiter" in caught.value.hint


def test_nul_bytes_are_binary(tmp_path, check_error):
    path = tmp_path / "image.csv"
    path.write_bytes(b"NOM;TEL\nSECRET;06\n\x89PNG\x00\x00\x01")
    with pytest.raises(SourceError, match="binary") as caught:
        read(path)
    check_error(caught.value, f"{path}:3", ["SECRET"])


def test_undecodable_bytes_name_line_and_encoding_option(tmp_path, check_error):
    path = tmp_path / "mixed.csv"
    path.write_bytes("NOM;VILLE\nDURAND;Paris\nLÉGER;Orléans\n".encode("cp1252"))
    with pytest.raises(SourceError, match="not valid utf-8") as caught:
        read(path, encoding="utf-8")
    check_error(caught.value, f"{path}:3", ["LÉGER", "Orl"])
    assert "--encoding" in caught.value.hint


def test_undecodable_after_the_sniffed_head(tmp_path, check_error, monkeypatch):
    monkeypatch.setattr("sceau.sources.readers.csv.SNIFF_BYTES", 64)
    path = tmp_path / "late.csv"
    lines = "".join(f"PATIENT{i};Paris\n" for i in range(20))
    path.write_bytes(("NOM;VILLE\n" + lines).encode() + "SECRÉT;Orléans\n".encode("cp1252"))
    with pytest.raises(SourceError, match="not valid utf-8") as caught:
        read(path)
    check_error(caught.value, f"{path}:22", ["SECR", "Orl"])


def test_a_byte_cp1252_leaves_undefined_after_the_sniffed_head(tmp_path, check_error, monkeypatch):
    monkeypatch.setattr("sceau.sources.readers.csv.SNIFF_BYTES", 64)
    path = tmp_path / "late.csv"
    lines = "".join(f"PATIENT{i};Orléans\n" for i in range(20))
    body = ("NOM;VILLE\n" + lines).encode("cp1252") + b"SECR\x81T;Paris\n"
    path.write_bytes(body)
    with pytest.raises(SourceError, match="cp1252") as caught:
        read(path)
    check_error(caught.value, f"{path}:22", ["SECR", "Paris"])


def test_truncated_quote_at_end(tmp_path, check_error):
    path = tmp_path / "cut.csv"
    path.write_text('NOM;COMMENTAIRE\nDUPONT;RAS\nMARTIN;"Traitement\nSECRET en cours')
    with pytest.raises(SourceError, match="never closed") as caught:
        read(path)
    check_error(caught.value, f"{path}:3", ["SECRET", "Traitement"])


def test_bad_options(tmp_path, check_error):
    path = tmp_path / "a.csv"
    path.write_text("A;B\n1;2\n")
    with pytest.raises(SourceError, match="one character") as caught:
        CsvSource(str(path), delimiter=";;")
    check_error(caught.value, str(path))
    with pytest.raises(SourceError, match="unknown encoding") as caught:
        read(path, encoding="klingon")
    check_error(caught.value, str(path))


# --- round trip: whatever Python's csv module writes comes back identical ---------------------

_CP1252 = st.characters(codec="cp1252", exclude_characters="\x00\r")  # csv writes a lone \r bare
_NAMES = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ_", min_size=1, max_size=8)


@st.composite
def tables(draw):
    width = draw(st.integers(min_value=2, max_value=5))
    names = draw(st.lists(_NAMES, min_size=width, max_size=width, unique=True))
    cells = st.text(alphabet=_CP1252, max_size=12)
    rows = draw(st.lists(st.lists(cells, min_size=width, max_size=width), min_size=1, max_size=8))
    return names, rows


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    table=tables(),
    delimiter=st.sampled_from([";", ",", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
    terminator=st.sampled_from(["\r\n", "\n"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
)
def test_round_trip(tmp_path, table, delimiter, encoding, terminator, quoting):
    names, rows = table
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=terminator, quoting=quoting)
    writer.writerow(names)
    writer.writerows(rows)
    path = tmp_path / "round.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))
    forced = "cp1252" if encoding == "cp1252" else None
    got_names, got = read(path, delimiter=delimiter, header=True, encoding=forced, batch_rows=3)
    assert got_names == names
    assert got == [{n: (v or None) for n, v in zip(names, row, strict=True)} for row in rows]


# --- header cells: quoted line breaks are accepted, names are one clean line -----------------


def test_a_quoted_line_break_in_a_header_cell_is_accepted(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        '"NOM\nPATIENT";"Date de\r\nnaissance";"TEL\t(portable)"\n'
        "DUPONT;12/03/1985;0612345678\nMARTIN;01/02/1990;0712345678\n",
        encoding="utf-8",
    )
    names, rows = read(path)
    assert names == ["NOM PATIENT", "Date de naissance", "TEL (portable)"]
    assert rows == [
        {
            "NOM PATIENT": "DUPONT",
            "Date de naissance": "12/03/1985",
            "TEL (portable)": "0612345678",
        },
        {
            "NOM PATIENT": "MARTIN",
            "Date de naissance": "01/02/1990",
            "TEL (portable)": "0712345678",
        },
    ]


def test_header_names_never_carry_control_characters(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(
        b'"\x1b[31mNOM\x1b[0m";"A  \x07 B";" ";"\xc2\xa0TEL\xe2\x80\xa8"\nX;Y;Z;0612\nU;V;W;0712\n'
    )
    names, _ = read(path, header=True)
    assert names == ["[31mNOM [0m", "A B", "column_3", "TEL"]
    assert all(name.isprintable() for name in names)


# --- truncated files: refused with the line where the cut row starts -------------------------


@pytest.mark.parametrize(
    ("tail", "why"),
    [
        ('MARTIN;0712345678;"Suivi SECRET', "never closed"),  # open quote, last column
        ('MARTIN;"07123', "never closed"),  # open quote, a middle column: the row is short too
        ('MARTIN;"07123\n', "never closed"),  # the cut left a line break inside the quote
        ("MARTIN;07123", "cut short"),  # short last row, no line break after it
    ],
)
def test_a_truncated_file_is_refused_with_the_line_of_the_cut_row(tmp_path, check_error, tail, why):
    path = tmp_path / "cut.csv"
    head = 'NOM;TEL;COMMENTAIRE\n"DU\nPONT";0612345678;"RAS"\n'
    path.write_text(head + tail, encoding="utf-8")
    with pytest.raises(SourceError, match=f"looks truncated: .*{why}") as caught:
        read(path)
    check_error(caught.value, f"{path}:4", ["MARTIN", "SECRET", "07123"])
    assert "get the file again" in caught.value.hint


def test_a_character_cut_in_two_at_the_end_is_a_truncation(tmp_path, check_error):
    path = tmp_path / "cut.csv"
    path.write_bytes("NOM;VILLE\nDUPONT;Paris\nLÉGER;Orl".encode() + "é".encode()[:1])
    with pytest.raises(SourceError, match="looks truncated") as caught:
        read(path)
    check_error(caught.value, f"{path}:3", ["LÉGER", "Orl"])


def test_a_short_row_followed_by_a_line_break_is_a_ragged_row_not_a_cut(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("NOM;TEL;VILLE\nDUPONT;0612345678;Paris\nMARTIN;0712345678\n")
    with pytest.raises(SourceError, match="2 fields where 3") as caught:
        read(path)
    assert "truncated" not in caught.value.message


def test_a_truncated_header_only_file_is_a_truncation(tmp_path, check_error):
    path = tmp_path / "cut.csv"
    path.write_text('NOM;TEL;"COMMENT')
    with pytest.raises(SourceError, match="looks truncated") as caught:
        read(path, header=True)
    check_error(caught.value, f"{path}:1")


def _quoted_cuts(text: str, delimiter: str, encoding: str) -> list[tuple[int, int]]:
    """(byte offset, line where its record starts) of every cut strictly inside a quoted field,
    found by walking RFC 4180's states character by character."""
    cuts: list[tuple[int, int]] = []
    offset, line, record_line = 0, 1, 1
    state = "start"  # of a field; "plain", "quoted", or "quote-seen" (closing or doubled)
    for ch in text:
        size = len(ch.encode(encoding))
        if state == "quoted":  # a cut at any byte of this character leaves the quote open
            cuts.extend((offset + k, record_line) for k in range(size))
            state = "quote-seen" if ch == '"' else "quoted"
        elif ch == '"' and state in ("start", "quote-seen"):
            state = "quoted"
        elif ch == delimiter or ch in "\r\n":
            state = "start"
        else:
            state = "plain"
        if ch == "\n":
            line += 1
            if state == "start":
                record_line = line
        offset += size
    return cuts


_QUOTABLE = st.text(alphabet=st.sampled_from(list('ab "é;,\t|\n')), min_size=1, max_size=10)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    table=tables(),
    quoted=st.lists(_QUOTABLE, min_size=1, max_size=6),
    delimiter=st.sampled_from([";", ",", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "cp1252"]),
    terminator=st.sampled_from(["\r\n", "\n"]),
    choice=st.integers(min_value=0),
)
def test_any_csv_cut_inside_a_quoted_field_is_refused_with_its_line(
    tmp_path, table, quoted, delimiter, encoding, terminator, choice
):
    names, rows = table
    rows = [row[:] for row in rows]
    for index, cell in enumerate(quoted):  # cells that must be quoted, anywhere in the table
        rows[index % len(rows)][index % len(names)] = cell
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=terminator)
    writer.writerow(names)
    writer.writerows(rows)
    text = buffer.getvalue()
    data = text.encode(encoding)
    cuts = _quoted_cuts(text, delimiter, encoding)
    if not cuts:
        return
    cut, line = cuts[choice % len(cuts)]
    path = tmp_path / "cut.csv"
    path.write_bytes(data[:cut])
    forced = "cp1252" if encoding == "cp1252" else None
    with pytest.raises(SourceError, match="looks truncated") as caught:
        read(path, delimiter=delimiter, header=True, encoding=forced, batch_rows=2)
    assert caught.value.where == f"{path}:{line}"
