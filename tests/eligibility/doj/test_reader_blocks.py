"""Reading in blocks (R18) must not change any decision: block-size invariance.

The file mixes everything that can straddle a block boundary: quoted line breaks, over-long
lines, bad quotes, blank lines, Latin-1 lines, control characters, repeated headers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from eligibility.doj import Source, iter_records, read_upload
from eligibility.doj import scan as scan_module
from eligibility.doj.columns import COLUMNS
from tests.eligibility.builders import csv_line, row


def mixed_file(path: Path) -> None:
    lines: list[bytes] = [",".join(COLUMNS).encode()]
    for i in range(400):
        values = row(
            SUBJECT_ID=str(1000 + i // 3),
            PRI_NAME="DOE,JO",
            PRI_DOB="19700101",
            STP_EVENT_DATE="20100101",
            CNT_ORDER=f"1010020{i % 3:02d}000",
            OFFENSE_DESCR="11357 HS",
            SENT_LENGTH=str(i % 7),
            SENT_TIME_CODE="D",
            SENT_ORDER=str(i),
        )
        if i % 50 == 7:
            values[COLUMNS.index("COMMENT_TEXT")] = 'TWO\nLINES, "QUOTED"\r\nTHREE'
        if i % 97 == 11:
            values[COLUMNS.index("COMMENT_TEXT")] = "X" * 5000
        line = csv_line(values).encode()
        if i % 61 == 5:
            line = line.replace(b"DOE,JO", b"DO\xd1,JO")
        if i % 89 == 3:
            line = line.replace(b"DOE,JO", b'DOE,"JO')
        if i % 71 == 9:
            line = line.replace(b"DOE,JO", b"DOE\x1a,JO")
        lines.append(line)
        if i % 83 == 0:
            lines.append(b"   ")
        if i == 200:
            lines.append(",".join(COLUMNS).encode())
    lines.append(b"Y" * 5000)  # a long garbage line
    lines.append(csv_line(row(SUBJECT_ID="9", STP_EVENT_DATE="20100101")).encode())
    path.write_bytes(b"\r\n".join(lines[:100]) + b"\n" + b"\n".join(lines[100:]) + b"\n")


@pytest.mark.parametrize("block", [1024, 4096, 10_000, 65_536])
def test_block_size_does_not_change_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    path = tmp_path / "mixed.csv"
    mixed_file(path)
    sources = [Source("mixed.csv", path)]
    reference = read_upload(sources, county="LOS ANGELES")
    reference_rows = [r for f in iter_records(sources) for r in f.rows()]
    monkeypatch.setattr(scan_module, "BLOCK_BYTES", block)
    monkeypatch.setattr(scan_module, "RECORDS_BLOCK_BYTES", block)
    small = read_upload(sources, county="LOS ANGELES")
    assert small.issues == reference.issues
    assert small.subjects == reference.subjects
    assert small.files == reference.files
    assert [r for f in iter_records(sources) for r in f.rows()] == reference_rows
    # a caller's own block size (the ingest's raw spool reads smaller blocks) likewise
    monkeypatch.undo()
    assert [r for f in iter_records(sources, block_bytes=block) for r in f.rows()] == reference_rows
    codes = {i.code for i in reference.issues}
    assert {"BAD_QUOTE", "FIELD_TOO_LONG", "LATIN1_FALLBACK", "CONTROL_CHARACTER"} <= codes
    assert {"REPEATED_HEADER", "FIELD_COUNT"} <= codes
    assert reference.data_rows == len(reference_rows)


def test_line_longer_than_a_block_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = [
        csv_line(row(SUBJECT_ID=str(i), STP_EVENT_DATE="20100101", PRI_DOB="19700101"))
        for i in range(40)
    ]
    long_line = "Z" * (3 << 20)
    path = tmp_path / "long.csv"
    path.write_text("\n".join([*good[:20], long_line, *good[20:]]) + "\n")
    monkeypatch.setattr(scan_module, "BLOCK_BYTES", 1 << 16)
    upload = read_upload([Source("long.csv", path)], county="LOS ANGELES")
    assert [(i.line, i.code) for i in upload.issues if i.severity == "error"] == [
        (21, "LINE_TOO_LONG")
    ]
    assert upload.data_rows == 40
    assert upload.physical_lines == 41


def test_over_long_first_line_is_quarantined_not_a_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = [
        csv_line(row(SUBJECT_ID=str(i), STP_EVENT_DATE="20100101", PRI_DOB="19700101"))
        for i in range(40)
    ]
    path = tmp_path / "long_first.csv"
    path.write_text("\n".join(["Z" * (2 << 20), *good]) + "\n")
    monkeypatch.setattr(scan_module, "BLOCK_BYTES", 1 << 16)
    upload = read_upload([Source("long_first.csv", path)], county="LOS ANGELES")
    assert [(i.line, i.code) for i in upload.issues if i.severity == "error"] == [
        (1, "LINE_TOO_LONG")
    ]
    assert upload.data_rows == 40
    assert not upload.files[0].header


@pytest.mark.parametrize(
    "blk",
    [
        b"a,b\nc,d\n",
        b"a,b\nc,d",
        b"a\n\n\n",
        b"\n\nx\n\n",
        b"\n",
        b"a\r\nb\n",
        b"a\rb\n",
        b"caf\xe9\nx\n",
        b"\xef\xbb\xbfa\nb\n",
        b"a\x1f\nb\n",
    ],
)
def test_line_count_from_polars_equals_counting_breaks(blk: bytes) -> None:
    """The scan takes its line count from polars' lines only when they match the bytes."""
    try:
        lines, lossy = scan_module._line_frame(blk, False), False
    except Exception:  # noqa: BLE001 -- invalid UTF-8, as _process_block does
        lines, lossy = scan_module._line_frame(blk, True), True
    assert scan_module._line_count(blk, lines, lossy) == scan_module._count_lines(blk)


def test_empty_lines_at_block_ends_keep_line_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = []
    for i in range(60):
        lines.append(
            csv_line(row(SUBJECT_ID=str(100 + i), STP_EVENT_DATE="20100101", PRI_DOB="19700101"))
        )
        lines += [""] * (i % 4)
    path = tmp_path / "empty.csv"
    path.write_text("\n".join(lines) + "\n\n\n", encoding="utf-8")
    sources = [Source("empty.csv", path)]
    reference = read_upload(sources, county="LOS ANGELES")
    expected = [n for n, text in enumerate(lines, 1) if text]
    got = [int(x) for f in iter_records(sources) for x in f.get_column("line")]
    assert got == expected
    for block in (700, 1500, 4096):
        monkeypatch.setattr(scan_module, "BLOCK_BYTES", block)
        monkeypatch.setattr(scan_module, "RECORDS_BLOCK_BYTES", block)
        small = read_upload(sources, county="LOS ANGELES")
        assert small.subjects == reference.subjects
        assert small.physical_lines == reference.physical_lines == len(lines) + 2
        assert [int(x) for f in iter_records(sources) for x in f.get_column("line")] == expected
