"""Acceptance 3: a synthetic upload with unique canary values runs the whole pipeline on a real
worker while logs, Celery messages and error output are captured; no canary value is in them.

Captured: every log record at DEBUG and above (caplog and an extra handler on the root logger,
so records of the worker thread are caught too), every Celery message published (body and
headers, from the `before_task_publish` signal, i.e. exactly what goes to the broker), the
process's stdout/stderr (capfd), the audit log, and the upload's stored error and warnings.
"""

from __future__ import annotations

import json
import logging
import time

import pytest
from celery.signals import before_task_publish

from clearrecord.audit.models import AuditEvent
from clearrecord.cases.models import Evaluation, Subject
from clearrecord.cases.raw import raw_line_count
from clearrecord.intake import services as intake
from clearrecord.intake.models import RowIssue, Status, Upload
from tests.intake.builders import COMPUTE_AT, make_upload

from .canary import NAME, canary_file, leaks

pytestmark = pytest.mark.django_db(transaction=True)


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        self.lines.append(text)


def wait_until(check, limit: float = 180.0):  # the limit only stops a hung test
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail("the pipeline did not finish")


def test_no_canary_value_reaches_logs_messages_or_error_output(
    celery_worker, supervisor, tmp_path, caplog, capfd
) -> None:
    caplog.set_level(logging.DEBUG)
    root = logging.getLogger()
    handler = Collect()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    messages: list[str] = []

    def on_publish(sender=None, body=None, headers=None, **kwargs) -> None:
        messages.append(
            f"{sender} {json.dumps(body, default=str)} {json.dumps(headers, default=str)}"
        )

    before_task_publish.connect(on_publish, weak=False)
    try:
        path = canary_file(tmp_path, rows=1500, malformed=0.03)
        upload = make_upload(supervisor, path)
        wait_until(
            lambda: (
                Upload.objects.filter(pk=upload.pk, status__in=[Status.PUBLISHED, Status.FAILED])
                .values_list("status", flat=True)
                .first()
            )
        )
        upload.refresh_from_db()
        assert upload.status == Status.PUBLISHED, upload.error_message
        # A re-evaluation through the worker as well.
        evaluation = intake.evaluation_request(
            user=supervisor,
            upload=upload,
            compute_at=COMPUTE_AT,
            rule_set="statutory",
            options=None,
        )
        wait_until(
            lambda: Evaluation.objects.filter(
                pk=evaluation.pk,
                state__in=[Evaluation.State.COMPLETE, Evaluation.State.FAILED],
            ).exists()
        )
    finally:
        before_task_publish.disconnect(on_publish)
        root.removeHandler(handler)
        root.setLevel(old_level)

    # The canary data really went through the pipeline ...
    assert Subject.objects.filter(upload=upload, name=NAME).exists()
    assert raw_line_count(upload_id=upload.pk) == upload.data_rows
    assert upload.quarantined > 0  # malformed rows were reported, too
    assert len(messages) >= 2  # the upload and the re-evaluation were sent to the broker
    assert handler.lines  # and the pipeline logged

    # ... and left no trace where it must not.
    out, err = capfd.readouterr()
    assert not leaks("\n".join(messages)), "Celery message"
    assert not leaks("\n".join(handler.lines)), "root logger"
    assert not leaks(caplog.text), "caplog"
    assert not leaks(out + err), "stdout/stderr"
    audit = json.dumps(list(AuditEvent.objects.values("action", "object_id", "detail")))
    assert not leaks(audit), "audit log"
    stored = json.dumps([upload.error_message, upload.warnings, upload.errors, upload.phase])
    assert not leaks(stored), "upload status fields"
    issues = " ".join(RowIssue.objects.filter(upload=upload).values_list("detail", flat=True))
    assert not leaks(issues), "row issue details"
