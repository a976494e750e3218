"""Purging a finished upload: personal records go, de-identified statistics and the audit stay."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clearrecord.audit.models import AuditEvent
from clearrecord.cases.models import Conviction, Determination, Evaluation, RawBlock, Subject
from clearrecord.cases.raw import raw_line_count
from clearrecord.intake.models import RowIssue, Status, Upload, UploadFile
from clearrecord.intake.services import stored_file_path
from clearrecord.retention import services
from clearrecord.retention.errors import NotFinished
from clearrecord.review import services as review
from clearrecord.review.models import Comment, Decision

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reviewed(canary_upload, prosecutor, defender) -> Upload:
    """The canary upload with a decision and comments on it."""
    conviction = Conviction.objects.filter(upload=canary_upload).first()
    review.conviction_not_challenge(actor=prosecutor, conviction_id=conviction.pk)
    review.comment_add(actor=defender, body="Seen.", conviction_id=conviction.pk)
    review.comment_add(actor=defender, body="Person.", subject_id=conviction.subject_id)
    return canary_upload


def counts(upload: Upload) -> dict[str, int]:
    return {
        "raw": raw_line_count(upload_id=upload.pk),
        "subjects": Subject.objects.filter(upload=upload).count(),
        "convictions": Conviction.objects.filter(upload=upload).count(),
        "determinations": Determination.objects.filter(evaluation__upload=upload).count(),
        "decisions": Decision.objects.filter(conviction__upload=upload).count(),
        "comments": Comment.objects.filter(county=upload.county).count(),
        "issues": RowIssue.objects.filter(upload=upload).count(),
    }


def test_purge_deletes_people_and_keeps_statistics_and_audit(reviewed, supervisor) -> None:
    before = counts(reviewed)
    assert all(before[k] > 0 for k in ("raw", "subjects", "convictions", "decisions", "comments"))
    files = list(UploadFile.objects.filter(upload=reviewed))
    assert all(stored_file_path(f).exists() for f in files)
    stats = Evaluation.objects.get(upload=reviewed, is_current=True).stats
    audit_before = AuditEvent.objects.count()

    result = services.upload_purge(upload_id=reviewed.pk, actor=supervisor)

    assert result["convictions"] == before["convictions"]
    assert result["decisions"] == before["decisions"]
    assert all(v == 0 for v in counts(reviewed).values())
    assert not any(stored_file_path(f).exists() for f in files)
    assert all(f.deleted_at for f in UploadFile.objects.filter(upload=reviewed))
    upload = Upload.objects.get(pk=reviewed.pk)  # kept, with its counts
    assert upload.relevant_convictions == before["convictions"]
    assert Evaluation.objects.get(upload=reviewed, is_current=True).stats == stats != {}
    event = AuditEvent.objects.order_by("-pk").first()
    assert event.action == "upload.purged"
    assert event.object_id == str(reviewed.pk)
    assert event.detail["convictions"] == before["convictions"]
    assert AuditEvent.objects.count() == audit_before + 1  # nothing removed from the log


def test_the_upload_page_still_opens_after_a_purge(reviewed, prosecutor) -> None:
    services.upload_purge(upload_id=reviewed.pk)
    client = Client()
    client.force_login(prosecutor)
    assert client.get(reverse("intake:detail", args=[reviewed.pk])).status_code == 200
    assert client.get(reverse("review:queue")).status_code == 200


def test_an_upload_being_processed_is_not_purged(canary_upload) -> None:
    Upload.objects.filter(pk=canary_upload.pk).update(status=Status.EVALUATING)
    with pytest.raises(NotFinished):
        services.upload_purge(upload_id=canary_upload.pk)
    assert RawBlock.objects.filter(upload=canary_upload).exists()


def test_the_command_asks_for_confirmation(reviewed, monkeypatch) -> None:
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="Not confirmed"):
        call_command("purge_evaluation", "--upload", str(reviewed.pk), stdout=StringIO())
    assert Subject.objects.filter(upload=reviewed).exists()

    monkeypatch.setattr("builtins.input", lambda prompt: str(reviewed.pk))
    out = StringIO()
    call_command("purge_evaluation", "--upload", str(reviewed.pk), stdout=out)
    assert "purged" in out.getvalue()
    assert not Subject.objects.filter(upload=reviewed).exists()


def test_the_command_with_yes_and_an_unknown_upload(reviewed) -> None:
    with pytest.raises(CommandError, match="no upload"):
        call_command("purge_evaluation", "--upload", "999999", "--yes")
    call_command("purge_evaluation", "--upload", str(reviewed.pk), "--yes", stdout=StringIO())
    assert not RawBlock.objects.filter(upload=reviewed).exists()


def test_retention_is_off_by_default(reviewed, settings) -> None:
    assert settings.CLEARRECORD_EVALUATION_RETENTION_DAYS == 0
    later = timezone.now() + dt.timedelta(days=3650)
    assert services.uploads_purge_expired(now=later) == []
    assert RawBlock.objects.filter(upload=reviewed).exists()


def test_retention_purges_only_uploads_past_it(reviewed, settings) -> None:
    settings.CLEARRECORD_EVALUATION_RETENTION_DAYS = 30
    now = timezone.now()
    assert services.uploads_purge_expired(now=now + dt.timedelta(days=29)) == []
    assert services.uploads_purge_expired(now=now + dt.timedelta(days=31)) == [reviewed.pk]
    assert not Subject.objects.filter(upload=reviewed).exists()
    assert AuditEvent.objects.filter(action="upload.purged", detail__reason="retention").exists()
    # Already purged: nothing left to do.
    assert services.uploads_purge_expired(now=now + dt.timedelta(days=32)) == []


def test_the_beat_schedule_runs_the_task(settings) -> None:
    from clearrecord.retention.tasks import purge_expired

    entry = settings.CELERY_BEAT_SCHEDULE["retention-purge-expired"]
    assert entry["task"] == purge_expired.name
    assert purge_expired.run() == 0
