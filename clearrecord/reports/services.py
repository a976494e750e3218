"""What-if trials: an evaluation computed only to be compared (issue #8).

A DA asks "what if we chose these options?" for a published upload. `whatif_request` answers with
an evaluation that already holds those choices (the same upload, rule set and version, compute
date and normalised options), or queues a new *trial* (`Evaluation.purpose = whatif`) for the
`reports.evaluate_whatif` task. `whatif_process`, run by that task:

1. Claim the trial with the pipeline's conditional UPDATE (`pipeline.evaluation_claim`); nothing to
   claim means another worker has it or it is finished: return.
2. Read the upload's files again and evaluate them (`pipeline.evaluation_compute`), writing the
   phase and bytes read to the trial's row (its page polls them), which also renews the lease.
3. In one transaction: COPY its determinations (lean: `_store_determinations`), then the
   conditional UPDATE to ``complete`` on the claim token. Convictions are never written: a trial
   is never current, so review state, versions, ``needs_attention`` and decisions stay as they
   are (the database refuses a current trial: `evaluation_trial_never_current`).
4. Compare the trial with the upload's current evaluation once, here, so the page that asked for
   it reads the cached transition table (`selectors.whatif_transitions`).

Logs carry ids and exception types only.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from clearrecord.audit.services import audit_record
from clearrecord.cases.models import Evaluation
from clearrecord.intake import pgcopy, pipeline
from clearrecord.intake.errors import LostClaim, NotReady
from clearrecord.intake.models import Status, Upload
from clearrecord.intake.progress import ProgressWriter
from eligibility.model import Determination
from eligibility.rules import RULE_SETS, validate_options

from . import selectors

logger = logging.getLogger(__name__)

READING = "Reading the files again"
STORING = "Storing the determinations"
COMPARING = "Comparing"


class TrialProgress(ProgressWriter):
    """The pipeline's progress writer, aimed at the trial's own phase and counts."""

    def update(self, phase: str, done: int, total: int, unit: str, *, force: bool = False) -> None:
        percent = int(100 * done / total) if total else 0
        if not force and phase == self.last_phase and percent == self.last_percent:
            return
        self.last_phase, self.last_percent = phase, percent
        with self.conn.cursor() as cur:
            cur.execute(
                "UPDATE cases_evaluation SET phase = %s, progress_done = %s,"
                " progress_total = %s, lease_expires_at = %s"
                " WHERE id = %s AND claim_token = %s",
                [phase, done, total, self.lease_until(), self.row_id, self.token],
            )
            if cur.rowcount != 1:
                raise LostClaim


def _same_choices(upload: Upload, rule_set: str, compute_at: dt.date, digest: str) -> Q:
    return Q(
        upload=upload,
        rule_set=rule_set,
        rule_set_version=RULE_SETS[rule_set].version,
        compute_at=compute_at,
        options_digest=digest,
    )


def whatif_request(
    *,
    user: Any,
    upload: Upload,
    compute_at: dt.date,
    rule_set: str,
    options: dict[str, Any] | None,
    request: Any = None,
) -> Evaluation:
    """The evaluation of `upload` with these choices: reused when one exists, else a new trial.

    An evaluation of the upload that completed with the same choices (a review one included)
    is returned as it is; so is a trial of them that is queued, running or complete. Otherwise a
    trial is created and its task enqueued on commit. Raises `OptionsError` or `NotReady`.
    """
    validated = validate_options(rule_set, options)
    if upload.status != Status.PUBLISHED:
        raise NotReady("Only a published upload can be compared with other options.")
    same = _same_choices(upload, rule_set, compute_at, validated.digest)
    existing = (
        Evaluation.objects.filter(same)
        .filter(
            Q(state=Evaluation.State.COMPLETE)
            | Q(purpose=Evaluation.Purpose.WHATIF, state__in=(Evaluation.State.QUEUED,
                                                             Evaluation.State.RUNNING))
        )
        .order_by("-is_current", "state", "-created_at")  # the current one, else complete first
        .first()
    )  # fmt: skip
    if existing is not None:
        return existing
    if upload.files.filter(deleted_at__isnull=False).exists():
        raise NotReady(
            "The original files of this upload were deleted after the retention period; "
            "other options can no longer be tried on it."
        )
    try:
        with transaction.atomic():
            trial = Evaluation.objects.create(
                upload=upload,
                created_by=user,
                purpose=Evaluation.Purpose.WHATIF,
                rule_set=rule_set,
                rule_set_version=RULE_SETS[rule_set].version,
                options=validated.as_json,
                options_digest=validated.digest,
                compute_at=compute_at,
            )
            audit_record(
                action="whatif.requested",
                actor=user,
                request=request,
                obj=trial,
                county=upload.county,
                detail={"upload": upload.pk, "rule_set": rule_set},
            )
            from . import tasks

            transaction.on_commit(lambda: tasks.evaluate_whatif.delay(trial.pk))
    except IntegrityError:
        # Another request asked for the same choices at the same moment: use its trial.
        return Evaluation.objects.trials().filter(same).exclude(state=Evaluation.State.FAILED).get()
    return trial


def whatif_process(*, evaluation_id: int) -> str:
    """Steps 1-4 of the module docstring; returns a one-word outcome for the task result."""
    if not Evaluation.objects.trials().filter(pk=evaluation_id).exists():
        return "skipped"  # only trials: a review evaluation is the pipeline's (it moves review)
    token = pipeline.evaluation_claim(evaluation_id=evaluation_id)
    if token is None:
        return "skipped"
    return pipeline.evaluation_attempt(
        evaluation_id, token, _process, fail=_fail, label="what-if", writer=TrialProgress
    )


def _fail(evaluation_id: int, token: str, message: str) -> None:
    Evaluation.objects.filter(pk=evaluation_id, claim_token=token).exclude(
        state=Evaluation.State.COMPLETE
    ).update(
        state=Evaluation.State.FAILED,
        error_message=message,
        phase="",
        lease_expires_at=None,
        finished_at=timezone.now(),
    )


def _process(evaluation_id: int, token: str, progress: TrialProgress) -> None:
    trial = Evaluation.objects.select_related("upload").get(pk=evaluation_id)
    timings: dict[str, float] = {}
    progress.update(READING, 0, 0, "bytes", force=True)
    determinations, statistics = pipeline.evaluation_compute(
        trial,
        progress=lambda done, total: progress.update(READING, done, total, "bytes"),
        timings=timings,
    )
    progress.update(STORING, 0, 0, "", force=True)
    started, cpu = time.monotonic(), time.process_time()
    summary = pipeline.statistics_summary(statistics)
    digest = pipeline.determinations_digest(determinations)
    del statistics
    pipeline.record_lap(timings, "summarise", started, cpu)
    started, cpu = time.monotonic(), time.process_time()
    with transaction.atomic(), connection.cursor() as wrapper:
        stored = _store_determinations(
            wrapper.cursor, trial.upload_id, evaluation_id, determinations
        )
        del determinations
        done = Evaluation.objects.filter(
            pk=evaluation_id,
            claim_token=token,
            state=Evaluation.State.RUNNING,
            purpose=Evaluation.Purpose.WHATIF,
        ).update(
            state=Evaluation.State.COMPLETE,
            stats=summary,
            results_digest=digest,
            phase=COMPARING,
            progress_done=0,
            progress_total=0,
            lease_expires_at=None,
            finished_at=timezone.now(),
        )
        if done != 1:
            raise LostClaim
    pipeline.record_lap(timings, "store", started, cpu)
    started, cpu = time.monotonic(), time.process_time()
    # 4. The page that asked compares with the current evaluation: do it now, once, into the
    # cache. A failure here costs nothing but speed (the page computes it on first request).
    trial.refresh_from_db()
    current = Evaluation.objects.for_review().filter(upload_id=trial.upload_id, is_current=True)
    for a in current:
        try:
            selectors.whatif_transitions(a=a, b=trial)
        except Exception as exc:  # noqa: BLE001 (a cache warm-up; the page recomputes)
            logger.warning(
                "what-if %s: comparison not cached (%s)", evaluation_id, type(exc).__name__
            )
    pipeline.record_lap(timings, "compare", started, cpu)
    Evaluation.objects.filter(pk=evaluation_id).update(phase="", timings=timings)
    logger.info("what-if %s complete: %s determinations", evaluation_id, stored)


def _store_determinations(
    cursor: Any, upload_id: int, evaluation_id: int, determinations: list[Determination]
) -> int:
    """COPY what a comparison reads of each determination of the upload's stored convictions.

    Outcome, rule, reason, remedy and flags; not the explanation text and evidence rows, which
    only the conviction page shows, and always from the current evaluation. They are most of
    the bytes of a determination, and a trial is compared, never reviewed.
    """
    conviction_ids = pipeline.conviction_ids_by_row(upload_id)
    rows = []
    for d in determinations:
        conviction_id = conviction_ids.get((d.conviction_ref.file, d.conviction_ref.line))
        if conviction_id is not None:  # the upload's own convictions only, as stored at ingest
            rows.append(
                (
                    evaluation_id, conviction_id, d.outcome.value, d.rule_id, d.reason, "",
                    d.citation, "[]", d.remedy.value if d.remedy else "", d.remedy_citation,
                    list(d.flags), d.compat_determination, d.compat_reason,
                )
            )  # fmt: skip
    return pgcopy.copy_text(cursor, "cases_determination", TRIAL_COLUMNS, rows)


TRIAL_COLUMNS = (
    "evaluation_id", "conviction_id", "outcome", "rule_id", "reason", "explanation", "citation",
    "evidence", "remedy", "remedy_citation", "flags", "compat_determination", "compat_reason",
)  # fmt: skip


def whatif_resume_stalled(*, now: dt.datetime | None = None) -> list[int]:
    """Re-enqueue trials whose worker died (lease expired) or that no worker picked up."""
    now = now or timezone.now()
    stale_queue = now - dt.timedelta(seconds=settings.CLEARRECORD_INGEST_LEASE_SECONDS)
    ids = list(
        Evaluation.objects.trials()
        .filter(
            Q(state=Evaluation.State.RUNNING, lease_expires_at__lt=now)
            | Q(state=Evaluation.State.QUEUED, created_at__lt=stale_queue)
        )
        .values_list("pk", flat=True)[:100]
    )
    from . import tasks

    for evaluation_id in ids:
        tasks.evaluate_whatif.delay(evaluation_id)
    return ids
