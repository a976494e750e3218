"""Retention and purge of a county's records (issue #7).

`upload_purge` deletes everything that identifies people in one finished upload — raw rows,
subjects, convictions, determinations, row issues, the decisions, objections, comments and
assignments of those convictions, and the stored original files — and keeps what is
de-identified: the `Upload` row with its counts, the `Evaluation` rows with their statistics
(`eligibility.stats` summaries) and the audit log, which holds ids and counts only and so never
blocks a purge. The purge is one transaction and writes `upload.purged`.

An upload with a conviction in an export batch is **held**: the court CSV and order PDF, the
orders the clerk recorded and the report to DOJ all refer to those convictions, so deleting them
would destroy the county's record of a court order. `upload_purge` refuses it with
`HeldByCourtBatch` and retention passes it over (logging the id of each upload it holds).

`uploads_purge_expired` is the beat task's body: with `CLEARRECORD_EVALUATION_RETENTION_DAYS`
> 0 it purges every finished upload whose newest evaluation is older than that many days.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from clearrecord.audit.services import audit_record
from clearrecord.cases.models import Conviction, Determination, Evaluation, RawBlock, Subject
from clearrecord.cases.raw import raw_line_count
from clearrecord.exports.models import BatchItem
from clearrecord.intake.models import RowIssue, Status, Upload, UploadFile
from clearrecord.intake.services import stored_file_path, uploads_root
from clearrecord.review.models import Assignment, Comment, Decision, Objection

from .errors import HeldByCourtBatch, NotFinished

logger = logging.getLogger(__name__)

FINISHED_STATUSES = (Status.PUBLISHED, Status.FAILED)
UNFINISHED_EVALUATIONS = (Evaluation.State.QUEUED, Evaluation.State.RUNNING)


def upload_purge(*, upload_id: int, actor: Any = None, reason: str = "manual") -> dict[str, int]:
    """Delete the upload's personal records (see the module docstring); the counts deleted.

    Raises `Upload.DoesNotExist`, or `NotFinished` while the upload or an evaluation is running.
    """
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload_id)
        if upload.status not in FINISHED_STATUSES:
            raise NotFinished(f"Upload #{upload_id} is still being processed; purge it later.")
        if upload.evaluations.filter(state__in=UNFINISHED_EVALUATIONS).exists():
            raise NotFinished(f"An evaluation of upload #{upload_id} is running; purge it later.")
        sent = BatchItem.objects.filter(conviction__upload_id=upload_id).count()
        if sent:
            raise HeldByCourtBatch(
                f"Upload #{upload_id} is kept: {sent} of its convictions were sent to the court "
                "in export batches, and those batches and the court's orders refer to them."
            )
        convictions = Conviction.objects.filter(upload_id=upload_id)
        counts = {
            "raw_rows": raw_line_count(upload_id=upload_id),
            "subjects": Subject.objects.filter(upload_id=upload_id).count(),
            "convictions": convictions.count(),
        }
        # Children first, each one set-wise DELETE, so the collector never walks millions of rows.
        counts["comments"] = (
            Comment.objects.filter(subject__upload_id=upload_id).delete()[0]
            + Comment.objects.filter(conviction__upload_id=upload_id).delete()[0]
        )
        counts["decisions"] = Decision.objects.filter(conviction__upload_id=upload_id).delete()[0]
        counts["objections"] = Objection.objects.filter(conviction__upload_id=upload_id).delete()[0]
        Assignment.objects.filter(conviction__upload_id=upload_id).delete()
        convictions.update(current_determination=None)
        counts["determinations"] = Determination.objects.filter(
            evaluation__upload_id=upload_id
        ).delete()[0]
        convictions.delete()
        Subject.objects.filter(upload_id=upload_id).delete()
        RawBlock.objects.filter(upload_id=upload_id).delete()
        counts["row_issues"] = RowIssue.objects.filter(upload_id=upload_id).delete()[0]
        files = list(UploadFile.objects.filter(upload_id=upload_id, deleted_at__isnull=True))
        UploadFile.objects.filter(pk__in=[f.pk for f in files]).update(deleted_at=timezone.now())
        counts["files"] = len(files)
        audit_record(
            action="upload.purged",
            actor=actor,
            obj=upload,
            county=upload.county,
            detail={"reason": reason, **counts},
        )
        transaction.on_commit(lambda: _delete_files(upload_id, files))
    logger.info("upload %s purged (%s)", upload_id, reason)
    return counts


def _delete_files(upload_id: int, files: list[UploadFile]) -> None:
    for f in files:
        stored_file_path(f).unlink(missing_ok=True)
    folder = uploads_root() / str(upload_id)
    if folder.is_dir():
        shutil.rmtree(folder, ignore_errors=True)


def uploads_due_for_purge(*, now: dt.datetime | None = None) -> list[int]:
    """Finished uploads still holding records whose newest evaluation is past retention.

    Uploads held by a court batch (see the module docstring) are not among them.
    """
    days = settings.CLEARRECORD_EVALUATION_RETENTION_DAYS
    if days <= 0:
        return []
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    return list(
        Upload.objects.filter(status__in=FINISHED_STATUSES, created_at__lt=cutoff)
        # A what-if trial is a look at the data, not a use of it: it does not keep an upload.
        .annotate(
            newest=Max(
                "evaluations__created_at",
                filter=Q(evaluations__purpose=Evaluation.Purpose.REVIEW),
            )
        )
        .exclude(newest__gte=cutoff)
        .exclude(evaluations__state__in=UNFINISHED_EVALUATIONS)
        .exclude(Exists(BatchItem.objects.filter(conviction__upload=OuterRef("pk"))))
        .filter(
            Exists(RawBlock.objects.filter(upload=OuterRef("pk")))
            | Exists(Subject.objects.filter(upload=OuterRef("pk")))
            | Exists(RowIssue.objects.filter(upload=OuterRef("pk")))
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def uploads_purge_expired(*, now: dt.datetime | None = None) -> list[int]:
    """Purge every upload past `CLEARRECORD_EVALUATION_RETENTION_DAYS` (0: off)."""
    purged = []
    for upload_id in uploads_due_for_purge(now=now):
        try:
            upload_purge(upload_id=upload_id, reason="retention")
        except NotFinished:  # started again in between: next run
            continue
        except HeldByCourtBatch:  # exported in between: kept from now on
            logger.info("upload %s held by a court batch; not purged", upload_id)
            continue
        purged.append(upload_id)
    return purged
