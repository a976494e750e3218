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
