from __future__ import annotations

import pytest

from clearrecord.cases.models import Conviction, Determination, Evaluation, RawRow, Subject
from clearrecord.intake import pipeline
from clearrecord.intake.models import RowIssue, Status, Upload
from tests.intake.builders import make_upload, synthetic_file

pytestmark = pytest.mark.django_db(transaction=True)


def test_upload_publishes(prosecutor, tmp_path, no_enqueue) -> None:
    upload = make_upload(prosecutor, synthetic_file(tmp_path, rows=2000, malformed=0.03))
    assert no_enqueue == [upload.pk]
    assert pipeline.upload_process(upload_id=upload.pk) == "published"
    upload.refresh_from_db()
    assert upload.status == Status.PUBLISHED, upload.error_message
    print(upload.data_rows, upload.quarantined, upload.relevant_convictions, upload.timings)
    assert RawRow.objects.filter(upload=upload).count() == upload.data_rows
    assert Conviction.objects.filter(upload=upload).count() == upload.relevant_convictions
    assert Determination.objects.count() == upload.relevant_convictions
    assert Subject.objects.count() > 0
    assert Evaluation.objects.get().is_current
    assert RowIssue.objects.filter(upload=upload, severity="error").count() == upload.quarantined
    assert Upload.objects.get().files.get().data_rows == upload.data_rows
