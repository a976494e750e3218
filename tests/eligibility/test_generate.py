"""The synthetic research-file generator (eligibility.generate): shape, keys, determinism."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pytest

from eligibility.doj import Source, read_upload
from eligibility.doj.columns import COLUMNS, INDEX
from eligibility.generate import generate, generate_file


def _text(**kwargs: object) -> tuple[str, object]:
    out = io.StringIO()
    args: dict[str, object] = {"county": "SACRAMENTO", "rows": 3000, "seed": 7}
    args.update(kwargs)
    report = generate(out, **args)  # type: ignore[arg-type]
    return out.getvalue(), report


def test_same_seed_gives_the_same_bytes() -> None:
    assert _text(malformed_share=0.05)[0] == _text(malformed_share=0.05)[0]


def test_another_seed_gives_another_file() -> None:
    assert _text(seed=1)[0] != _text(seed=2)[0]


def test_header_and_exact_row_count() -> None:
    text, report = _text(rows=1234)
    lines = text.splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert len(lines) == 1 + 1234
    assert report.rows == 1234  # type: ignore[attr-defined]


def test_no_header_option() -> None:
    text, _ = _text(rows=10, header=False)
    assert not text.startswith("RECORD_ID")
    assert len(text.splitlines()) == 10


def test_every_row_has_95_fields_and_a_well_formed_count_key() -> None:
    text, _ = _text()
    rows = list(csv.reader(io.StringIO(text)))[1:]
    assert {len(r) for r in rows} == {95}
    for r in rows:
        cnt = r[INDEX["CNT_ORDER"]]
        assert len(cnt) == 12
        assert cnt.isdigit()
        assert cnt.endswith("000")
        assert r[INDEX["STP_EVENT_DATE"]].isdigit()


def test_rows_per_subject_between_1_and_30_and_subjects_are_contiguous() -> None:
    text, _ = _text(rows=5000)
    rows = list(csv.reader(io.StringIO(text)))[1:]
    order: list[str] = []
    for r in rows:
        if not order or order[-1] != r[INDEX["SUBJECT_ID"]]:
            order.append(r[INDEX["SUBJECT_ID"]])
    assert len(order) == len(set(order))  # each subject's rows are together
    sizes = Counter(r[INDEX["SUBJECT_ID"]] for r in rows)
    assert min(sizes.values()) >= 1
    assert max(sizes.values()) <= 30


def test_content_mix_is_realistic() -> None:
    text, _ = _text(rows=20000)
    rows = list(csv.reader(io.StringIO(text)))[1:]
    offences = Counter(r[INDEX["OFFENSE_DESCR"]].split("-")[0].split(" ")[0] for r in rows)
    steps = Counter(r[INDEX["STP_TYPE_DESCR"]] for r in rows)
    disps = Counter(r[INDEX["DISP_DESCR"]] for r in rows)
    counties = Counter(r[INDEX["STP_ORI_CNTY_NAME"]] for r in rows)
    units = Counter(r[INDEX["SENT_TIME_CODE"]] for r in rows)
    for code in ("11357(A)", "11358", "11359", "11360(A)", "664/11357(C)", "11357.5(A)", "459"):
        assert offences[code] > 0, code
    assert offences["187(A)"] + offences["207"] > 0
    assert offences["246"] > 0
    assert offences["186.22(B)(4)"] > 0
    assert any(r[INDEX["OFFENSE_DESCR"]] == "SEE COMMENT FOR CHARGE" for r in rows)
    assert steps["REGISTRATION"] > 0
    assert steps["DECEASED"] > 0
    assert steps["COURT ACTION"] > steps["ARREST/DETAINED/CITED"] > 0
    assert disps["CONVICTED"] > 0
    assert disps["DISMISSED/CHARGE DROPPED"] > 0
    assert counties["SACRAMENTO"] > len(rows) / 2
    assert len(counties) > 10
    assert units["D"]
    assert units["M"]
    assert units["Y"]
    assert {r[INDEX["CONV_STAT_DESCR"]] for r in rows} >= {"FELONY", "MISDEMEANOR", "INFRACTION"}
    # identifiers are obviously synthetic
    assert all(r[INDEX["PRI_SSN"]].startswith("9") for r in rows)
    assert all(r[INDEX["CII_NUMBER"]].startswith("SYN") for r in rows)


def test_gang_pair_is_in_one_court_case() -> None:
    text, _ = _text(rows=20000)
    rows = list(csv.reader(io.StringIO(text)))[1:]
    cases: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        key = (r[INDEX["SUBJECT_ID"]], r[INDEX["CNT_ORDER"]][:6])
        cases.setdefault(key, set()).add(r[INDEX["OFFENSE_DESCR"]].split(" ")[0])
    assert any({"246", "186.22(B)(4)"} <= offences for offences in cases.values())


def test_malformed_share_is_reported_by_kind() -> None:
    text, report = _text(rows=20000, malformed_share=0.03)
    by_kind = report.malformed_by_kind  # type: ignore[attr-defined]
    assert set(by_kind) == {"FIELD_COUNT", "BAD_QUOTE", "NUL_BYTE", "MISSING_SUBJECT_ID"}
    assert 0.02 * 20000 < sum(by_kind.values()) < 0.04 * 20000
    assert text.count("\x00") == by_kind["NUL_BYTE"]
    lines = text.splitlines()[1:]
    assert len(lines) == 20000


def test_unknown_county_is_refused() -> None:
    with pytest.raises(ValueError, match="58 California counties"):
        _text(county="NARNIA")


def test_generated_file_reads_cleanly_with_the_malformed_share_quarantined(
    tmp_path: Path,
) -> None:
    path = tmp_path / "synthetic.csv"
    report = generate_file(path, county="SACRAMENTO", rows=6000, seed=11, malformed_share=0.03)
    upload = read_upload([Source(name=path.name, path=path)], county="SACRAMENTO")
    (file_report,) = upload.files
    assert dict(file_report.quarantined_by_code) == dict(report.malformed_by_kind)
    assert upload.data_rows == 6000 - report.malformed
    assert (
        file_report.warnings_by_code.get("INVALID_DATE") == report.oddities_by_kind["INVALID_DATE"]
    )
    assert upload.prop64_convictions_in_county > 0


def test_clean_generated_file_has_no_quarantined_rows(tmp_path: Path) -> None:
    path = tmp_path / "clean.csv"
    generate_file(path, county="LOS ANGELES", rows=3000, seed=5, header=False)
    upload = read_upload([Source(name=path.name, path=path)], county="LOS ANGELES")
    assert upload.quarantined == 0
    assert upload.data_rows == 3000
    assert not upload.files[0].header
