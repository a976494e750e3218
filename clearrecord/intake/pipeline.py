"""The ingest pipeline: validate, evaluate, store and publish one upload (or re-evaluate it).

`upload_process` (called by the `intake.process_upload` task with the upload's id):

1. Claim the job (`services.upload_claim`); nothing to claim means another worker has it or it
   is finished: return.
2. *Validating*: `eligibility.doj.read_upload` reads and checks every file (progress in bytes).
   A rejected file fails the upload with the engine's plain-words message (file name, line,
   reason; never row contents).
3. *Evaluating*: move to ``evaluating`` on the claim token; `eligibility.rules.evaluate` and
   `eligibility.stats.compute`.
4. *Storing and publishing*, in one transaction: the row issues, subjects, convictions and
   determinations (ids reserved from the sequences, one COPY per table) and the evaluation; then
   the engine's objects are freed and the accepted rows are COPYed as per-person blocks, from
   the COPY text that `rawspool.RawSpool` prepared in a background thread (reading the files
   with `eligibility.doj.iter_records`) while steps 2-3 ran (progress in rows); finally the
   conditional UPDATE to
   ``published`` on the claim token. If another worker took the job meanwhile, that UPDATE
   matches nothing and the
   whole transaction rolls back: rows are never doubled and the upload is published once.

Progress and the lease are written through `progress.ProgressWriter` (its own autocommit
connection). Logs carry ids, codes and counts only.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from clearrecord.audit.services import audit_record
from clearrecord.cases.models import Conviction, Evaluation
from eligibility import stats
from eligibility.api import gc_paused
from eligibility.doj import FileRejected, Source, read_upload
from eligibility.lists import Lists, load_default_lists
from eligibility.model import Determination
from eligibility.model import Upload as EngineUpload
from eligibility.rules import RULE_SETS, OptionsError, evaluate, validate_options

from . import pgcopy
from .errors import LostClaim
from .models import RowIssue, Status, Upload, UploadFile
from .progress import ProgressWriter
from .rawspool import RawSpool
from .services import stored_file_path, upload_claim, upload_fail, upload_release, uploads_root

logger = logging.getLogger(__name__)

#: rows per raw COPY chunk; small, so the spool thread adds little memory beside the engine
RAW_CHUNK_ROWS = 10_000
_lists: Lists | None = None


def default_lists() -> Lists:
    global _lists  # noqa: PLW0603 (loaded once per worker process; immutable)
    if _lists is None:
        _lists = load_default_lists()
    return _lists


def sources_of(upload: Upload) -> list[Source]:
    return [
        Source(name=f.original_name, path=stored_file_path(f))
        for f in upload.files.order_by("number")
    ]


def determinations_digest(determinations: Sequence[Determination]) -> str:
    """SHA-256 over what each determination decided, in row order: equal runs, equal digest."""
    h = hashlib.sha256()
    for d in determinations:
        h.update(
            "|".join(
                (
                    str(d.conviction_ref),
                    d.outcome.value,
                    d.rule_id,
                    d.reason,
                    d.remedy.value if d.remedy else "",
                    ",".join(d.flags),
                )
            ).encode()
        )
        h.update(b"\n")
    return h.hexdigest()


def statistics_summary(statistics: stats.Statistics) -> dict[str, Any]:
    return json.loads(json.dumps(statistics.summary(), default=str))


def upload_process(*, upload_id: int) -> str:
    """Steps 1-4 of the module docstring; returns a one-word outcome for the task result."""
    token = upload_claim(upload_id=upload_id)
    if token is None:
        return "skipped"
    try:
        with ProgressWriter(table="intake_upload", row_id=upload_id, token=token) as progress:
            _process(upload_id, token, progress)
    except LostClaim:
        logger.info("upload %s: claim lost to another worker; nothing written", upload_id)
        return "lost"
    except FileRejected as exc:
        upload_fail(upload_id=upload_id, token=token, code=exc.code, message=exc.message)
        return "rejected"
    except OptionsError as exc:
        upload_fail(upload_id=upload_id, token=token, code="OPTIONS", message=str(exc))
        return "rejected"
    except FileNotFoundError:
        upload_fail(
            upload_id=upload_id,
            token=token,
            code="FILE_MISSING",
            message="The uploaded file is no longer on the server; upload it again.",
        )
        return "failed"
    except Exception as exc:
        # The type only: an exception's text may quote data.
        logger.error("upload %s: attempt failed with %s", upload_id, type(exc).__name__)
        upload_release(upload_id=upload_id, token=token, code="PROCESSING_ERROR")
        return "retry"
    return "published"


def _process(upload_id: int, token: str, progress: ProgressWriter) -> None:
    upload = Upload.objects.select_related("created_by").get(pk=upload_id)
    sources = sources_of(upload)
    options = validate_options(upload.rule_set, upload.options)
    # The raw rows are prepared beside the engine (see `rawspool`); stopped on any way out.
    spool = RawSpool(
        upload_id=upload_id,
        sources=sources,
        folder=uploads_root() / str(upload_id),
        chunk_rows=RAW_CHUNK_ROWS,
    )
    try:
        _process_spooled(upload, token, progress, sources, options, spool)
    finally:
        spool.close()


def _process_spooled(
    upload: Upload,
    token: str,
    progress: ProgressWriter,
    sources: list[Source],
    options: Any,
    spool: RawSpool,
) -> None:
    upload_id = upload.pk
    timings: dict[str, float] = {}

    # 2. validating
    reading = "Reading and checking the files"
    total_bytes = sum(s.path.stat().st_size for s in sources)
    progress.update(reading, 0, total_bytes, "bytes", force=True)

    def evaluating() -> None:  # 3. evaluating, once the files are read and checked
        moved = Upload.objects.filter(
            pk=upload_id, claim_token=token, status=Status.VALIDATING
        ).update(status=Status.EVALUATING)
        if moved != 1:
            raise LostClaim
        progress.update("Evaluating convictions", 0, 0, "", force=True)

    engine_upload, determinations, statistics = engine_evaluate(
        sources,
        county=upload.county,
        compute_at=upload.compute_at,
        rule_set=upload.rule_set,
        options=options,
        progress=lambda done, total: progress.update(reading, done, total, "bytes"),
        after_read=evaluating,
        timings=timings,
    )

    # 4. storing and publishing: one transaction. Cases first, so that the engine's objects can
    # be freed before the raw rows are streamed (peak memory: never both at once).
    with transaction.atomic(), connection.cursor() as cursor:
        started = time.monotonic()
        progress.update("Storing convictions", 0, 0, "", force=True)
        pgcopy.copy_text(
            cursor.cursor,
            RowIssue._meta.db_table,
            ("upload_id", "file_number", "line", "field", "code", "severity", "detail"),
            (
                (upload_id, i.file, i.line, i.field, i.code, i.severity.value, i.detail)
                for i in engine_upload.issues
            ),
        )
        evaluation = Evaluation.objects.create(
            upload=upload,
            created_by=upload.created_by,
            rule_set=upload.rule_set,
            rule_set_version=RULE_SETS[upload.rule_set].version,
            options=options.as_json,
            options_digest=options.digest,
            compute_at=upload.compute_at,
            stats=statistics_summary(statistics),
            results_digest=determinations_digest(determinations),
            is_current=True,
            state=Evaluation.State.COMPLETE,
            finished_at=timezone.now(),
        )
        store_cases(cursor.cursor, upload, engine_upload, determinations, evaluation.pk)
        _store_file_reports(upload_id, engine_upload)
        report = {
            "physical_lines": engine_upload.physical_lines,
            "data_rows": engine_upload.data_rows,
            "quarantined": engine_upload.quarantined,
            "subjects_total": engine_upload.subjects_total,
            "convictions_total": engine_upload.convictions_total,
            "prop64_convictions": engine_upload.prop64_convictions,
            "relevant_convictions": len(determinations),
            "warnings": _merged(f.warnings_by_code for f in engine_upload.files),
            "errors": _merged(f.quarantined_by_code for f in engine_upload.files),
        }
        del engine_upload, determinations, statistics
        gc.collect()
        timings["store_cases"] = round(time.monotonic() - started, 3)

        storing = "Storing rows"
        started = time.monotonic()
        done = 0
        rows = report["data_rows"]
        while not spool.wait(timeout=2.0):  # still preparing: show how far, keep the lease
            progress.update("Preparing rows", spool.rows, rows, "rows", force=True)
        timings["store_rows_wait"] = round(time.monotonic() - started, 3)
        progress.update(storing, 0, rows, "rows", force=True)
        for chunk_rows, payload in spool.chunks():
            pgcopy.copy_raw_payload(cursor, payload)
            done += chunk_rows
            del payload
            progress.update(storing, done, rows, "rows")
        if done != rows:  # the two scans of the files disagree: never publish a partial record
            raise RuntimeError("raw row count differs from the validated row count")
        timings["store_rows"] = round(time.monotonic() - started, 3)
        timings["prepare_rows_beside_engine"] = spool.elapsed

        published = Upload.objects.filter(
            pk=upload_id, claim_token=token, status=Status.EVALUATING
        ).update(
            status=Status.PUBLISHED,
            phase="",
            progress_done=rows,
            progress_total=rows,
            progress_unit="rows",
            lease_expires_at=None,
            finished_at=timezone.now(),
            error_code="",
            error_message="",
            **report,
            timings=timings,
        )
        if published != 1:
            raise LostClaim
        audit_record(
            action="upload.published",
            actor=upload.created_by,
            obj=upload,
            county=upload.county,
            detail={
                "rows": rows,
                "convictions": report["relevant_convictions"],
                "evaluation": evaluation.pk,
            },
        )
    logger.info(
        "upload %s published: %s rows, %s convictions",
        upload_id,
        done,
        report["relevant_convictions"],
    )


def _merged(maps: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for m in maps:
        for code, n in m.items():
            out[code] = out.get(code, 0) + n
    return dict(sorted(out.items()))


def _store_file_reports(upload_id: int, engine_upload: EngineUpload) -> None:
    for rep in engine_upload.files:  # one UPDATE per file of the upload (a handful), not per row
        UploadFile.objects.filter(upload_id=upload_id, number=rep.number).update(
            physical_lines=rep.physical_lines,
            data_rows=rep.data_rows,
            quarantined=rep.quarantined,
            header=rep.header,
            warnings=rep.warnings_by_code,
            errors=rep.quarantined_by_code,
        )


def _determination_row(
    det_id: int, evaluation_id: int, conviction_id: int, d: Determination
) -> tuple[Any, ...]:
    return (
        det_id,
        evaluation_id,
        conviction_id,
        d.outcome.value,
        d.rule_id,
        d.reason,
        d.explanation,
        d.citation,
        # a JSON document, not a PostgreSQL array
        json.dumps(
            [{"role": e.role, "file": e.ref.file, "line": e.ref.line} for e in d.evidence],
            separators=(",", ":"),
        ),
        d.remedy.value if d.remedy else "",
        d.remedy_citation,
        list(d.flags),
        d.compat_determination,
        d.compat_reason,
    )


DETERMINATION_COLUMNS = (
    "id", "evaluation_id", "conviction_id", "outcome", "rule_id", "reason", "explanation",
    "citation", "evidence", "remedy", "remedy_citation", "flags", "compat_determination",
    "compat_reason",
)  # fmt: skip


def store_cases(
    cursor: Any,
    upload: Upload,
    engine_upload: EngineUpload,
    determinations: Sequence[Determination],
    evaluation_id: int,
) -> None:
    """Subjects, convictions and determinations of the relevant convictions: one COPY each."""
    by_ref = {}
    subjects_by_sid = {}
    for s in engine_upload.subjects:
        for c in s.convictions:
            by_ref[(c.ref.file, c.ref.line)] = (s, c)
    for d in determinations:
        s, _c = by_ref[(d.conviction_ref.file, d.conviction_ref.line)]
        subjects_by_sid.setdefault(s.subject_id, s)
    subject_ids = dict(
        zip(
            subjects_by_sid,
            pgcopy.reserve_ids(cursor, "cases_subject", len(subjects_by_sid)),
            strict=True,
        )
    )
    conviction_ids = pgcopy.reserve_ids(cursor, "cases_conviction", len(determinations))
    determination_ids = pgcopy.reserve_ids(cursor, "cases_determination", len(determinations))
    pgcopy.copy_text(
        cursor,
        "cases_subject",
        ("id", "upload_id", "county", "subject_id", "name", "cii", "dob", "deceased"),
        (
            (subject_ids[sid], upload.pk, upload.county, sid, s.name, s.cii, s.dob, s.deceased)
            for sid, s in subjects_by_sid.items()
        ),
    )
    conviction_rows = []
    for conviction_id, determination_id, d in zip(
        conviction_ids, determination_ids, determinations, strict=True
    ):
        s, c = by_ref[(d.conviction_ref.file, d.conviction_ref.line)]
        conviction_rows.append(
            (
                conviction_id,
                upload.pk,
                subject_ids[s.subject_id],
                upload.county,
                c.ref.file,
                c.ref.line,
                c.cnt_order,
                c.court_case or "",
                list(c.case_numbers),
                c.date,
                c.level.value,
                c.prop64_section or "",
                c.section.canonical if c.section else "",
                c.offense_text,
                [str(r) for r in c.extra_refs],
                "flagged",
                1,
                False,
                determination_id,
            )
        )
    pgcopy.copy_text(
        cursor,
        "cases_conviction",
        (
            "id", "upload_id", "subject_id", "county", "file_number", "line", "cnt_order",
            "court_case", "case_numbers", "date", "level", "section", "code_section",
            "offense_text", "extra_lines", "review_state", "version", "needs_attention",
            "current_determination_id",
        ),
        conviction_rows,
    )  # fmt: skip
    copy_determinations(
        cursor,
        evaluation_id,
        [
            (det_id, conv_id, d)
            for det_id, conv_id, d in zip(
                determination_ids, conviction_ids, determinations, strict=True
            )
        ],
    )


def copy_determinations(
    cursor: Any, evaluation_id: int, items: Sequence[tuple[int, int, Determination]]
) -> None:
    pgcopy.copy_text(
        cursor,
        "cases_determination",
        DETERMINATION_COLUMNS,
        (_determination_row(det_id, evaluation_id, conv_id, d) for det_id, conv_id, d in items),
    )


# --- re-evaluation -------------------------------------------------------------------------


def evaluation_claim(*, evaluation_id: int, now: dt.datetime | None = None) -> str | None:
    import secrets

    now = now or timezone.now()
    token = secrets.token_hex(16)
    claimed = (
        Evaluation.objects.filter(pk=evaluation_id)
        .filter(
            Q(state=Evaluation.State.QUEUED)
            | Q(state=Evaluation.State.RUNNING, lease_expires_at__lt=now)
        )
        .update(
            state=Evaluation.State.RUNNING,
            claim_token=token,
            attempts=F("attempts") + 1,
            lease_expires_at=now + dt.timedelta(seconds=settings.CLEARRECORD_INGEST_LEASE_SECONDS),
        )
    )
    if claimed != 1:
        return None
    if (
        Evaluation.objects.values_list("attempts", flat=True).get(pk=evaluation_id)
        > settings.CLEARRECORD_INGEST_MAX_ATTEMPTS
    ):
        _evaluation_fail(evaluation_id, token, "The re-evaluation failed after several attempts.")
        return None
    return token


def _evaluation_fail(evaluation_id: int, token: str, message: str) -> None:
    Evaluation.objects.filter(pk=evaluation_id, claim_token=token).exclude(
        state=Evaluation.State.COMPLETE
    ).update(state=Evaluation.State.FAILED, error_message=message, finished_at=timezone.now())


def evaluation_process(*, evaluation_id: int) -> str:
    """Re-evaluate a published upload; the new evaluation becomes current atomically.

    Decisions already taken are never changed: `review_state` is untouched. A conviction whose
    determination changed gets ``version + 1`` (a reviewer acting on the old one is told), and
    ``needs_attention`` when it was already decided (review_state is not ``flagged``).
    """
    token = evaluation_claim(evaluation_id=evaluation_id)
    if token is None:
        return "skipped"
    return evaluation_attempt(
        evaluation_id, token, _reevaluate, fail=_evaluation_fail, label="evaluation"
    )


def evaluation_attempt(
    evaluation_id: int,
    token: str,
    work: Callable[[int, str, Any], None],
    *,
    fail: Callable[[int, str, str], None],
    label: str,
    writer: type[ProgressWriter] = ProgressWriter,
) -> str:
    """Run `work(evaluation_id, token, progress)` on an evaluation claimed with `token`; the
    task's one-word outcome.

    A lost claim writes nothing; an unreadable file or bad options fail it for good with the
    engine's plain-words message (`fail`); anything else puts it back in the queue for another
    attempt (bounded by `evaluation_claim`). Logs carry the id and exception type only: an
    exception's text may quote data.
    """
    try:
        with writer(table="cases_evaluation", row_id=evaluation_id, token=token) as pw:
            work(evaluation_id, token, pw)
    except LostClaim:
        logger.info("%s %s: claim lost to another worker; nothing written", label, evaluation_id)
        return "lost"
    except (FileRejected, OptionsError, FileNotFoundError) as exc:
        message = getattr(exc, "message", "") or "The original files could not be read."
        fail(evaluation_id, token, message)
        return "failed"
    except Exception as exc:
        logger.error("%s %s: attempt failed with %s", label, evaluation_id, type(exc).__name__)
        Evaluation.objects.filter(pk=evaluation_id, claim_token=token).update(
            state=Evaluation.State.QUEUED,
            claim_token="",  # nosec B106 (a claim token, not a password)
        )
        return "retry"
    return "complete"


def _reevaluate(evaluation_id: int, token: str, progress: ProgressWriter) -> None:
    evaluation = Evaluation.objects.select_related("upload").get(pk=evaluation_id)
    upload = evaluation.upload
    determinations, statistics = evaluation_compute(
        evaluation, progress=lambda done, total: progress.update("", done, total, "bytes")
    )
    with transaction.atomic(), connection.cursor() as wrapper:
        cursor = wrapper.cursor
        conviction_ids = conviction_ids_by_row(upload.pk)
        known = [
            d
            for d in determinations
            if (d.conviction_ref.file, d.conviction_ref.line) in conviction_ids
        ]
        det_ids = pgcopy.reserve_ids(cursor, "cases_determination", len(known))
        copy_determinations(
            cursor,
            evaluation_id,
            [
                (det_id, conviction_ids[(d.conviction_ref.file, d.conviction_ref.line)], d)
                for det_id, d in zip(det_ids, known, strict=True)
            ],
        )
        changed_where = (
            "FROM cases_determination new, cases_determination old"
            " WHERE new.evaluation_id = %s AND new.conviction_id = c.id"
            " AND old.id = c.current_determination_id"
            " AND (old.outcome, old.remedy, old.rule_id, old.reason)"
            " IS DISTINCT FROM (new.outcome, new.remedy, new.rule_id, new.reason)"
        )
        cursor.execute(
            "UPDATE cases_conviction c SET needs_attention = true "  # noqa: S608 (constants) # nosec B608 (constant SQL; values are parameters)
            + changed_where
            + " AND c.review_state <> 'flagged'",
            [evaluation_id],
        )
        attention = cursor.rowcount
        cursor.execute(
            "UPDATE cases_conviction c SET version = c.version + 1 " + changed_where,  # noqa: S608 # nosec B608 (constant SQL; values are parameters)
            [evaluation_id],
        )
        changed = cursor.rowcount
        cursor.execute(
            "UPDATE cases_conviction c SET current_determination_id = new.id"
            " FROM cases_determination new WHERE new.evaluation_id = %s"
            " AND new.conviction_id = c.id",
            [evaluation_id],
        )
        Evaluation.objects.filter(upload=upload, is_current=True).update(is_current=False)
        done = Evaluation.objects.filter(
            pk=evaluation_id, claim_token=token, state=Evaluation.State.RUNNING
        ).update(
            state=Evaluation.State.COMPLETE,
            is_current=True,
            stats=statistics_summary(statistics),
            results_digest=determinations_digest(known),
            rule_set_version=RULE_SETS[evaluation.rule_set].version,
            changed=changed,
            flagged_for_attention=attention,
            lease_expires_at=None,
            finished_at=timezone.now(),
        )
        if done != 1:
            raise LostClaim
        audit_record(
            action="evaluation.completed",
            actor=evaluation.created_by,
            obj=evaluation,
            county=upload.county,
            detail={"upload": upload.pk, "changed": changed, "needs_attention": attention},
        )


# --- what-if trials (clearrecord/reports/services.py) -------------------------------------------


def engine_evaluate(
    sources: Sequence[Source],
    *,
    county: str,
    compute_at: dt.date,
    rule_set: str,
    options: Any,
    progress: Any = None,
    after_read: Any = None,
    timings: dict[str, float] | None = None,
) -> tuple[EngineUpload, list[Determination], stats.Statistics]:
    """Read the files, evaluate and count, as `eligibility.api.run` does: the cyclic garbage
    collector paused while the engine builds its millions of small objects (they hold no cycles).

    `progress(done, total)` gets bytes read; `after_read()` runs between reading and evaluating;
    `timings` receives the wall and CPU seconds of ``read`` and ``evaluate``.
    Raises `FileRejected` or `FileNotFoundError`.
    """
    timings = {} if timings is None else timings
    with gc_paused():
        started, cpu = time.monotonic(), time.process_time()
        engine_upload = read_upload(sources, county=county, progress=progress)
        record_lap(timings, "read", started, cpu)
        if after_read is not None:
            after_read()
        started, cpu = time.monotonic(), time.process_time()
        determinations = evaluate(
            engine_upload.subjects,
            county=county,
            compute_at=compute_at,
            rule_set=rule_set,
            options=options,
            lists=default_lists(),
        )
        statistics = stats.compute(
            engine_upload,
            determinations,
            compute_at=compute_at,
            rule_set=rule_set,
            options=options,
        )
        record_lap(timings, "evaluate", started, cpu)
    return engine_upload, determinations, statistics


def conviction_ids_by_row(upload_id: int) -> dict[tuple[int, int], int]:
    """(file number, line) of each stored conviction's primary row -> the conviction's id; the
    key the engine's determinations carry (`conviction_ref`)."""
    rows = Conviction.objects.filter(upload_id=upload_id).values_list("file_number", "line", "pk")
    return {(f, ln): pk for f, ln, pk in rows.iterator(chunk_size=20_000)}


def record_lap(timings: dict[str, float], step: str, started: float, cpu: float) -> None:
    """Wall seconds of `step` and this process's CPU seconds (PostgreSQL's are not counted)."""
    timings[step] = round(time.monotonic() - started, 3)
    timings[f"{step}_cpu"] = round(time.process_time() - cpu, 3)


def evaluation_compute(
    evaluation: Evaluation, progress: Any = None, timings: dict[str, float] | None = None
) -> tuple[list[Determination], stats.Statistics]:
    """Read the upload's files again and apply the evaluation's rule set, options and date.

    `progress(done, total)` is called with bytes read; `timings` receives the wall and CPU
    seconds of each step. Raises `FileRejected`, `OptionsError` or `FileNotFoundError` like the
    re-evaluation.
    """
    upload = evaluation.upload
    _, determinations, statistics = engine_evaluate(
        sources_of(upload),
        county=upload.county,
        compute_at=evaluation.compute_at,
        rule_set=evaluation.rule_set,
        options=validate_options(evaluation.rule_set, evaluation.options),
        progress=progress,
        timings=timings,
    )
    return determinations, statistics
