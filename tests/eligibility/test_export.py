"""The output bundle (rules spec §9, §10) on a small synthetic upload."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from eligibility import csvsafe
from eligibility.api import RunResult, run
from eligibility.doj import iter_records
from eligibility.doj.columns import COLUMNS, CONDENSED, INDEX
from eligibility.export import (
    ELIGIBILITY_COLUMNS,
    ISSUE_COLUMNS,
    RESULTS_COLUMNS,
    _prefetched,
    prepare_bundle,
    write_bundle,
    write_prepared,
    years_since,
)
from tests.eligibility.builders import csv_text, row
from tests.eligibility.untidy import untidy_bytes

T = dt.date(2020, 7, 1)
FORMULA_NAME = '=HYPERLINK("http://x","y")'


def _rows() -> list[list[str]]:
    alder = {"SUBJECT_ID": "70000001", "PRI_NAME": "ALDER,JUNE", "PRI_DOB": "19940915"}
    duarte = {"SUBJECT_ID": "70000002", "PRI_NAME": FORMULA_NAME, "PRI_DOB": "19700606"}
    other = {"SUBJECT_ID": "70000003", "PRI_NAME": "MORROW,TESS", "PRI_DOB": "19750303"}
    felony = {"CONV_STAT_DESCR": "FELONY", "DISP_DESCR": "CONVICTED"}
    return [
        # line 2: 11359 felony with two sentence parts (line 3) and another charge in the comment
        row(**alder, **felony, OFFENSE_DESCR="11359 HS-POSSESS FOR SALE", STP_EVENT_DATE="20150914",
            CNT_ORDER="101002001000", OFN="BA123", SENT_LENGTH="16", SENT_TIME_CODE="M",
            COMMENT_TEXT="11360 HS-TRANSPORT"),
        row(**alder, **felony, OFFENSE_DESCR="11359 HS-POSSESS FOR SALE", STP_EVENT_DATE="20150914",
            CNT_ORDER="101002001000", OFN="BA123", SENT_LENGTH="6", SENT_TIME_CODE="M",
            SENT_ORDER="2", COMMENT_TEXT="11360 HS-TRANSPORT"),
        row(**alder, OFFENSE_DESCR="459 PC-BURGLARY", STP_EVENT_DATE="20120105",
            CNT_ORDER="102002001000", CONV_STAT_DESCR="MISDEMEANOR"),
        # line 5: an arrest row: no determination, but column 3 is computed for every row
        row(**alder, STP_TYPE_DESCR="ARREST/DETAINED/CITED", DISP_DESCR="",
            OFFENSE_DESCR="11357(C) HS-POSSESS", COMMENT_TEXT="11358 HS-CULTIVATE",
            STP_EVENT_DATE="20110101", CNT_ORDER="103001001000"),
        # line 6-7: formula-like name, 11358 felony and a later superstrike
        row(**duarte, **felony, OFFENSE_DESCR="11358 HS-CULTIVATE", STP_EVENT_DATE="20050404",
            CNT_ORDER="101002001000", OFN="NULL  "),
        row(**duarte, **felony, OFFENSE_DESCR="187(A) PC-MURDER", STP_EVENT_DATE="20120808",
            CNT_ORDER="102002001000"),
        # line 8: Prop 64 in another county: no determination; an impossible date (warning)
        row(**other, **felony, OFFENSE_DESCR="11360 HS", STP_EVENT_DATE="20150231",
            CNT_ORDER="101002001000", STP_ORI_CNTY_NAME="SAN DIEGO"),
    ]  # fmt: skip


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


@pytest.fixture
def bundle(tmp_path: Path) -> tuple[RunResult, Path]:
    source = tmp_path / "research.csv"
    source.write_text(csv_text(_rows()), encoding="utf-8")
    result = run([source], county="LOS ANGELES", compute_at=T, rule_set="statutory")
    outdir = tmp_path / "out"
    write_bundle(result, None, outdir)
    return result, outdir


def test_bundle_file_names(bundle: tuple[RunResult, Path]) -> None:
    _, outdir = bundle
    assert sorted(p.name for p in outdir.iterdir()) == [
        "All_Results.csv",
        "All_Results_Condensed.csv",
        "ClearRecord_Results.csv",
        "ClearRecord_Row_Issues.csv",
        "ClearRecord_Summary.json",
        "Prop64_Results.csv",
        "gogen.json",
    ]


def test_all_results_has_every_accepted_row_with_95_plus_18_columns(
    bundle: tuple[RunResult, Path],
) -> None:
    _, outdir = bundle
    rows = _read(outdir / "All_Results.csv")
    assert rows[0] == [*COLUMNS, *ELIGIBILITY_COLUMNS]
    assert len(rows) == 1 + 7
    assert {len(r) for r in rows} == {113}
    condensed = _read(outdir / "All_Results_Condensed.csv")
    assert condensed[0] == [*CONDENSED, *ELIGIBILITY_COLUMNS]
    assert [r[CONDENSED.index("OFFENSE_DESCR")] for r in condensed[1:]] == [
        r[INDEX["OFFENSE_DESCR"]] for r in rows[1:]
    ]
    assert [r[20:] for r in condensed[1:]] == [r[95:] for r in rows[1:]]


def test_eligibility_columns_of_a_determined_row(bundle: tuple[RunResult, Path]) -> None:
    result, outdir = bundle
    first = _read(outdir / "All_Results.csv")[1]
    d = result.determinations[0]
    assert dict(zip(ELIGIBILITY_COLUMNS, first[95:], strict=True)) == {
        "Case Number": "BA123",
        "# of convictions on record": "2",
        "Possible Other P64 Charges": "11360 HS-TRANSPORT",
        "Occurred after 11/9/2016": "N",
        "Superstrike Code Section(s)": "-",
        "PC290 Code Section(s)": "-",
        "PC290 Registration": "-",
        "Date of Conviction": "09/14/2015",
        "Years Since This Conviction": "4.8",
        "Years Since Any Conviction": "4.8",
        "# of Prop 64 convictions": "1",
        "# of HS 11357 convictions": "0",
        "# of HS 11358 convictions": "0",
        "# of HS 11359 convictions": "1",
        "# of HS 11360 convictions": "0",
        "Deceased": "-",
        "Eligibility Determination": d.compat_determination,
        "Eligibility Reason": d.compat_reason,
    }
    assert d.compat_determination == "Eligible for Reduction"


def test_rows_without_determination_only_have_column_3(bundle: tuple[RunResult, Path]) -> None:
    _, outdir = bundle
    rows = _read(outdir / "All_Results.csv")
    sentence_part, burglary, arrest = rows[2], rows[3], rows[4]
    assert sentence_part[95:] == ["", "", "11360 HS-TRANSPORT"] + [""] * 15
    assert burglary[95:] == [""] * 18
    assert arrest[95:] == ["", "", "11358 HS-CULTIVATE"] + [""] * 15
    assert rows[7][95:] == [""] * 18  # other county


def test_subject_columns_superstrike_and_placeholder_case_number(
    bundle: tuple[RunResult, Path],
) -> None:
    _, outdir = bundle
    cannabis = _read(outdir / "All_Results.csv")[5]
    values = dict(zip(ELIGIBILITY_COLUMNS, cannabis[95:], strict=True))
    assert values["Superstrike Code Section(s)"] == "187(A) PC"
    assert values["Case Number"] == "NULL  "
    assert values["Date of Conviction"] == "04/04/2005"
    assert values["Years Since Any Conviction"] == "7.9"


def test_prop64_results_hold_the_primary_rows_of_relevant_convictions(
    bundle: tuple[RunResult, Path],
) -> None:
    result, outdir = bundle
    rows = _read(outdir / "Prop64_Results.csv")
    assert rows[0] == [*COLUMNS, *ELIGIBILITY_COLUMNS]
    assert [r[INDEX["OFFENSE_DESCR"]] for r in rows[1:]] == [
        "11359 HS-POSSESS FOR SALE",
        "11358 HS-CULTIVATE",
    ]
    assert len(result.determinations) == 2


def test_formula_like_values_are_neutralised_on_export(bundle: tuple[RunResult, Path]) -> None:
    _, outdir = bundle
    rows = _read(outdir / "All_Results.csv")
    assert rows[5][INDEX["PRI_NAME"]] == "'" + FORMULA_NAME
    raw = (outdir / "All_Results.csv").read_text(encoding="utf-8")
    assert '"\'=HYPERLINK(""http://x"",""y"")"' in raw
    results = _read(outdir / "ClearRecord_Results.csv")
    assert results[2][RESULTS_COLUMNS.index("name")] == "'" + FORMULA_NAME.upper()


def test_clearrecord_results(bundle: tuple[RunResult, Path]) -> None:
    result, outdir = bundle
    rows = _read(outdir / "ClearRecord_Results.csv")
    assert rows[0] == list(RESULTS_COLUMNS)
    first = dict(zip(RESULTS_COLUMNS, rows[1], strict=True))
    d = result.determinations[0]
    assert first["file"] == "1"
    assert first["line"] == "2"
    assert first["SUBJECT_ID"] == "70000001"
    assert first["section"] == "11359"
    assert first["conviction_date"] == "2015-09-14"
    assert first["sentence_end_date"] == "2017-07-14"  # 16 M + 6 M
    assert first["attempt"] == "false"
    assert first["outcome"] == d.outcome.value
    assert first["evidence"] == "; ".join(str(e) for e in d.evidence)
    assert first["case_numbers"] == "BA123"
    second = dict(zip(RESULTS_COLUMNS, rows[2], strict=True))
    assert second["case_numbers"] == ""  # NULL placeholder dropped in the rich output


def test_row_issues_file(bundle: tuple[RunResult, Path]) -> None:
    _, outdir = bundle
    rows = _read(outdir / "ClearRecord_Row_Issues.csv")
    assert rows[0] == list(ISSUE_COLUMNS)
    assert ["1", "8", "STP_EVENT_DATE", "INVALID_DATE", "warning"] in rows[1:]


def test_gogen_json_is_compact_and_has_no_line_break(bundle: tuple[RunResult, Path]) -> None:
    _, outdir = bundle
    text = (outdir / "gogen.json").read_text(encoding="utf-8")
    assert not text.endswith("\n")
    assert ": " not in text
    data = json.loads(text)
    assert list(data)[:4] == [
        "county",
        "earliestConviction",
        "lineCount",
        "processingTimeInSeconds",
    ]
    assert data["lineCount"] == 7


def _run_split(tmp_path: Path, at: int) -> RunResult:
    """The engine run over the sample rows written as two files, split after row `at`."""
    rows = _rows()
    paths = []
    for number, part in enumerate((rows[:at], rows[at:]), 1):
        path = tmp_path / f"part{number}.csv"
        path.write_text(csv_text(part), encoding="utf-8")
        paths.append(path)
    return run(paths, county="LOS ANGELES", compute_at=T)


def test_several_files_get_numbered_outputs(tmp_path: Path) -> None:
    result = _run_split(tmp_path, 2)
    outdir = tmp_path / "out"
    write_bundle(result, None, outdir)
    names = {p.name for p in outdir.iterdir()}
    assert {"All_Results_1.csv", "All_Results_2.csv", "Prop64_Results_1.csv"} <= names
    assert "All_Results.csv" not in names
    assert len(_read(outdir / "All_Results_1.csv")) == 3
    assert len(_read(outdir / "All_Results_2.csv")) == 6
    assert len(_read(outdir / "Prop64_Results_2.csv")) == 2


def test_chunk_edges_do_not_change_the_row_files(tmp_path: Path) -> None:
    """Two-row chunks put determinations at every chunk edge: the same files as one chunk."""
    result = _run_split(tmp_path, 3)
    write_prepared(prepare_bundle(result), tmp_path / "small", chunk_rows=2)
    write_prepared(prepare_bundle(result), tmp_path / "whole")
    names = sorted(p.name for p in (tmp_path / "whole").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "small").iterdir())
    for name in names:
        assert (tmp_path / "small" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()
    prop64 = [r for n in (1, 2) for r in _read(tmp_path / "whole" / f"Prop64_Results_{n}.csv")[1:]]
    assert len(prop64) == len(result.determinations) == 2


@pytest.mark.parametrize(
    ("then", "expected"),
    [
        (dt.date(1981, 4, 11), "38.6"),
        (dt.date(2020, 7, 1), "0.0"),
        (dt.date(2021, 7, 1), "-1.0"),
        (None, ""),
    ],
)
def test_years_since(then: dt.date | None, expected: str) -> None:
    assert years_since(then, dt.date(2019, 11, 11) if expected == "38.6" else T) == expected


def test_prefetched_chunks_keep_order_and_reraise_reader_errors() -> None:
    def frames() -> Iterator[pl.DataFrame]:
        for i in range(3):
            yield pl.DataFrame({"i": [i]})
        raise ValueError("reader failed")

    got: list[int] = []

    def consume() -> None:
        got.extend(frame["i"][0] for frame in _prefetched(frames()))

    with pytest.raises(ValueError, match="reader failed"):
        consume()
    assert got == [0, 1, 2]


def test_prefetched_consumer_may_stop_early() -> None:
    def frames() -> Iterator[pl.DataFrame]:
        for i in range(100):
            yield pl.DataFrame({"i": [i]})

    stream = _prefetched(frames(), depth=1)
    assert next(stream)["i"][0] == 0
    stream.close()  # must not hang on the blocked producer


def test_bundle_without_any_relevant_conviction(tmp_path: Path) -> None:
    source = tmp_path / "research.csv"
    burglary = row(
        SUBJECT_ID="70000004",
        OFFENSE_DESCR="459 PC-BURGLARY",
        STP_EVENT_DATE="20100101",
        CNT_ORDER="101002001000",
        CONV_STAT_DESCR="FELONY",
    )
    source.write_text(csv_text([burglary]), encoding="utf-8")
    result = run([source], county="LOS ANGELES", compute_at=T)
    outdir = tmp_path / "out"
    write_bundle(result, None, outdir)
    assert result.determinations == ()
    assert len(_read(outdir / "All_Results.csv")) == 2
    assert _read(outdir / "Prop64_Results.csv") == [[*COLUMNS, *ELIGIBILITY_COLUMNS]]
    assert _read(outdir / "ClearRecord_Results.csv") == [list(RESULTS_COLUMNS)]


# --- canonical lines copied as they are, every other record encoded field by field ------------


def test_row_files_equal_the_field_by_field_encoding_of_every_row(tmp_path: Path) -> None:
    """Canonical lines are copied, the others (needless quotes, formulas, a trailing empty
    field, CRLF, Latin-1, multi-line, ...) encoded: the files are exactly the per-cell
    encoding of every accepted row's values, as if no line had been copied."""
    source = tmp_path / "untidy.csv"
    source.write_bytes(untidy_bytes())
    result = run([source], county="LOS ANGELES", compute_at=T)
    outdir = tmp_path / "out"
    write_bundle(result, None, outdir)
    values = [r for frame in iter_records(result.sources) for r in frame.select(COLUMNS).rows()]
    for name, columns in (
        ("All_Results.csv", COLUMNS),
        ("All_Results_Condensed.csv", CONDENSED),
    ):
        text = (outdir / name).read_text(encoding="utf-8")
        header, *records = list(csv.reader(io.StringIO(text, newline="")))
        assert len(records) == len(values)
        picks = [INDEX[c] for c in columns]
        expected = csvsafe.header_line(header) + "".join(
            ",".join([*(csvsafe.cell(v[i]) for i in picks), *map(csvsafe.quote, r[len(picks) :])])
            + "\n"
            for v, r in zip(values, records, strict=True)
        )
        assert text == expected, name
    full = (outdir / "All_Results.csv").read_text(encoding="utf-8")
    assert "\n0,ACTIVE,70000002,#,,,,,,,#,,MORROW," in full  # needless quotes dropped
    assert ",'=SUM(A1),#," in full
    assert '"\'=HYPERLINK(""x""),Y"' in full
    assert '\n0,ACTIVE,70000001,#,,,,,,,#,,"KANE,AL",' in full


