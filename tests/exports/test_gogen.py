"""The gogen-compatible zip of a batch: the command line's bundle, narrowed to the batch.

The upload is made through the real ingest pipeline from a synthetic DOJ file, so the raw rows,
subjects and determinations are the ones the engine wrote; the command line's bundle of the
same file is the reference.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from clearrecord.cases.models import Conviction, RawBlock, Subject
from clearrecord.cases.raw import raw_lines_of, store_raw_lines
from clearrecord.exports import services, writers
from clearrecord.exports.models import ExportBatch
from clearrecord.intake import pipeline
from eligibility import api, csvsafe
from eligibility import export as bundle
from eligibility.doj.columns import INDEX
from tests.intake.builders import COMPUTE_AT, make_upload, synthetic_file

# the pipeline writes its progress on a connection of its own
pytestmark = pytest.mark.django_db(transaction=True)

ROW_FILES = ("All_Results.csv", "All_Results_Condensed.csv", "Prop64_Results.csv")
DANGEROUS = ['=HYPERLINK("http://x","y")', "+cmd", "@SUM(1)"]


@pytest.fixture
def upload(prosecutor, tmp_path, monkeypatch):
    from clearrecord.intake import services as intake_services

    monkeypatch.setattr(intake_services, "_enqueue", lambda upload_id, countdown=0: None)
    path = synthetic_file(tmp_path, rows=900, seed=5)
    made = make_upload(prosecutor, path)
    assert pipeline.upload_process(upload_id=made.pk) == "published"
    return made, path


def _cli_bundle(path: Path, out: Path) -> dict[str, list[str]]:
    result = api.run([path], county="SACRAMENTO", compute_at=COMPUTE_AT)
    bundle.write_bundle(result, None, out)
    return {name: (out / name).read_text("utf-8").splitlines() for name in ROW_FILES}


def _zip(batch: ExportBatch) -> dict[str, str]:
    with zipfile.ZipFile(writers.batch_file(batch, writers.GOGEN_ZIP)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def _release(people: list[str], upload_id: int) -> list[int]:
    convictions = Conviction.objects.filter(upload_id=upload_id, subject__subject_id__in=people)
    convictions.update(review_state="ready_for_export")
    return list(convictions.values_list("pk", flat=True))


def _subject(line: str) -> str:
    return next(csv.reader([line]))[INDEX["SUBJECT_ID"]].strip().upper()


def test_zip_holds_the_cli_bundle_of_the_batch_people(supervisor, upload, tmp_path):
    made, path = upload
    people = sorted(Subject.objects.filter(upload=made).values_list("subject_id", flat=True))[:7]
    released = _release(people, made.pk)
    batch = services.batch_build(user=supervisor)
    writers.batch_write_files(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.progress == 100

    files = _zip(batch)
    assert sorted(files) == sorted([*ROW_FILES, "gogen.json"])
    digest = hashlib.sha256(writers.batch_file(batch, writers.GOGEN_ZIP).read_bytes()).hexdigest()
    assert batch.gogen_zip_sha256 == digest

    cli = _cli_bundle(path, tmp_path / "cli")
    wanted = set(people)
    for name in ROW_FILES:
        ours = files[name].splitlines()
        assert ours[0] == cli[name][0]  # the same header, byte for byte
        if name == "All_Results_Condensed.csv":
            theirs = cli[name][1:]  # no SUBJECT_ID column: compare with the full file's order
            keep = [_subject(line) in wanted for line in cli["All_Results.csv"][1:]]
            expected = [line for line, k in zip(theirs, keep, strict=True) if k]
        else:
            expected = [line for line in cli[name][1:] if _subject(line) in wanted]
        assert sorted(ours[1:]) == sorted(expected)  # same rows, same values and encoding
        assert all(len(row) == len(next(csv.reader([ours[0]]))) for row in csv.reader(ours[1:]))
    assert len(files["Prop64_Results.csv"].splitlines()) - 1 == len(released)
    summary = json.loads(files["gogen.json"])
    assert summary["county"] == "SACRAMENTO"
    assert sum(summary["prop64ConvictionsCountInCountyByCodeSection"].values()) == len(released)


def test_prop64_rows_are_exactly_the_batch_convictions(supervisor, upload):
    made, _path = upload
    # one conviction of each of a few people with several: the batch holds part of a record
    several = [
        s for s in Subject.objects.filter(upload=made).order_by("subject_id")
        if s.convictions.count() > 1
    ][:3]  # fmt: skip
    assert several, "the synthetic file should have people with more than one conviction"
    chosen = [s.convictions.order_by("line").first() for s in several]
    Conviction.objects.filter(pk__in=[c.pk for c in chosen]).update(review_state="ready_for_export")
    batch = services.batch_build(user=supervisor)
    writers.batch_write_files(batch_id=batch.pk)
    rows = list(csv.DictReader(io.StringIO(_zip(batch)["Prop64_Results.csv"])))
    assert len(rows) == len(chosen)
    got = {(r["SUBJECT_ID"].strip().upper(), r["CNT_ORDER"].strip()) for r in rows}
    assert got == {(c.subject.subject_id, c.cnt_order.strip()) for c in chosen}
    everything = list(csv.DictReader(io.StringIO(_zip(batch)["All_Results.csv"])))
    determined = [r for r in everything if r["Eligibility Determination"]]
    assert len(determined) == len(chosen)  # the people's other convictions are not determined
    assert {r["SUBJECT_ID"].strip().upper() for r in everything} == {s.subject_id for s in several}


@pytest.mark.parametrize("name", DANGEROUS)
def test_a_formula_name_is_inert_in_every_csv_of_every_kind(supervisor, upload, name):
    made, _path = upload
    subject = Subject.objects.filter(upload=made).order_by("subject_id").first()
    Subject.objects.filter(pk=subject.pk).update(name=name)
    lines = raw_lines_of(upload_id=made.pk, subject_id=subject.subject_id)
    for line in lines:
        line.values[INDEX["PRI_NAME"]] = name
        line.values[INDEX["COMMENT_TEXT"]] = name
    RawBlock.objects.filter(upload=made, subject_id=subject.subject_id).delete()
    store_raw_lines(upload_id=made.pk, lines=lines)
    _release([subject.subject_id], made.pk)
    batch = services.batch_build(user=supervisor)
    writers.batch_write_files(batch_id=batch.pk)

    texts = {n: writers.batch_file(batch, n).read_text("utf-8") for n in (writers.COURT_CSV,
             writers.CHALLENGES_CSV)}  # fmt: skip
    texts.update({n: t for n, t in _zip(batch).items() if n.endswith(".csv")})
    assert len(texts) == 5
    named = 0
    for file_name, text in texts.items():
        rows = list(csv.reader(io.StringIO(text)))
        for row in rows[1:]:
            assert not any(csvsafe.is_dangerous(c) for c in row), file_name
            named += row.count("'" + name)
        assert name not in [c for row in rows for c in row], file_name
    # the name is in the court CSV, and in the three gogen CSVs (PRI_NAME, comment)
    assert named >= 4
