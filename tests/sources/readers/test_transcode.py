"""sceau's own single-byte to UTF-8 transcoding gives exactly what Python's codecs give."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sceau.sources.readers._stream import TailStream
from sceau.sources.readers._transcode import single_byte, to_utf8

CODECS = ("cp1252", "latin-1", "iso8859-15", "cp850")


@pytest.mark.parametrize("codec", CODECS)
@given(data=st.binary(max_size=400))
def test_same_bytes_as_pythons_codec(codec, data):
    try:
        expected = data.decode(codec).encode("utf-8")
    except UnicodeDecodeError:
        with pytest.raises(UnicodeDecodeError):
            to_utf8(data, codec)
        return
    assert to_utf8(data, codec) == expected


def test_an_undefined_byte_is_an_error_with_its_offset():
    with pytest.raises(UnicodeDecodeError, match="offset 1003"):
        to_utf8(b"abc\x81", "cp1252", offset=1000)


@given(data=st.binary(max_size=3000), size=st.integers(1, 700))
def test_the_stream_reads_in_any_buffer_size(data, size):
    data = data.replace(b"\x81", b"a").replace(b"\x8d", b"a").replace(b"\x8f", b"a")
    data = data.replace(b"\x90", b"a").replace(b"\x9d", b"a")  # cp1252's undefined bytes
    stream = TailStream(io.BytesIO(data), "cp1252")
    read = b""
    while chunk := stream.read(size):
        assert len(chunk) <= size
        read += chunk
    assert read == data.decode("cp1252").encode("utf-8")
    assert stream.end == data[-64 << 10 :]  # the file's own last bytes, for the truncation check


@given(data=st.binary(max_size=3000), size=st.integers(1, 700))
def test_reading_the_rest_after_a_split_read_gives_all_of_it(data, size):
    data = bytes(b if b not in b"\x81\x8d\x8f\x90\x9d" else 0x61 for b in data)
    stream = TailStream(io.BytesIO(data), "cp1252")
    assert stream.read(size) + stream.read() == data.decode("cp1252").encode("utf-8")


@pytest.mark.parametrize(
    ("codec", "single"),
    [
        ("cp1252", True),
        ("latin-1", True),
        ("utf-8", False),
        ("utf-16", False),
        ("shift_jis", False),
        ("gb18030", False),
        ("nonsense", False),
    ],
)
def test_only_single_byte_codecs_are_transcoded(codec, single):
    assert single_byte(codec) is single
