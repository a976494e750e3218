"""From rows to subjects and convictions (DOJ spec §3, §4): worked example, warnings, invariance."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from eligibility.doj import Source, read_upload
from eligibility.doj.columns import COLUMNS
from eligibility.model import Level, RowRef, Subject, Upload
from tests.eligibility.builders import csv_text, row

SECRET = "ZQXSECRET"


def filler(n: int, sid_base: int = 90000000) -> list[list[str]]:
    """Unremarkable single-row subjects so that quarantine ratios stay small."""
    return [
        row(
            SUBJECT_ID=str(sid_base + i),
            PRI_NAME=f"{SECRET},FILL",
            PRI_DOB="19700101",
            STP_EVENT_DATE="20000101",
            STP_TYPE_DESCR="ARREST/DETAINED/CITED",
            DISP_DESCR="",
            CNT_ORDER="101001001000",
            OFFENSE_DESCR="459 PC-BURGLARY",
        )
        for i in range(n)
    ]


def upload_of(tmp_path: Path, *files: list[list[str]]) -> Upload:
    sources = []
    for i, rows in enumerate(files, start=1):
        path = tmp_path / f"f{i}.csv"
        path.write_text(csv_text(rows), encoding="utf-8")
        sources.append(Source(f"f{i}.csv", path))
    return read_upload(sources, county="LOS ANGELES")


def person(sid: str = "70000001", **fields: str) -> list[str]:
    base = {
        "SUBJECT_ID": sid,
        "PRI_NAME": f"{SECRET},ANNA",
        "PRI_DOB": "19800101",
        "STP_EVENT_DATE": "20100301",
        "CNT_ORDER": "104002001000",
        "CONV_STAT_DESCR": "MISDEMEANOR",
        "OFFENSE_DESCR": "11357(C) HS-POSSESS",
    }
    return row(**{**base, **fields})


def codes(upload: Upload, code: str) -> list[tuple[int, int]]:
    return [(i.file, i.line) for i in upload.issues if i.code == code]


def subject(upload: Upload, sid: str = "70000001") -> Subject:
    return next(s for s in upload.subjects if s.subject_id == sid)


WORKED = [
    person(
        CNT_ORDER="104002001000",
        OFFENSE_DESCR="11359 HS-POSSESS FOR SALE",
        DISP_DESCR="DISMISSED/CHARGE DROPPED",
        OFN="BA100",
    ),
    person(
        CNT_ORDER="104002002000",
        OFFENSE_DESCR="11360 HS-TRANSPORT MARIJUANA",
        DISP_DESCR="CONVICTED-JAIL",
        SENT_ORDER="1",
        SENT_LENGTH="90",
        SENT_TIME_CODE="D",
        OFN="BA100",
        FE_NUM_CRT_CASE=" CRT1 ",
    ),
    person(
        CNT_ORDER="104002002000",
        OFFENSE_DESCR="11360 HS-TRANSPORT MARIJUANA",
        DISP_DESCR="CONVICTED-JAIL",
        SENT_ORDER="2",
        SENT_LENGTH="3",
        SENT_TIME_CODE="Y",
        OFN="BA101",
        FE_NUM_CRT_CASE="null",
    ),
    person(
        CNT_ORDER="105001001000",
        OFFENSE_DESCR="459 PC-BURGLARY",
        STP_TYPE_DESCR="ARREST/DETAINED/CITED",
        DISP_DESCR="",
    ),
]


def test_worked_example_of_section_3(tmp_path: Path) -> None:
    upload = upload_of(tmp_path, WORKED)
    s = subject(upload)
    [c] = s.convictions
    assert c.ref == RowRef(1, 3)
    assert c.prop64_section == "11360"
    assert (c.cycle, c.court_case, c.cnt_order) == ("104", "104002", "104002002000")
    assert [(p.years, p.months, p.days) for p in c.sentence_parts] == [(0, 0, 90), (3, 0, 0)]
    assert c.sentence_end == dt.date(2013, 3, 1) + dt.timedelta(days=90)
    assert c.extra_refs == (RowRef(1, 4),)
    assert c.case_numbers_raw == ("BA100", "BA101")
    assert c.fe_court_case == ("CRT1",)
    assert c.offense_text == "11360 HS-TRANSPORT MARIJUANA"
    assert not c.conflicting_count
    assert not c.conviction_offense_differs
    assert c.possible_other_prop64_charge == ""
    assert c.level is Level.MISDEMEANOR
    assert c.county == "LOS ANGELES"
    assert upload.convictions_total == 1
    assert upload.subjects_total == 1
    assert upload.data_rows == 4


def test_untidy_values_give_the_same_subjects_as_tidy_ones(tmp_path: Path) -> None:
    """§4.1 normalisation, where only some values of a column need it and others none do."""
    tidy = [*WORKED, person("70000002", STP_TYPE_DESCR="DECEASED", DISP_DESCR="")]
    untidy = [
        *WORKED[:2],
        person(
            " 70000001",
            PRI_NAME=f"{SECRET.lower()},  anna ",
            CNT_ORDER="104002002000",
            OFFENSE_DESCR="11360  hs-transport\tmarijuana",
            STP_TYPE_DESCR="court   action",
            DISP_DESCR=" convicted-jail",
            CONV_STAT_DESCR="misdemeanor ",
            SENT_ORDER="2",
            SENT_LENGTH=" 3",
            SENT_TIME_CODE="y",
            OFN="BA101",
            FE_NUM_CRT_CASE="null",
        ),
        WORKED[3],
        person("70000002", STP_TYPE_DESCR=" deceased", DISP_DESCR=""),
    ]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    expected = upload_of(tmp_path / "a", tidy)
    got = upload_of(tmp_path / "b", untidy)
    assert got.subjects == expected.subjects
    assert got.issues == expected.issues
    assert subject(got).convictions[0].sentence_end == dt.date(2013, 3, 1) + dt.timedelta(days=90)


def test_split_into_two_files_gives_the_same_subjects(tmp_path: Path) -> None:
    rows = [
        *WORKED,
        person("70000002", PRI_DOB="19900101"),
        person("70000002", PRI_DOB="19900202", CNT_ORDER="106002001000"),
        person("70000002", PRI_DOB="19900202", CNT_ORDER="107002001000"),
        person("70000003", STP_TYPE_DESCR="DECEASED", DISP_DESCR=""),
        person("70000003", CNT_ORDER="101002001000", OFFENSE_DESCR="11358 HS"),
    ]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = upload_of(tmp_path / "a", rows)
    two = upload_of(tmp_path / "b", rows[:5], rows[5:])

    def facts(u: Upload) -> list[tuple[object, ...]]:
        return [
            (
                s.subject_id,
                s.name,
                s.dob,
                s.dob_conflict,
                s.deceased,
                [(c.cnt_order, c.date, c.sentence_end, c.prop64_section) for c in s.convictions],
            )
            for s in u.subjects
        ]

    assert facts(one) == facts(two)
    assert subject(two, "70000002").dob == dt.date(1990, 2, 2)
    assert subject(two, "70000002").dob_conflict


def test_dob_ties_go_to_the_earliest_date_and_conflict_is_flagged(tmp_path: Path) -> None:
    rows = [
        person(PRI_DOB="19810505"),
        person(PRI_DOB="19800101", CNT_ORDER="105002001000"),
    ]
    upload = upload_of(tmp_path, rows)
    s = subject(upload)
    assert s.dob == dt.date(1980, 1, 1)
    assert s.dob_ref == RowRef(1, 3)
    assert s.dob_conflict
    assert codes(upload, "CONFLICTING_DOB") == [(1, 2)]


def test_invalid_dob_is_unknown(tmp_path: Path) -> None:
    upload = upload_of(tmp_path, [person(PRI_DOB="19790229")])
    s = subject(upload)
    assert s.dob is None
    assert codes(upload, "INVALID_DOB") == [(1, 2)]


def test_display_name_is_the_most_frequent(tmp_path: Path) -> None:
    rows = [
        person(PRI_NAME="DOE,JANE"),
        person(PRI_NAME="ROE, JANE", CNT_ORDER="105002001000"),
        person(PRI_NAME="roe,  jane ", CNT_ORDER="106002001000"),
    ]
    assert subject(upload_of(tmp_path, rows)).name == "ROE, JANE"


def test_conviction_before_dob_is_warned(tmp_path: Path) -> None:
    upload = upload_of(tmp_path, [person(STP_EVENT_DATE="19750101")])
    assert codes(upload, "DATE_BEFORE_DOB") == [(1, 2)]


def test_invalid_and_missing_dates(tmp_path: Path) -> None:
    rows = [person(STP_EVENT_DATE="20150231"), person(STP_EVENT_DATE=" ", CNT_ORDER="1")]
    upload = upload_of(tmp_path, rows + filler(30))
    assert codes(upload, "INVALID_DATE") == [(1, 2)]
    assert codes(upload, "MISSING_DATE") == [(1, 3)]
    assert all(c.date is None and c.sentence_end is None for c in subject(upload).convictions)


@pytest.mark.parametrize(
    ("cnt", "cycle", "court"),
    [("10100", None, None), ("ABC", None, None), ("", None, None), ("101002X", "101", "101002")],
)
def test_bad_cnt_order(tmp_path: Path, cnt: str, cycle: str | None, court: str | None) -> None:
    rows = [person(CNT_ORDER=cnt), person(CNT_ORDER=cnt, SENT_LENGTH="1", SENT_TIME_CODE="Y")]
    upload = upload_of(tmp_path, rows)
    assert codes(upload, "INVALID_CNT_ORDER") == [(1, 2), (1, 3)]
    convictions = subject(upload).convictions
    assert {(c.cycle, c.court_case) for c in convictions} == {(cycle, court)}
    # a short key makes each row its own count; a long one still groups
    assert len(convictions) == (1 if court else 2)


def test_conviction_test_ignores_step_type_and_needs_convicted_prefix(tmp_path: Path) -> None:
    rows = [
        person(STP_TYPE_DESCR="DECEASED", DISP_DESCR=" convicted-probation"),
        person(CNT_ORDER="105002001000", DISP_DESCR="NOT CONVICTED"),
    ]
    upload = upload_of(tmp_path, rows)
    s = subject(upload)
    assert [c.ref.line for c in s.convictions] == [2]
    assert s.deceased_ref == RowRef(1, 2)


@pytest.mark.parametrize(
    ("status", "toc", "level"),
    [
        ("FELONY", "M", Level.FELONY),
        (" misdemeanor", "", Level.MISDEMEANOR),
        ("INFRACTION", "", Level.INFRACTION),
        ("", "F", Level.FELONY),
        ("", "i", Level.INFRACTION),
        ("UNKNOWN", "F", Level.UNKNOWN),
        ("", "", Level.UNKNOWN),
    ],
)
def test_levels(tmp_path: Path, status: str, toc: str, level: Level) -> None:
    upload = upload_of(tmp_path, [person(CONV_STAT_DESCR=status, OFFENSE_TOC=toc)])
    assert subject(upload).convictions[0].level is level
    expected = [(1, 2)] if level is Level.UNKNOWN else []
    assert codes(upload, "UNKNOWN_CONVICTION_STATUS") == expected


def test_no_code_section(tmp_path: Path) -> None:
    upload = upload_of(tmp_path, [person(OFFENSE_DESCR="POSSESS MARIJUANA")])
    assert subject(upload).convictions[0].section is None
    assert codes(upload, "NO_CODE_SECTION") == [(1, 2)]


def test_see_comment_for_charge(tmp_path: Path) -> None:
    rows = [person(OFFENSE_DESCR="SEE COMMENT FOR CHARGE", COMMENT_TEXT="11358 HS-CULTIVATE")]
    c = subject(upload_of(tmp_path, rows)).convictions[0]
    assert c.prop64_section == "11358"
    assert c.section is not None
    assert c.section.source_column == "COMMENT_TEXT"


@pytest.mark.parametrize(
    ("length", "unit", "code"),
    [("3 1/2", "Y", "INVALID_SENTENCE_LENGTH"), ("-1", "D", "INVALID_SENTENCE_LENGTH"),
     ("3", "W", "UNKNOWN_SENTENCE_UNIT")],
)  # fmt: skip
def test_bad_sentence_parts_are_ignored(tmp_path: Path, length: str, unit: str, code: str) -> None:
    rows = [
        person(SENT_LENGTH="1", SENT_TIME_CODE="M", SENT_ORDER="1"),
        person(SENT_LENGTH=length, SENT_TIME_CODE=unit, SENT_ORDER="2"),
    ]
    upload = upload_of(tmp_path, rows)
    c = subject(upload).convictions[0]
    assert [(p.months, p.days) for p in c.sentence_parts] == [(1, 0)]
    assert c.sentence_end == dt.date(2010, 4, 1)
    assert codes(upload, code) == [(1, 3)]


def test_calendar_months_roll_to_the_first(tmp_path: Path) -> None:
    rows = [person(STP_EVENT_DATE="20150131", SENT_LENGTH="1", SENT_TIME_CODE="M")]
    c = subject(upload_of(tmp_path, rows)).convictions[0]
    assert c.sentence_end == dt.date(2015, 3, 1)


def test_enormous_sentence_ends_at_the_end_of_time(tmp_path: Path) -> None:
    rows = [person(SENT_LENGTH="99999", SENT_TIME_CODE="Y")]
    c = subject(upload_of(tmp_path, rows)).convictions[0]
    assert c.sentence_end == dt.date.max


@pytest.mark.parametrize(
    ("name", "expected", "code"),
    [("Los  angeles ", "LOS ANGELES", None), ("NARNIA", None, "UNKNOWN_COUNTY"),
     ("", None, "MISSING_COUNTY")],
)  # fmt: skip
def test_counties(tmp_path: Path, name: str, expected: str | None, code: str | None) -> None:
    upload = upload_of(tmp_path, [person(STP_ORI_CNTY_NAME=name)])
    assert subject(upload).convictions[0].county == expected
    for c in ("UNKNOWN_COUNTY", "MISSING_COUNTY"):
        assert codes(upload, c) == ([(1, 2)] if c == code else [])


def test_exact_duplicate_adds_no_sentence_part(tmp_path: Path) -> None:
    line = person(SENT_LENGTH="30", SENT_TIME_CODE="D", SENT_ORDER="1")
    upload = upload_of(tmp_path, [line, list(line)])
    c = subject(upload).convictions[0]
    assert len(c.sentence_parts) == 1
    assert c.extra_refs == (RowRef(1, 3),)
    assert codes(upload, "DUPLICATE_ROW") == [(1, 3)]


def test_conflicting_count_keeps_the_primary_row(tmp_path: Path) -> None:
    rows = [person(), person(OFFENSE_DESCR="11359 HS", SENT_ORDER="2")]
    upload = upload_of(tmp_path, rows)
    c = subject(upload).convictions[0]
    assert c.prop64_section == "11357"
    assert c.conflicting_count
    assert codes(upload, "CONFLICTING_COUNT") == [(1, 3)]


def test_sentence_parts_attach_by_key_across_files(tmp_path: Path) -> None:
    first = [person(SENT_LENGTH="1", SENT_TIME_CODE="Y"), person("70000009")]
    second = [person(SENT_LENGTH="2", SENT_TIME_CODE="M", SENT_ORDER="2")]
    upload = upload_of(tmp_path, first, second)
    c = subject(upload).convictions[0]
    assert [p.ref for p in c.sentence_parts] == [RowRef(1, 2), RowRef(2, 2)]
    assert c.sentence_end == dt.date(2011, 5, 1)


def test_pc290_registration_and_case_numbers(tmp_path: Path) -> None:
    rows = [
        person(OFN="NULL  "),
        person(CNT_ORDER="104002002000", DISP_DESCR="DISMISSED", OFN="104512"),
        person(CNT_ORDER="104002003000", DISP_DESCR="", OFN="104512"),
        person(CNT_ORDER="104003001000", OFN="999"),  # another court case
        person(
            CNT_ORDER="109001001000",
            STP_TYPE_DESCR="REGISTRATION",
            DISP_DESCR="",
            OFFENSE_DESCR="290(A) PC-REGISTER",
            STP_EVENT_DATE="20120101",
        ),
        person(CNT_ORDER="109001002000", STP_TYPE_DESCR="REGISTRATION", DISP_DESCR="",
               OFFENSE_DESCR="2900 PC"),
    ]  # fmt: skip
    s = subject(upload_of(tmp_path, rows))
    assert s.convictions[0].case_numbers_raw == ("NULL  ", "104512")
    assert s.convictions[0].case_numbers == ("104512",)
    assert [(r.ref.line, r.date) for r in s.registrations] == [(6, dt.date(2012, 1, 1))]


def test_possible_other_charge_and_offense_differs(tmp_path: Path) -> None:
    rows = [
        person(OFFENSE_DESCR="11358 HS", COMMENT_TEXT=" 11359 hs ", CONV_OFFENSE_DESCR="11360 HS")
    ]
    c = subject(upload_of(tmp_path, rows)).convictions[0]
    assert c.possible_other_prop64_charge == " 11359 hs "
    assert c.conviction_offense_differs


def test_subjects_without_conviction_are_counted_not_built(tmp_path: Path) -> None:
    upload = upload_of(tmp_path, [person(), *filler(3)])
    assert upload.subjects_total == 4
    assert [s.subject_id for s in upload.subjects] == ["70000001"]


def test_subject_order_is_upload_order_of_first_row(tmp_path: Path) -> None:
    rows = [person("3"), person("1"), person("2"), person("1", CNT_ORDER="108002001000")]
    upload = upload_of(tmp_path, rows)
    assert [s.subject_id for s in upload.subjects] == ["3", "1", "2"]


def test_messages_never_hold_row_contents(tmp_path: Path) -> None:
    rows = [
        person(PRI_DOB="19790229", STP_ORI_CNTY_NAME=SECRET, OFFENSE_DESCR=SECRET,
               CONV_STAT_DESCR=SECRET, SENT_LENGTH=SECRET, CNT_ORDER=SECRET),
    ]  # fmt: skip
    upload = upload_of(tmp_path, rows)
    assert len(upload.issues) >= 5
    for issue in upload.issues:
        assert SECRET not in issue.detail
        assert issue.field in ("", *COLUMNS)


def test_upload_without_any_conviction(tmp_path: Path) -> None:
    upload = upload_of(tmp_path, filler(30))
    assert upload.subjects == ()
    assert upload.subjects_total == 30
    assert upload.convictions_total == 0
    assert upload.prop64_convictions_in_county == 0


def test_several_case_numbers_keep_upload_order_without_repeats(tmp_path: Path) -> None:
    # the distinct values of a court case or count are listed as first seen, never sorted
    rows = [
        person(OFN="Z7", FE_NUM_CRT_CASE="FZ9"),
        person(CNT_ORDER="104002002000", DISP_DESCR="DISMISSED", OFN="A2"),
        person(CNT_ORDER="104002001000", OFN="Z7", FE_NUM_CRT_CASE=""),
        person(CNT_ORDER="104002001000", OFN="M5", FE_NUM_CRT_CASE="FA1"),
        person(CNT_ORDER="104002001000", OFN="A2", FE_NUM_CRT_CASE="null"),
        person(CNT_ORDER="104002001000", OFN="Z7", FE_NUM_CRT_CASE="FZ9"),
        person(sid="70000002", OFN="B1", FE_NUM_CRT_CASE="FB1"),
        person(sid="70000002", CNT_ORDER="104002001000", OFN="B1", FE_NUM_CRT_CASE="FB1"),
    ]
    upload = upload_of(tmp_path, rows)
    c = subject(upload).convictions[0]
    assert c.case_numbers_raw == ("Z7", "A2", "M5")
    assert c.fe_court_case == ("FZ9", "FA1")
    other = subject(upload, "70000002").convictions[0]
    assert other.case_numbers_raw == ("B1",)
    assert other.fe_court_case == ("FB1",)
