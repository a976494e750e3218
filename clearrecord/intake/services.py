"""Ingest actions: create an upload, claim and release jobs, fail, resume, re-evaluate, retain.

Each function is keyword-only, runs in one transaction, writes its audit event, and enqueues
follow-up work on commit. The heavy processing is in `clearrecord.intake.pipeline`.

Claiming (the database holds job state, not the broker):

1. `upload_claim` moves a queued job, or a running job whose lease expired (its worker died),
   to ``validating`` with one conditional UPDATE, a fresh `claim_token` and ``attempts + 1``;
   a duplicated or retried task finds nothing to claim and does nothing.
2. A job claimed more than `CLEARRECORD_INGEST_MAX_ATTEMPTS` times is a poison job: it fails
   with plain words instead of being run again, and releases its files.
3. Publication is a conditional UPDATE on the same token inside the data transaction, so only
   one worker's rows can ever be committed (`pipeline.upload_process`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from clearrecord.audit.services import audit_record
from eligibility.rules import validate_options

from .errors import DuplicateUpload, FileRefused, NotReady
from .models import ACTIVE_STATUSES, Status, Upload, UploadFile

logger = logging.getLogger(__name__)


def uploads_root() -> Path:
    return Path(settings.VAR_DIR) / "uploads"


def stored_file_path(upload_file: UploadFile) -> Path:
    return uploads_root() / upload_file.stored_path


def _earlier_upload(county: str, sha256: str) -> int | None:
    return (
        UploadFile.objects.filter(county=county, sha256=sha256, blocks_duplicates=True)
        .values_list("upload_id", flat=True)
        .first()
    )


def upload_create(
    *,
    user: Any,
    compute_at: dt.date,
    rule_set: str,
    options: dict[str, Any] | None,
    files: Sequence[Any],
    request: Any = None,
) -> Upload:
    """Store the streamed files of a new upload for the user's county and enqueue processing.

    `files` are `clearrecord.intake.uploads.IncomingFile`s (on disk, hashed, sniffed). Raises
    OptionsError (the engine's exact message), FileRefused or DuplicateUpload.
    """
    validated = validate_options(rule_set, options)
    if not files:
        raise FileRefused("Choose at least one DOJ research file to upload.")
    seen: set[str] = set()
    for f in files:
        if f.size == 0:
            raise FileRefused(f'The file "{f.name}" is empty.')
        if f.sniffed:
            raise FileRefused(f'"{f.name}": {f.sniffed}')
        if f.sha256 in seen:
            raise FileRefused(f'The file "{f.name}" was chosen twice in this upload.')
        seen.add(f.sha256)
        earlier = _earlier_upload(user.county, f.sha256)
        if earlier is not None:
            raise DuplicateUpload(earlier_id=earlier, file_name=f.name)
    folder: Path | None = None
    try:
        with transaction.atomic():
            upload = Upload.objects.create(
                county=user.county,
                created_by=user,
                compute_at=compute_at,
                rule_set=rule_set,
                options=validated.as_json,
                options_digest=validated.digest,
                phase="Waiting for a worker",
            )
            folder = uploads_root() / str(upload.pk)
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            for number, f in enumerate(files, start=1):
                relative = f"{upload.pk}/{number}.csv"
                UploadFile.objects.create(
                    upload=upload,
                    county=user.county,
                    number=number,
                    original_name=Path(f.name).name[:255],
                    size=f.size,
                    sha256=f.sha256,
                    stored_path=relative,
                )
                # a hard link from the incoming folder (same disk): no second copy of 2 GB
                os.link(f.temporary_file_path(), uploads_root() / relative)
            audit_record(
                action="upload.created",
                actor=user,
                request=request,
                obj=upload,
                county=user.county,
                detail={"files": len(files), "bytes": sum(f.size for f in files)},
            )
            transaction.on_commit(lambda: _enqueue(upload.pk))
    except IntegrityError as exc:
        # Two identical uploads at once: the partial unique index let exactly one through.
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        for f in files:
            earlier = _earlier_upload(user.county, f.sha256)
            if earlier is not None:
                raise DuplicateUpload(earlier_id=earlier, file_name=f.name) from exc
        raise
    return upload


def _enqueue(upload_id: int, countdown: int = 0) -> None:
    """Send the id to a worker; if the broker is down, the periodic check sends it later."""
    from . import tasks

    try:
        tasks.process_upload.apply_async((upload_id,), countdown=countdown)
    except Exception as exc:  # the upload is safely queued in the database either way
        logger.warning("upload %s not sent to the broker (%s)", upload_id, type(exc).__name__)


def upload_claim(*, upload_id: int, now: dt.datetime | None = None) -> str | None:
    """Claim the job (step 1 of the module docstring); the new token, or None when not claimable."""
    now = now or timezone.now()
    token = secrets.token_hex(16)
    lease = now + dt.timedelta(seconds=settings.CLEARRECORD_INGEST_LEASE_SECONDS)
    claimed = (
        Upload.objects.filter(pk=upload_id)
        .filter(Q(status=Status.QUEUED) | Q(status__in=ACTIVE_STATUSES, lease_expires_at__lt=now))
        .update(
            status=Status.VALIDATING,
            claim_token=token,
            lease_expires_at=lease,
            heartbeat_at=now,
            attempts=F("attempts") + 1,
            started_at=Coalesce(F("started_at"), now),
            phase="Starting",
            progress_done=0,
            progress_total=0,
        )
    )
    if claimed != 1:
        return None
    attempts = Upload.objects.values_list("attempts", flat=True).get(pk=upload_id)
    if attempts > settings.CLEARRECORD_INGEST_MAX_ATTEMPTS:
        upload_fail(
            upload_id=upload_id,
            token=token,
            code="TOO_MANY_ATTEMPTS",
            message=(
                f"The upload could not be processed after {attempts - 1} attempts; the worker "
                "stopped each time. The file may be damaged: check it and upload it again, or "
                "contact your administrator."
            ),
        )
        return None
    return token


def upload_fail(*, upload_id: int, token: str, code: str, message: str) -> bool:
    """Mark a claimed job failed (plain words, no row contents) and release its files."""
    with transaction.atomic():
        changed = (
            Upload.objects.filter(pk=upload_id, claim_token=token)
            .exclude(status=Status.PUBLISHED)
            .update(
                status=Status.FAILED,
                error_code=code,
                error_message=message,
                phase="",
                lease_expires_at=None,
                finished_at=timezone.now(),
            )
        )
        if changed:
            UploadFile.objects.filter(upload_id=upload_id).update(blocks_duplicates=False)
            upload = Upload.objects.get(pk=upload_id)
            audit_record(
                action="upload.failed",
                actor=upload.created_by,
                obj=upload,
                county=upload.county,
                outcome="failure",
                detail={"code": code, "attempts": upload.attempts},
            )
    logger.info("upload %s failed with %s", upload_id, code)
    return bool(changed)


def upload_release(*, upload_id: int, token: str, code: str) -> bool:
    """Give a claimed job back to the queue after an unexpected error (retried, bounded)."""
    changed = (
        Upload.objects.filter(pk=upload_id, claim_token=token)
        .exclude(status__in=(Status.PUBLISHED, Status.FAILED))
        .update(
            status=Status.QUEUED,
            claim_token="",  # nosec B106 (a claim token, not a password)
            lease_expires_at=None,
            error_code=code,
            phase="Waiting to try again",
        )
    )
    if changed:
        transaction.on_commit(lambda: _enqueue(upload_id, countdown=5))
    return bool(changed)


def upload_resume_stalled(*, now: dt.datetime | None = None) -> list[int]:
    """Re-enqueue jobs whose worker died (lease expired) and queued jobs left unclaimed.

    The task it enqueues claims the job itself, so enqueueing twice is harmless.
    """
    now = now or timezone.now()
    stale_queue = now - dt.timedelta(seconds=settings.CLEARRECORD_INGEST_LEASE_SECONDS)
    ids = list(
        Upload.objects.filter(
            Q(status__in=ACTIVE_STATUSES, lease_expires_at__lt=now)
            | Q(status=Status.QUEUED, created_at__lt=stale_queue)
        ).values_list("pk", flat=True)[:100]
    )
    for upload_id in ids:
        logger.info("upload %s resumed by the periodic check", upload_id)
        _enqueue(upload_id)
    from clearrecord.cases.models import Evaluation

    eval_ids = list(
        Evaluation.objects.for_review()  # what-if trials: clearrecord/reports/tasks.py
        .filter(
            Q(state=Evaluation.State.RUNNING, lease_expires_at__lt=now)
            | Q(state=Evaluation.State.QUEUED, created_at__lt=stale_queue)
        )
        .values_list("pk", flat=True)[:100]
    )
    from . import tasks

    for evaluation_id in eval_ids:
        tasks.process_evaluation.delay(evaluation_id)
    return ids


def upload_delete_expired_files(*, now: dt.datetime | None = None) -> int:
    """Delete original files older than the retention period; the database keeps the rows."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.CLEARRECORD_UPLOAD_RETENTION_DAYS)
    files = list(
        UploadFile.objects.filter(deleted_at__isnull=True, upload__created_at__lt=cutoff)
        .exclude(upload__status__in=(Status.QUEUED, *ACTIVE_STATUSES))
        .select_related("upload")
    )
    for f in files:
        stored_file_path(f).unlink(missing_ok=True)
    if files:
        with transaction.atomic():
            UploadFile.objects.filter(pk__in=[f.pk for f in files]).update(deleted_at=now)
            audit_record(
                action="upload.files_deleted",
                object_type="intake.uploadfile",
                detail={
                    "files": len(files),
                    "retention_days": settings.CLEARRECORD_UPLOAD_RETENTION_DAYS,
                },
            )
    return len(files)


def evaluation_request(
    *,
    user: Any,
    upload: Upload,
    compute_at: dt.date,
    rule_set: str,
    options: dict[str, Any] | None,
    request: Any = None,
) -> Any:
    """Queue a re-evaluation of a published upload with other options (a new Evaluation)."""
    from clearrecord.cases.models import Evaluation

    validated = validate_options(rule_set, options)
    if upload.status != Status.PUBLISHED:
        raise NotReady("Only a published upload can be evaluated again.")
    if upload.files.filter(deleted_at__isnull=False).exists():
        raise NotReady(
            "The original files of this upload were deleted after the retention period; "
            "upload them again to evaluate with other options."
        )
    if (
        Evaluation.objects.for_review()  # a what-if trial running does not hold this up
        .filter(upload=upload, state__in=(Evaluation.State.QUEUED, Evaluation.State.RUNNING))
        .exists()
    ):
        raise NotReady("A re-evaluation of this upload is already running.")
    with transaction.atomic():
        evaluation = Evaluation.objects.create(
            upload=upload,
            created_by=user,
            rule_set=rule_set,
            options=validated.as_json,
            options_digest=validated.digest,
            compute_at=compute_at,
        )
        audit_record(
            action="evaluation.requested",
            actor=user,
            request=request,
            obj=evaluation,
            county=upload.county,
            detail={"upload": upload.pk, "rule_set": rule_set},
        )
        from . import tasks

        transaction.on_commit(lambda: tasks.process_evaluation.delay(evaluation.pk))
    return evaluation