def test_prop64_rows_are_the_determined_rows_of_all_results(tmp_path: Path) -> None:
    source = tmp_path / "untidy.csv"
    source.write_bytes(untidy_bytes())
    result = run([source], county="LOS ANGELES", compute_at=T)
    outdir = tmp_path / "out"
    write_bundle(result, None, outdir)
    every = _read(outdir / "All_Results.csv")
    prop64 = _read(outdir / "Prop64_Results.csv")
    determined = [r for r in every[1:] if r[95 + ELIGIBILITY_COLUMNS.index("Case Number")] != ""
                  or r[-1] != ""]  # fmt: skip
    assert prop64[1:] == determined
    assert len(prop64) - 1 == len(result.determinations) > 0


def test_the_bundle_takes_the_subject_facts_handed_on_by_run(tmp_path: Path) -> None:
    import dataclasses

    source = tmp_path / "research.csv"
    source.write_text(csv_text(_rows()), encoding="utf-8")
    plain = run([source], county="LOS ANGELES", compute_at=T)
    handed = run([source], county="LOS ANGELES", compute_at=T, facts=True)
    assert set(handed.facts) == {"70000001", "70000002"}
    a, b = prepare_bundle(plain), prepare_bundle(handed)
    assert a.table.equals(b.table)
    assert a.results.equals(b.results)
    # the handed-on facts are the ones written (not computed again)
    facts = dict(handed.facts)
    facts["70000002"] = dataclasses.replace(facts["70000002"], convictions=99)
    write_bundle(dataclasses.replace(handed, facts=facts), None, tmp_path / "out")
    rows = _read(tmp_path / "out" / "All_Results.csv")
    column = rows[0].index("# of convictions on record")
    by_subject = {r[INDEX["SUBJECT_ID"]]: r[column] for r in rows[1:] if r[column]}
    assert by_subject == {"70000001": "2", "70000002": "99"}
