"""The validating reader: every bad-input case of DOJ spec §6 and the requirements R1-R18 of §5.

Each case asserts the reason code, the line number and that no row content leaks into messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from eligibility.doj import FileRejected, Source, describe, iter_records, read_upload
from eligibility.doj.columns import COLUMNS
from eligibility.model import RowIssue, Severity, Upload
from tests.eligibility.builders import csv_line, row

SECRET = "ZQXSECRET"  # appears in the names of rows; must never appear in a message


def good(n: int, *, sid_base: int = 80000000, **fields: str) -> list[list[str]]:
    """n plausible rows, one subject each, with valid dates and a Prop 64 conviction."""
    base = {
        "PRI_NAME": f"{SECRET},ANNA",
        "PRI_DOB": "19700101",
        "STP_EVENT_DATE": "20100101",
        "CNT_ORDER": "101002001000",
        "OFFENSE_DESCR": "11357(C) HS-POSSESS",
        "CONV_STAT_DESCR": "MISDEMEANOR",
    }
    base.update(fields)
    return [row(**{**base, "SUBJECT_ID": str(sid_base + i)}) for i in range(n)]


def header() -> str:
    return ",".join(COLUMNS)


def lines_of(rows: Sequence[Sequence[str]]) -> list[str]:
    return [csv_line(r) for r in rows]


def write(tmp_path: Path, content: str | bytes, name: str = "doj.csv") -> Source:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return Source(name, path)


def text(lines: Sequence[str], *, with_header: bool = True, newline: str = "\n") -> str:
    all_lines = ([header()] if with_header else []) + list(lines)
    return newline.join(all_lines) + newline


def read(*sources: Source) -> Upload:
    """Read an upload; every message of every test is checked for row contents (R16)."""
    upload = read_upload(list(sources), county="Los Angeles")
    assert_no_content(upload)
    return upload


def rejected(*sources: Source) -> FileRejected:
    with pytest.raises(FileRejected) as info:
        read(*sources)
    assert_no_content(info.value)
    return info.value


def issues(upload: Upload, code: str) -> list[RowIssue]:
    return [i for i in upload.issues if i.code == code]


def assert_no_content(upload: Upload | FileRejected) -> None:
    if isinstance(upload, FileRejected):
        assert SECRET not in upload.message
        assert SECRET not in str(upload)
        return
    for issue in upload.issues:
        assert SECRET not in issue.detail
        assert SECRET not in issue.field


# --- file rejections ---------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"   \n \r\n\t\n"])
def test_empty_file_is_rejected(tmp_path: Path, content: bytes) -> None:
    exc = rejected(write(tmp_path, content))
    assert exc.code == "EMPTY_FILE"
    assert exc.file == 1
    assert exc.file_name == "doj.csv"


def test_header_only_is_rejected(tmp_path: Path) -> None:
    exc = rejected(write(tmp_path, header() + "\n"))
    assert exc.code == "NO_DATA_ROWS"


def test_utf16_is_rejected(tmp_path: Path) -> None:
    content = "\ufeff" + text(lines_of(good(3)))
    exc = rejected(write(tmp_path, content.encode("utf-16-le")))
    assert exc.code == "UNSUPPORTED_ENCODING"
    exc = rejected(write(tmp_path, content.encode("utf-16-be"), "b.csv"))
    assert exc.code == "UNSUPPORTED_ENCODING"


def test_header_with_repeated_name_is_rejected_naming_the_position(tmp_path: Path) -> None:
    names = list(COLUMNS)
    names[16] = "PRI_SSN"  # PRI_SSN twice
    exc = rejected(write(tmp_path, ",".join(names) + "\n" + "\n".join(lines_of(good(30)))))
    assert exc.code == "HEADER_MISMATCH"
    assert "column 17" in exc.message
    assert "PRI_CDL" in exc.message
    assert_no_content(exc)


def test_reordered_header_is_rejected(tmp_path: Path) -> None:
    names = list(COLUMNS)
    names[12], names[14] = names[14], names[12]
    exc = rejected(write(tmp_path, ",".join(names) + "\n" + "\n".join(lines_of(good(30)))))
    assert exc.code == "HEADER_MISMATCH"
    assert "column 13" in exc.message


def test_header_with_missing_last_name_is_rejected(tmp_path: Path) -> None:
    exc = rejected(write(tmp_path, ",".join(COLUMNS[:-1]) + "\n" + "\n".join(lines_of(good(30)))))
    assert exc.code == "HEADER_MISMATCH"
    assert "END_OF_REC" in exc.message


def test_header_lacking_record_id_is_rejected(tmp_path: Path) -> None:
    exc = rejected(write(tmp_path, ",".join(COLUMNS[1:]) + "\n" + "\n".join(lines_of(good(30)))))
    assert exc.code == "HEADER_MISMATCH"
    assert "does not start with RECORD_ID" in exc.message


def test_most_rows_malformed_is_not_a_doj_file(tmp_path: Path) -> None:
    lines = ["a,b,c"] * 150
    exc = rejected(write(tmp_path, text(lines, with_header=False), "random.csv"))
    assert exc.code == "NOT_DOJ_FILE"
    assert exc.message == (
        "File 1 (random.csv) is not a DOJ research file: the first 100 data lines could not be "
        "read (first problem: line 1, wrong number of fields)."
    )


def test_few_rows_all_malformed_is_not_a_doj_file(tmp_path: Path) -> None:
    exc = rejected(write(tmp_path, text(["x,y"] * 3)))
    assert exc.code == "NOT_DOJ_FILE"
    assert "line 2" in exc.message


def test_more_than_five_percent_malformed_is_not_a_doj_file(tmp_path: Path) -> None:
    lines = lines_of(good(100)) + ["x,y"] * 6
    exc = rejected(write(tmp_path, text(lines)))
    assert exc.code == "NOT_DOJ_FILE"
    assert "6 of 106" in exc.message
    assert "line 102" in exc.message


def test_five_percent_malformed_is_still_published(tmp_path: Path) -> None:
    lines = lines_of(good(95)) + ["x,y"] * 5
    upload = read(write(tmp_path, text(lines)))
    assert upload.data_rows == 95
    assert upload.quarantined == 5


def test_spreadsheet_dates_are_rejected(tmp_path: Path) -> None:
    lines = lines_of(good(25, STP_EVENT_DATE="3/14/2010"))
    exc = rejected(write(tmp_path, text(lines)))
    assert exc.code == "DATES_UNREADABLE"
    assert "spreadsheet" in exc.message


def test_a_few_bad_dates_are_only_warnings(tmp_path: Path) -> None:
    lines = lines_of(good(25)) + lines_of(good(5, sid_base=1, STP_EVENT_DATE="20150231"))
    upload = read(write(tmp_path, text(lines)))
    assert [i.line for i in issues(upload, "INVALID_DATE")] == [27, 28, 29, 30, 31]


def test_rejected_second_file_rejects_the_upload_and_names_it(tmp_path: Path) -> None:
    a = write(tmp_path, text(lines_of(good(30))), "a.csv")
    b = write(tmp_path, b"", "b.csv")
    exc = rejected(a, b)
    assert exc.file == 2
    assert exc.file_name == "b.csv"
    assert exc.message.startswith("File 2 (b.csv)")


# --- accepted files ----------------------------------------------------------------------------


def test_no_header_is_accepted_and_lines_start_at_1(tmp_path: Path) -> None:
    rows = good(30)
    rows[4][COLUMNS.index("STP_EVENT_DATE")] = ""
    upload = read(write(tmp_path, text(lines_of(rows), with_header=False)))
    assert upload.data_rows == 30
    assert not upload.files[0].header
    assert [i.line for i in issues(upload, "MISSING_DATE")] == [5]


def test_bom_is_removed_and_header_detected(tmp_path: Path) -> None:
    content = b"\xef\xbb\xbf" + text(lines_of(good(30))).encode()
    upload = read(write(tmp_path, content))
    assert upload.files[0].header
    assert upload.data_rows == 30


def test_header_with_trailing_empty_name_is_a_warning(tmp_path: Path) -> None:
    content = header() + ",\n" + "\n".join(lines_of(good(30))) + "\n"
    upload = read(write(tmp_path, content))
    assert upload.data_rows == 30
    assert [i.line for i in issues(upload, "TRAILING_EMPTY_FIELD")] == [1]


def test_rows_with_trailing_empty_field_are_counted(tmp_path: Path) -> None:
    lines = [line + "," for line in lines_of(good(30))]
    upload = read(write(tmp_path, text(lines)))
    assert upload.data_rows == 30
    warning = issues(upload, "TRAILING_EMPTY_FIELD")
    assert [(w.line, w.severity) for w in warning] == [(2, Severity.WARNING)]
    assert upload.files[0].warnings_by_code["TRAILING_EMPTY_FIELD"] == 30
    assert upload.subjects[0].convictions[0].cnt_order == "101002001000"


def test_crlf_and_mixed_line_ends(tmp_path: Path) -> None:
    lines = lines_of(good(30))
    content = header() + "\r\n" + "\r\n".join(lines[:15]) + "\n" + "\n".join(lines[15:]) + "\r\n"
    upload = read(write(tmp_path, content))
    assert upload.data_rows == 30
    assert upload.quarantined == 0
    assert not issues(upload, "CONTROL_CHARACTER")
    assert upload.subjects[0].convictions[0].ref.line == 2


def test_blank_lines_are_skipped_but_counted_as_lines(tmp_path: Path) -> None:
    lines = lines_of(good(30))
    rows_with_blank = [*lines[:10], "", "   ", *lines[10:]]
    upload = read(write(tmp_path, text(rows_with_blank)))
    assert upload.data_rows == 30
    assert upload.quarantined == 0
    assert upload.subjects[10].first_ref is not None
    assert upload.subjects[10].first_ref.line == 14


def test_latin1_line_is_decoded_and_warned_once(tmp_path: Path) -> None:
    lines = lines_of(good(30))
    data = text(lines).encode()
    data = data.replace(f"{SECRET},ANNA".encode(), f"{SECRET},PE\xd1A".encode("latin-1"), 2)
    upload = read(write(tmp_path, data))
    warning = issues(upload, "LATIN1_FALLBACK")
    assert [(w.line, w.severity) for w in warning] == [(2, Severity.WARNING)]
    assert "2 lines" in warning[0].detail
    assert upload.subjects[0].name == f"{SECRET},PEÑA"
    assert upload.subjects[2].name == f"{SECRET},ANNA"
    assert_no_content(upload)


def test_quoted_commas_quotes_and_line_breaks(tmp_path: Path) -> None:
    rows = good(30)
    rows[3][COLUMNS.index("COMMENT_TEXT")] = 'SAID "HI", THEN\nLEFT'
    upload = read(write(tmp_path, text(lines_of(rows))))
    assert upload.data_rows == 30
    assert upload.physical_lines == 32
    refs = [s.first_ref.line for s in upload.subjects if s.first_ref]
    assert refs[3] == 5
    assert refs[4] == 7  # the record of line 5 spans lines 5-6
    records = [r for frame in iter_records([upload_source(tmp_path)]) for r in frame.rows()]
    assert records[3][2 + COLUMNS.index("COMMENT_TEXT")] == 'SAID "HI", THEN\nLEFT'


def upload_source(tmp_path: Path) -> Source:
    return Source("doj.csv", tmp_path / "doj.csv")


# --- quarantined records -----------------------------------------------------------------------


def padded(bad: str, position: int = 10, n: int = 40) -> list[str]:
    lines = lines_of(good(n))
    lines.insert(position, bad)
    return lines


@pytest.mark.parametrize(("count", "n"), [("94", 94), ("97", 97)])
def test_wrong_number_of_fields_is_quarantined(tmp_path: Path, count: str, n: int) -> None:
    values = row(SUBJECT_ID="1", PRI_NAME=SECRET)
    values = values[:94] if n == 94 else [*values, "X", "Y"]
    upload = read(write(tmp_path, text(padded(csv_line(values))), "la_part2.csv"))
    [issue] = issues(upload, "FIELD_COUNT")
    assert issue.line == 12
    assert issue.severity is Severity.ERROR
    assert issue.detail == f"wrong number of fields ({count}, expected 95)"
    assert upload.data_rows == 40
    assert upload.files[0].quarantined_by_code == {"FIELD_COUNT": 1}
    assert describe(issue, "la_part2.csv") == (
        f"File 1 (la_part2.csv), line 12: wrong number of fields ({count}, expected 95)."
    )
    assert_no_content(upload)


@pytest.mark.parametrize(
    "bad_value", [f'AB"{SECRET}', f'"{SECRET}"X', f'"{SECRET}', f'"{SECRET}\nA\nB\nC\nD\nE']
)
def test_bad_quote_is_quarantined_and_reading_resumes(tmp_path: Path, bad_value: str) -> None:
    values = row(SUBJECT_ID="1")
    line = ",".join([*values[:12], bad_value, *values[13:]])
    upload = read(write(tmp_path, text(padded(line, n=200))))
    bad = issues(upload, "BAD_QUOTE")
    assert bad[0].line == 12
    assert bad[0].severity is Severity.ERROR
    assert upload.data_rows == 200  # every good row after the bad one is read
    assert_no_content(upload)


def test_unclosed_quote_resumes_at_the_next_line(tmp_path: Path) -> None:
    lines = lines_of(good(40))
    # the stray quote would swallow the next 4 lines if reading did not resume
    lines[10] = lines[10].replace(f"{SECRET},ANNA", f'{SECRET}"ANNA')
    lines[10] = lines[10].replace(f'"{SECRET}"ANNA"', f'"{SECRET}"ANNA')
    upload = read(write(tmp_path, text(lines)))
    assert [i.line for i in issues(upload, "BAD_QUOTE")] == [12]
    assert upload.data_rows == 39


def test_nul_byte_is_quarantined_naming_the_field(tmp_path: Path) -> None:
    values = row(SUBJECT_ID="1", PRI_NAME=f"KO\x00{SECRET}")
    upload = read(write(tmp_path, text(padded(csv_line(values)))))
    [issue] = issues(upload, "NUL_BYTE")
    assert (issue.line, issue.field) == (12, "PRI_NAME")
    assert upload.data_rows == 40


def test_control_character_is_kept_and_warned(tmp_path: Path) -> None:
    values = good(1, sid_base=1, PRI_NAME=f"{SECRET}\x1a")[0]
    upload = read(write(tmp_path, text(padded(csv_line(values)))))
    [issue] = issues(upload, "CONTROL_CHARACTER")
    assert (issue.line, issue.field, issue.severity) == (12, "PRI_NAME", Severity.WARNING)
    assert upload.data_rows == 41
    assert_no_content(upload)


def test_field_too_long_is_quarantined(tmp_path: Path) -> None:
    values = row(SUBJECT_ID="1", COMMENT_TEXT="C" * 4097)
    upload = read(write(tmp_path, text(padded(csv_line(values)))))
    [issue] = issues(upload, "FIELD_TOO_LONG")
    assert (issue.line, issue.field) == (12, "COMMENT_TEXT")
    assert issue.detail == "field COMMENT_TEXT is longer than 4096 characters"


def test_field_of_4096_characters_is_accepted(tmp_path: Path) -> None:
    values = good(1, sid_base=1, COMMENT_TEXT="C" * 4096)[0]
    upload = read(write(tmp_path, text(padded(csv_line(values)))))
    assert upload.data_rows == 41


def test_line_too_long_is_quarantined(tmp_path: Path) -> None:
    values = row(SUBJECT_ID="1", COMMENT_TEXT="C" * (1 << 20))
    upload = read(write(tmp_path, text(padded(csv_line(values)))))
    [issue] = issues(upload, "LINE_TOO_LONG")
    assert issue.line == 12
    assert upload.data_rows == 40


def test_repeated_header_is_quarantined_but_not_malformed(tmp_path: Path) -> None:
    lines = [*lines_of(good(10)), header(), *lines_of(good(10, sid_base=1))]
    upload = read(write(tmp_path, text(lines)))
    [issue] = issues(upload, "REPEATED_HEADER")
    assert issue.line == 12
    assert upload.data_rows == 20  # 1 of 21 records would be > 5 % if it counted


def test_missing_subject_id_is_quarantined(tmp_path: Path) -> None:
    values = good(1, SUBJECT_ID="")[0]
    values[COLUMNS.index("SUBJECT_ID")] = "  "
    upload = read(write(tmp_path, text(padded(csv_line(values)))))
    [issue] = issues(upload, "MISSING_SUBJECT_ID")
    assert (issue.line, issue.field, issue.severity) == (12, "SUBJECT_ID", Severity.ERROR)
    assert upload.data_rows == 40


# --- arguments, report and iter_records ------------------------------------------------------


def test_county_argument_must_be_one_of_the_58(tmp_path: Path) -> None:
    source = write(tmp_path, text(lines_of(good(30))))
    with pytest.raises(ValueError, match="58 California counties"):
        read_upload([source], county="NARNIA")
    assert read_upload([source], county=" los  angeles ").county == "LOS ANGELES"


def test_progress_reports_bytes(tmp_path: Path) -> None:
    source = write(tmp_path, text(lines_of(good(30))))
    seen: list[tuple[int, int]] = []
    read_upload([source], county="LOS ANGELES", progress=lambda d, t: seen.append((d, t)))
    size = source.path.stat().st_size
    assert seen[-1] == (size, size)


def test_file_report(tmp_path: Path) -> None:
    lines = [*lines_of(good(40)), "x,y", ""]
    upload = read(write(tmp_path, text(lines)))
    [report] = upload.files
    assert (report.number, report.name, report.header) == (1, "doj.csv", True)
    assert report.physical_lines == 43
    assert (report.data_rows, report.quarantined) == (40, 1)
    assert report.quarantined_by_code == {"FIELD_COUNT": 1}
    assert len(report.sha256) == 64
    assert upload.physical_lines == 43


def test_iter_records_yields_accepted_rows_with_raw_values(tmp_path: Path) -> None:
    rows = good(30)
    rows[2][COLUMNS.index("PRI_NAME")] = "  spaced , name "
    lines = [*lines_of(rows[:5]), "x,y", *lines_of(rows[5:])]
    a = write(tmp_path, text(lines), "a.csv")
    b = write(tmp_path, text(lines_of(good(25, sid_base=1)), with_header=False), "b.csv")
    frames = list(iter_records([a, b], chunk_rows=10))
    assert all(f.columns == ["file", "line", *COLUMNS] for f in frames)
    assert max(f.height for f in frames) <= 10
    got = [(r[0], r[1]) for f in frames for r in f.rows()]
    assert got[:6] == [(1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (1, 8)]
    assert got[30] == (2, 1)
    assert len(got) == 55
    assert frames[0].row(2)[2 + COLUMNS.index("PRI_NAME")] == "  spaced , name "


def test_quoted_header_and_quoted_repeated_header(tmp_path: Path) -> None:
    quoted = ",".join(f'"{c}"' for c in COLUMNS)
    lines = [*lines_of(good(20)), quoted, *lines_of(good(20, sid_base=1))]
    upload = read(write(tmp_path, text([quoted, *lines], with_header=False)))
    assert upload.files[0].header
    assert [i.line for i in issues(upload, "REPEATED_HEADER")] == [22]
    assert upload.data_rows == 40
    assert all(s.subject_id != "SUBJECT_ID" for s in upload.subjects)
