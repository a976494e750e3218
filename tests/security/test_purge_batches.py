"""An upload whose convictions went to the court in an export batch is kept, not purged.

The batch's files, the clerk's recorded orders and the DOJ report refer to those convictions:
purging them would destroy the county's record of a court order (and the foreign keys forbid it).
"""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from clearrecord.cases.models import Conviction, Subject
from clearrecord.cases.raw import raw_line_count
from clearrecord.exports import services as exports
from clearrecord.exports.models import BatchItem
from clearrecord.retention import services
from clearrecord.retention.errors import HeldByCourtBatch

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def exported(canary_upload, supervisor, settings, tmp_path):
    """The canary upload with one conviction sent to the court in a batch."""
    settings.VAR_DIR = tmp_path
    conviction = Conviction.objects.filter(upload=canary_upload).order_by("pk").first()
    Conviction.objects.filter(pk=conviction.pk).update(review_state="ready_for_export")
    batch = exports.batch_build(user=supervisor)
    assert BatchItem.objects.filter(batch=batch, conviction=conviction).exists()
    return canary_upload


def _intact(upload) -> bool:
    return (
        raw_line_count(upload_id=upload.pk) > 0
        and Subject.objects.filter(upload=upload).exists()
        and Conviction.objects.filter(upload=upload).exists()
    )


def test_purge_refuses_an_upload_with_exported_convictions(exported) -> None:
    with pytest.raises(HeldByCourtBatch, match=r"1 of its convictions were sent to the court"):
        services.upload_purge(upload_id=exported.pk)
    assert _intact(exported)


def test_retention_passes_over_it_and_purges_the_rest(exported, canary_upload, settings) -> None:
    settings.CLEARRECORD_EVALUATION_RETENTION_DAYS = 30
    later = timezone.now() + dt.timedelta(days=31)
    assert services.uploads_due_for_purge(now=later) == []
    assert services.uploads_purge_expired(now=later) == []
    assert _intact(exported)

    BatchItem.objects.all().delete()  # without the batch, the same upload is due
    assert services.uploads_due_for_purge(now=later) == [exported.pk]


def test_retention_skips_one_exported_between_listing_and_purging(
    exported, settings, monkeypatch
) -> None:
    settings.CLEARRECORD_EVALUATION_RETENTION_DAYS = 30
    monkeypatch.setattr(services, "uploads_due_for_purge", lambda now=None: [exported.pk])
    assert services.uploads_purge_expired(now=timezone.now()) == []
    assert _intact(exported)


def test_the_command_says_why_it_kept_the_upload(exported) -> None:
    with pytest.raises(CommandError, match="is kept"):
        call_command("purge_evaluation", "--upload", str(exported.pk), "--yes", stdout=StringIO())
    assert _intact(exported)
