"""Ingest services and pipeline without a broker: claims, retries, leases, poison files, dedup."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from clearrecord.cases.models import Conviction, Determination, Evaluation, ReviewState
from clearrecord.cases.raw import raw_line_count
from clearrecord.intake import pipeline, services
from clearrecord.intake.errors import DuplicateUpload, FileRefused, LostClaim
from clearrecord.intake.models import RowIssue, Status, Upload, UploadFile
from clearrecord.intake.progress import ProgressWriter
from tests.intake.builders import incoming, make_upload, synthetic_file

pytestmark = pytest.mark.django_db(transaction=True)


def counts(upload: Upload) -> tuple[int, int, int, int]:
    return (
        raw_line_count(upload_id=upload.pk),
        Conviction.objects.filter(upload=upload).count(),
        Determination.objects.filter(evaluation__upload=upload).count(),
        RowIssue.objects.filter(upload=upload).count(),
    )


def test_a_claim_is_taken_once(prosecutor, tmp_path, no_enqueue) -> None:
    upload = make_upload(prosecutor, synthetic_file(tmp_path))
    assert services.upload_claim(upload_id=upload.pk) is not None
    assert services.upload_claim(upload_id=upload.pk) is None
    upload.refresh_from_db()
    assert (upload.status, upload.attempts) == (Status.VALIDATING, 1)


def test_a_retried_task_after_publication_writes_nothing_more(
    prosecutor, tmp_path, no_enqueue
) -> None:
    upload = make_upload(prosecutor, synthetic_file(tmp_path, rows=1500))
    assert pipeline.upload_process(upload_id=upload.pk) == "published"
    before = counts(upload)
    assert pipeline.upload_process(upload_id=upload.pk) == "skipped"
    assert counts(upload) == before
    assert before[0] > 0
    assert before[1] > 0
    assert Evaluation.objects.filter(upload=upload).count() == 1


def test_a_job_whose_worker_died_is_resumed_and_published_once(
    prosecutor, tmp_path, no_enqueue
) -> None:
    upload = make_upload(prosecutor, synthetic_file(tmp_path, rows=1500))
    no_enqueue.clear()
    # a worker claimed the job and died: its lease runs out without a heartbeat
    assert services.upload_claim(upload_id=upload.pk) is not None
    assert services.upload_resume_stalled() == []  # lease still valid: nothing to resume
    later = timezone.now() + dt.timedelta(seconds=10 * 60)
    assert services.upload_resume_stalled(now=later) == [upload.pk]
    assert no_enqueue == [upload.pk]
    Upload.objects.filter(pk=upload.pk).update(lease_expires_at=timezone.now() - dt.timedelta(1))
    assert pipeline.upload_process(upload_id=upload.pk) == "published"
    upload.refresh_from_db()
    assert (upload.status, upload.attempts) == (Status.PUBLISHED, 2)
    assert counts(upload)[0] == upload.data_rows


def test_a_worker_that_lost_its_claim_writes_nothing(prosecutor, tmp_path, no_enqueue) -> None:
    upload = make_upload(prosecutor, synthetic_file(tmp_path))
    stale = services.upload_claim(upload_id=upload.pk)
    Upload.objects.filter(pk=upload.pk).update(lease_expires_at=timezone.now() - dt.timedelta(1))
    assert services.upload_claim(upload_id=upload.pk) is not None  # another worker took over
    with (
        pytest.raises(LostClaim),
        ProgressWriter(table="intake_upload", row_id=upload.pk, token=stale) as progress,
    ):
        pipeline._process(upload.pk, stale, progress)
    assert counts(upload) == (0, 0, 0, 0)


def test_a_poison_file_fails_after_bounded_attempts_and_others_still_publish(
    prosecutor, tmp_path, no_enqueue, monkeypatch, settings
) -> None:
    poison = make_upload(prosecutor, synthetic_file(tmp_path, seed=1))
    healthy = make_upload(prosecutor, synthetic_file(tmp_path, seed=2))
    real_read = pipeline.read_upload

    def read(sources, **kwargs):
        if sources[0].path.parent.name == str(poison.pk):
            raise RuntimeError("worker crashed on this file")
        return real_read(sources, **kwargs)

    monkeypatch.setattr(pipeline, "read_upload", read)
    outcomes = [
        pipeline.upload_process(upload_id=poison.pk)
        for _ in range(settings.CLEARRECORD_INGEST_MAX_ATTEMPTS + 1)
    ]
    assert outcomes == ["retry"] * settings.CLEARRECORD_INGEST_MAX_ATTEMPTS + ["skipped"]
    poison.refresh_from_db()
    assert poison.status == Status.FAILED
    assert poison.error_code == "TOO_MANY_ATTEMPTS"
    assert (
        f"could not be processed after {settings.CLEARRECORD_INGEST_MAX_ATTEMPTS} attempts"
        in poison.error_message
    )
    assert pipeline.upload_process(upload_id=healthy.pk) == "published"
    # the failed upload no longer blocks its file: a corrected attempt may be uploaded
    assert not UploadFile.objects.get(upload=poison).blocks_duplicates


def test_the_same_file_twice_is_refused_naming_the_earlier_upload(
    prosecutor, tmp_path, no_enqueue
) -> None:
    path = synthetic_file(tmp_path)
    first = make_upload(prosecutor, path)
    with pytest.raises(DuplicateUpload) as caught:
        make_upload(prosecutor, path)
    assert f"upload #{first.pk}" in str(caught.value)
    assert Upload.objects.count() == 1


def test_the_same_file_in_another_county_is_accepted(
    prosecutor, outsider, tmp_path, no_enqueue
) -> None:
    path = synthetic_file(tmp_path)
    make_upload(prosecutor, path)
    make_upload(outsider, path)
    assert Upload.objects.count() == 2


def test_two_concurrent_identical_uploads_produce_one(prosecutor, tmp_path, no_enqueue) -> None:
    path = synthetic_file(tmp_path)
    files = [incoming(path), incoming(path)]
    barrier = threading.Barrier(2)
    results: list[object] = []
    real_earlier = services._earlier_upload
    local = threading.local()

    def racing_earlier(county, sha256):
        found = real_earlier(county, sha256)
        if not getattr(local, "waited", False):
            local.waited = True
            barrier.wait(timeout=10)  # both threads pass the early check before either inserts
        return found

    services._earlier_upload = racing_earlier
    try:

        def upload(f):
            try:
                results.append(
                    services.upload_create(
                        user=prosecutor, compute_at=dt.date(2026, 7, 1), rule_set="statutory",
                        options=None, files=[f],
                    )
                )  # fmt: skip
            except DuplicateUpload as exc:
                results.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=upload, args=(f,)) for f in files]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        services._earlier_upload = real_earlier
    assert Upload.objects.count() == 1
    assert sorted(type(r).__name__ for r in results) == ["DuplicateUpload", "Upload"]


def test_three_percent_malformed_rows_publish_with_the_rows_in_the_report(
    prosecutor, tmp_path, no_enqueue
) -> None:
    upload = make_upload(prosecutor, synthetic_file(tmp_path, rows=3000, malformed=0.03))
    assert pipeline.upload_process(upload_id=upload.pk) == "published"
    upload.refresh_from_db()
    assert 40 < upload.quarantined < 150
    errors = RowIssue.objects.filter(upload=upload, severity="error")
    assert errors.count() == upload.quarantined
    assert all(line > 1 for line in errors.values_list("line", flat=True))
    assert sum(upload.errors.values()) == upload.quarantined


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "looks like a PDF document"),
        (b"PK\x03\x04\x14\x00\x00\x00", "looks like a ZIP archive"),
        (b"\x1f\x8b\x08\x00\x00\x00", "looks like a GZIP-compressed file"),
        (bytes(range(256)) * 8, "looks like a binary file"),
    ],
)
def test_binary_files_are_refused_at_upload_in_plain_words(
    prosecutor, tmp_path, no_enqueue, content, words
) -> None:
    path = tmp_path / "report.csv"
    path.write_bytes(content)
    with pytest.raises(FileRefused, match=words):
        make_upload(prosecutor, path)
    assert Upload.objects.count() == 0


def test_a_random_csv_is_rejected_with_a_clear_message(prosecutor, tmp_path, no_enqueue) -> None:
    path = tmp_path / "sales.csv"
    path.write_text(
        "region,month,amount\n" + "".join(f"north,{m},{m * 10}\n" for m in range(1, 300))
    )
    upload = make_upload(prosecutor, path)
    assert pipeline.upload_process(upload_id=upload.pk) == "rejected"
    upload.refresh_from_db()
    assert upload.status == Status.FAILED
    assert "sales.csv" in upload.error_message
    assert upload.error_code
    assert counts(upload) == (0, 0, 0, 0)


def test_original_files_are_deleted_after_retention_and_the_rows_stay(
    prosecutor, tmp_path, no_enqueue, settings
) -> None:
    upload = make_upload(prosecutor, synthetic_file(tmp_path))
    pipeline.upload_process(upload_id=upload.pk)
    stored = services.stored_file_path(upload.files.get())
    assert stored.exists()
    assert services.upload_delete_expired_files() == 0
    later = timezone.now() + dt.timedelta(days=settings.CLEARRECORD_UPLOAD_RETENTION_DAYS + 1)
    assert services.upload_delete_expired_files(now=later) == 1
    assert not stored.exists()
    assert upload.files.get().deleted_at is not None
    upload.refresh_from_db()
    assert raw_line_count(upload_id=upload.pk) == upload.data_rows


def test_reevaluation_never_changes_decisions_and_flags_changed_decided_convictions(
    prosecutor, supervisor, tmp_path, no_enqueue, monkeypatch
) -> None:
    upload = make_upload(prosecutor, synthetic_file(tmp_path, rows=3000), rule_set="statutory")
    pipeline.upload_process(upload_id=upload.pk)
    upload.refresh_from_db()
    first = Evaluation.objects.get(upload=upload)
    # a reviewer decided some convictions; reducing nothing now changes their determinations
    decided = list(
        Conviction.objects.filter(upload=upload, section="11359")[:5].values_list("pk", flat=True)
    )
    assert decided
    Conviction.objects.filter(pk__in=decided).update(review_state=ReviewState.NOT_CHALLENGED)
    sent: list[int] = []
    from clearrecord.intake import tasks

    monkeypatch.setattr(tasks.process_evaluation, "delay", sent.append)
    second = services.evaluation_request(
        user=supervisor, upload=upload, compute_at=upload.compute_at, rule_set="statutory",
        options={"baselineEligibility": {"dismiss": [], "reduce": []}},
    )  # fmt: skip
    assert sent == [second.pk]
    assert pipeline.evaluation_process(evaluation_id=second.pk) == "complete"
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_current, second.is_current) == (False, True)
    assert second.changed > 0
    states = dict(Conviction.objects.filter(pk__in=decided).values_list("pk", "review_state"))
    assert set(states.values()) == {ReviewState.NOT_CHALLENGED}  # decisions untouched
    attention = Conviction.objects.filter(upload=upload, needs_attention=True)
    assert attention.count() == second.flagged_for_attention > 0
    assert set(attention.values_list("review_state", flat=True)) == {ReviewState.NOT_CHALLENGED}
    current = Conviction.objects.filter(upload=upload).values_list(
        "current_determination__evaluation", flat=True
    )
    assert set(current) == {second.pk}
