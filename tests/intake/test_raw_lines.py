"""The raw-row accessor: every accepted DOJ row of a person, in file order, as the file had it."""

from __future__ import annotations

import csv

import pytest

from clearrecord.cases import raw
from clearrecord.cases.models import Subject
from clearrecord.intake import pipeline
from eligibility.doj.columns import COLUMNS

from .builders import make_upload, synthetic_file

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def published(prosecutor, tmp_path, no_enqueue):
    path = synthetic_file(tmp_path, rows=400, seed=11)
    upload = make_upload(prosecutor, path)
    assert pipeline.upload_process(upload_id=upload.pk) == "published"
    return upload, path


def _file_rows(path):
    """subject id -> [(line, values)] straight from the file (header is line 1)."""
    found: dict[str, list[tuple[int, list[str]]]] = {}
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader)
        for values in reader:
            if len(values) != len(COLUMNS):
                continue
            found.setdefault(values[COLUMNS.index("SUBJECT_ID")].strip(), []).append(
                (reader.line_num, values)
            )
    return found


def test_raw_lines_of_a_person_are_the_file_rows_in_order(published) -> None:
    upload, path = published
    subject = Subject.objects.filter(upload=upload).order_by("pk").first()
    lines = raw.raw_lines_of(upload_id=upload.pk, subject_id=subject.subject_id)
    expected = _file_rows(path)[subject.subject_id]
    assert [(ln.line, ln.values) for ln in lines] == expected
    assert {ln.file_number for ln in lines} == {1}


def test_raw_lines_of_many_keeps_the_order_given_across_chunks(published, monkeypatch) -> None:
    upload, path = published
    monkeypatch.setattr(raw, "CHUNK", 3)  # several chunks even for a small upload
    ids = list(
        Subject.objects.filter(upload=upload).order_by("-pk").values_list("subject_id", flat=True)
    )
    lines = list(raw.raw_lines_of_many(upload_id=upload.pk, subject_ids=ids + ids[:2]))
    order = list(dict.fromkeys(ln.subject_id for ln in lines))
    assert order == ids
    by_file = _file_rows(path)
    assert len(lines) == sum(len(by_file[sid]) for sid in ids)


def test_blocks_keep_awkward_values_and_people_split_over_frames(
    prosecutor, tmp_path, no_enqueue
) -> None:
    """Quotes, commas, line breaks, tabs, backslashes and the record separator survive the COPY
    (the last one through the general path), and a person whose rows fall into two frames (or
    two files) gets two blocks that read back as one history in file order."""
    import polars as pl
    from django.db import connection

    from clearrecord.cases.models import RawBlock
    from clearrecord.intake import pgcopy

    upload = make_upload(prosecutor, synthetic_file(tmp_path, rows=20, seed=3))
    odd = ['a "quoted", value', "two\nlines\r\n", "tab\there", "back\\slash", "", "  pad  "]

    def frame(file: int, lines: list[int], sid: str, extra: str = "") -> pl.DataFrame:
        cols = {c: [f"{c[:3]}{n}" for n in lines] for c in COLUMNS}
        cols["SUBJECT_ID"] = [f" {sid} "] * len(lines)
        for i, value in enumerate(odd):
            cols[COLUMNS[i + 3]] = [value + extra] * len(lines)
        return pl.DataFrame({"file": [file] * len(lines), "line": lines, **cols}).with_columns(
            pl.col("file").cast(pl.Int32), pl.col("line").cast(pl.Int64)
        )

    with connection.cursor() as cursor:
        assert pgcopy.copy_raw_frame(cursor.cursor, upload.pk, frame(1, [2, 3], "P1")) == 2
        # next frame starts with the same person, then another one; a value holds \x1e
        assert pgcopy.copy_raw_frame(cursor.cursor, upload.pk, frame(1, [4, 5], "P1", "\x1e")) == 2
        assert pgcopy.copy_raw_frame(cursor.cursor, upload.pk, frame(2, [2], "P1")) == 1
    assert RawBlock.objects.filter(upload=upload, subject_id="P1").count() == 3
    assert raw.raw_line_count(upload_id=upload.pk) == 5
    lines = raw.raw_lines_of(upload_id=upload.pk, subject_id="P1")
    assert [(ln.file_number, ln.line) for ln in lines] == [(1, 2), (1, 3), (1, 4), (1, 5), (2, 2)]
    assert all(ln.subject_id == "P1" and len(ln.values) == len(COLUMNS) for ln in lines)
    assert lines[0].values[3 : 3 + len(odd)] == odd
    assert lines[2].values[3 : 3 + len(odd)] == [v + "\x1e" for v in odd]
    assert lines[0].values[2] == " P1 "  # the raw value, untrimmed
    assert lines[4].values[-1] == f"{COLUMNS[-1][:3]}2"


def test_store_raw_lines_reads_back_in_file_order(prosecutor, tmp_path, no_enqueue) -> None:
    upload = make_upload(prosecutor, synthetic_file(tmp_path, rows=20, seed=4))
    values = [str(i) for i in range(len(COLUMNS))]
    given = [
        raw.RawLine("B", 1, 9, values),
        raw.RawLine("A", 1, 3, ['x,"y"\n'] * len(COLUMNS)),
        raw.RawLine("A", 1, 4, values),
        raw.RawLine("B", 1, 5, values),
    ]
    assert raw.store_raw_lines(upload_id=upload.pk, lines=given) == 4
    assert raw.raw_lines_of(upload_id=upload.pk, subject_id="A") == given[1:3]
    assert list(raw.raw_lines_of_many(upload_id=upload.pk, subject_ids=["B", "A"])) == [
        given[3], given[0], given[1], given[2],
    ]  # fmt: skip
