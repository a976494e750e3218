"""The pipeline through the real broker and a real (in-thread) Celery worker."""

from __future__ import annotations

import time

import pytest

from clearrecord.cases.models import Conviction
from clearrecord.cases.raw import raw_line_count
from clearrecord.intake.models import Status, Upload
from tests.intake.builders import make_upload, synthetic_file

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(upload: Upload, statuses: set[str], limit: float = 120.0) -> Upload:
    """Poll the row until it reaches one of `statuses` (the limit only stops a hung test)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        upload.refresh_from_db()
        if upload.status in statuses:
            return upload
        time.sleep(0.2)
    pytest.fail(f"upload stayed {upload.status}")


def test_an_upload_is_processed_by_a_worker_and_published(
    celery_worker, prosecutor, tmp_path
) -> None:
    upload = make_upload(prosecutor, synthetic_file(tmp_path, rows=3000, malformed=0.03))
    wait_for(upload, {Status.PUBLISHED, Status.FAILED})
    assert upload.status == Status.PUBLISHED, upload.error_message
    assert upload.attempts == 1
    assert raw_line_count(upload_id=upload.pk) == upload.data_rows
    assert Conviction.objects.filter(upload=upload).count() == upload.relevant_convictions > 0


def test_a_rejected_file_does_not_block_the_next_upload(
    celery_worker, prosecutor, tmp_path
) -> None:
    bad = tmp_path / "inventory.csv"
    bad.write_text("item,count\n" + "".join(f"widget{i},{i}\n" for i in range(500)))
    rejected = make_upload(prosecutor, bad)
    good = make_upload(prosecutor, synthetic_file(tmp_path, rows=1000))
    wait_for(rejected, {Status.PUBLISHED, Status.FAILED})
    wait_for(good, {Status.PUBLISHED, Status.FAILED})
    assert rejected.status == Status.FAILED
    assert "inventory.csv" in rejected.error_message
    assert good.status == Status.PUBLISHED
