"""The batch files: court CSV, challenges CSV and the motion PDF, with their checksums."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import subprocess  # nosec B404 (poppler tools on a test-made file)
from pathlib import Path

import pytest

from clearrecord.cases.models import Subject
from clearrecord.exports import services, writers
from clearrecord.exports.models import BatchItem, BatchStatus, ExportBatch
from clearrecord.review.models import Decision

pytestmark = pytest.mark.django_db

DANGEROUS = ['=HYPERLINK("http://x","y")', "+cmd", "@SUM(1)", "-2+3"]


def _built(supervisor, ready, n=3):
    convictions = ready(n)
    batch = services.batch_build(user=supervisor)
    writers.batch_write_files(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch, convictions


def _csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8"))))


def test_files_are_written_with_their_checksums(supervisor, ready, var_dir):
    batch, _ = _built(supervisor, ready)
    assert batch.status == BatchStatus.READY
    assert batch.progress == 100
    for name, digest in (
        (writers.COURT_CSV, batch.court_csv_sha256),
        (writers.CHALLENGES_CSV, batch.challenges_csv_sha256),
        (writers.ORDER_PDF, batch.order_pdf_sha256),
    ):
        path = var_dir / "exports" / str(batch.pk) / name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert not list((var_dir / "exports" / str(batch.pk)).glob("*.tmp"))


def test_court_csv_has_one_row_per_conviction(supervisor, ready, var_dir):
    batch, convictions = _built(supervisor, ready)
    rows = _csv(writers.batch_file(batch, writers.COURT_CSV))
    assert len(rows) == len(convictions)
    by_cii = {r["cii"]: r for r in rows}
    conviction = convictions[0]
    row = by_cii[conviction.subject.cii]
    assert row["name"] == conviction.subject.name
    assert row["dob"] == conviction.subject.dob.isoformat()
    assert row["doj_subject_id"] == conviction.subject.subject_id
    assert row["court_case_numbers"] == conviction.case_numbers[0]
    assert row["code_section"] == conviction.code_section
    assert row["conviction_date"] == "2010-05-01"
    assert row["level"] == "Misdemeanour"
    assert row["relief"] == "Dismiss and seal"
    assert row["remedy_statute"] == "H&S 11361.8(e)"
    assert row["determination_rule"] == "statutory.misdemeanor"
    assert row["da_position"] == "Not challenged"


def test_challenges_csv_lists_only_the_challenged(supervisor, ready, var_dir):
    challenged, _plain = ready(2)
    Decision.objects.create(conviction=challenged, action="challenge", from_state="flagged",
                            to_state="challenged", version=2, actor=supervisor,
                            ground="unreasonable_risk", note="Synthetic note.")  # fmt: skip
    Decision.objects.create(conviction=challenged, action="release", from_state="challenged",
                            to_state="ready_for_export", version=3, actor=supervisor)  # fmt: skip
    challenged.__class__.objects.filter(pk=challenged.pk).update(version=3)
    batch = services.batch_build(user=supervisor)
    writers.batch_write_files(batch_id=batch.pk)
    rows = _csv(writers.batch_file(batch, writers.CHALLENGES_CSV))
    assert [r["cii"] for r in rows] == [challenged.subject.cii]
    assert rows[0]["ground"] == "Unreasonable risk to public safety"
    assert rows[0]["note"] == "Synthetic note."


@pytest.mark.parametrize("name", DANGEROUS)
def test_a_formula_name_comes_out_inert_in_every_csv(supervisor, ready, var_dir, name):
    conviction = ready(1)[0]
    Subject.objects.filter(pk=conviction.subject_id).update(name=name)
    Decision.objects.create(conviction=conviction, action="challenge", from_state="flagged",
                            to_state="challenged", version=2, actor=supervisor,
                            ground="unreasonable_risk", note=name)  # fmt: skip
    Decision.objects.create(conviction=conviction, action="release", from_state="challenged",
                            to_state="ready_for_export", version=3, actor=supervisor)  # fmt: skip
    conviction.__class__.objects.filter(pk=conviction.pk).update(version=3)
    batch = services.batch_build(user=supervisor)
    writers.batch_write_files(batch_id=batch.pk)
    for file_name in (writers.COURT_CSV, writers.CHALLENGES_CSV):
        path = writers.batch_file(batch, file_name)
        (row,) = _csv(path)
        assert row["name"] == "'" + name  # parsed: the value starts with the inert prefix
        raw_line = path.read_text("utf-8").splitlines()[1]
        cells = next(csv.reader([raw_line]))
        assert all(c[:1] not in "=+-@\t\r" for c in cells if c)  # no cell starts a formula
    (row,) = _csv(writers.batch_file(batch, writers.CHALLENGES_CSV))
    assert row["note"] == "'" + name


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils not installed")
def test_pdf_renders_and_schedules_every_conviction(supervisor, ready, var_dir, tmp_path):
    batch, convictions = _built(supervisor, ready, n=60)
    pdf = writers.batch_file(batch, writers.ORDER_PDF)
    subprocess.run(  # nosec B603 B607 (fixed arguments, test-made file)
        ["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3  # motion and order, then a schedule over more than one page
    text = subprocess.run(  # nosec B603 B607
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "SUPERIOR COURT OF CALIFORNIA, COUNTY OF SACRAMENTO" in text
    assert "11361.9" in text
    assert "Judge of the Superior Court" in text
    for conviction in convictions:
        assert conviction.subject.name in text
        assert conviction.case_numbers[0] in text
    assert text.count("DA position") >= 2  # the header row repeats on each schedule page
    assert f"of {len(pages)}" in text


def test_a_written_batch_is_not_rewritten(supervisor, ready, var_dir):
    batch, _ = _built(supervisor, ready)
    assert writers.batch_write_files(batch_id=batch.pk) == "already written"


def test_a_failure_marks_the_batch_failed_without_record_contents(
    supervisor, ready, var_dir, monkeypatch
):
    ready(1)
    batch = services.batch_build(user=supervisor)

    def boom(*args, **kwargs):
        raise RuntimeError("synthetic")

    monkeypatch.setattr(writers, "_pdf_bytes", boom)
    with pytest.raises(RuntimeError):
        writers.batch_write_files(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert batch.error_code == "RuntimeError"
    assert not (var_dir / "exports" / str(batch.pk) / writers.ORDER_PDF).exists()


@pytest.mark.django_db(transaction=True)
def test_the_task_writes_the_files_after_the_build_commits(
    make_user, celery_worker, settings, tmp_path
):
    from tests.review.builders import make_convictions

    settings.VAR_DIR = tmp_path
    supervisor = make_user("da_supervisor")
    make_convictions(supervisor.county, 2, review_state="ready_for_export")
    batch = services.batch_build(user=supervisor)
    from clearrecord.exports import tasks

    assert tasks.write_batch_files.delay(batch.pk).get(timeout=60) in {"written", "already written"}
    batch = ExportBatch.objects.get(pk=batch.pk)
    assert batch.status == BatchStatus.READY
    assert BatchItem.objects.filter(batch=batch).count() == 2
