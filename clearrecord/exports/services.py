"""Court export writes: one function per action, keyword-only, one transaction, audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.http import HttpRequest
from django.utils import timezone

from clearrecord.accounts.policy import can
from clearrecord.audit.models import Outcome
from clearrecord.audit.services import audit_record, audit_record_many
from clearrecord.cases.models import Conviction
from clearrecord.review import workflow as wf
from clearrecord.review.models import Decision, Objection

from .errors import (
    AlreadyOrdered,
    ExportError,
    InvalidFilter,
    InvalidOrder,
    NothingToExport,
    NothingToOrder,
    NothingToReport,
    NotInBatch,
    NotPermitted,
)
from .models import BatchItem, CourtOrder, Disposition, ExportBatch, OrderLine, OrderOutcome

CHUNK = 5000

#: filter name -> (Conviction lookup, allowed values or None for any string)
FILTERS: dict[str, tuple[str, frozenset[str] | None]] = {
    "section": ("section", frozenset({"11357", "11358", "11359", "11360"})),
    "level": ("level", frozenset({"felony", "misdemeanor", "infraction"})),
    "upload": ("upload_id", None),
}


def _lookups(filters: dict[str, Any] | None) -> dict[str, Any]:
    lookups: dict[str, Any] = {}
    for name, value in (filters or {}).items():
        if value in (None, ""):
            continue
        if name not in FILTERS:
            raise InvalidFilter(f"unknown filter {name!r}")
        field, allowed = FILTERS[name]
        if allowed is not None and value not in allowed:
            raise InvalidFilter(f"{name}: not one of the allowed values")
        if allowed is None:
            try:
                value = int(value)
            except (TypeError, ValueError) as error:
                raise InvalidFilter(f"{name}: a number is required") from error
        lookups[field] = value
    return lookups


def _released_decisions(ids: list[int]) -> dict[int, tuple[str, str, str, str]]:
    """conviction id -> (disposition, remedy, ground, note) of the decision released for export.

    The newest release step names the state released (its `from_state`); the newest challenge or
    modification step carries the reasons.
    """
    released: dict[int, str] = {}
    reasons: dict[int, tuple[str, str, str]] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = (
            Decision.objects.filter(conviction_id__in=chunk, action=wf.RELEASE)
            .order_by("conviction_id", "-version")
            .distinct("conviction_id")
            .values_list("conviction_id", "from_state")
        )
        released.update(rows)
        rows2 = (
            Decision.objects.filter(conviction_id__in=chunk, action__in=[wf.CHALLENGE, wf.MODIFY])
            .order_by("conviction_id", "-version")
            .distinct("conviction_id")
            .values_list("conviction_id", "remedy", "ground", "note")
        )
        reasons.update((cid, (remedy, ground, note)) for cid, remedy, ground, note in rows2)
    found = {}
    for cid in ids:
        disposition = released.get(cid, Disposition.NOT_CHALLENGED)
        remedy, ground, note = reasons.get(cid, ("", "", ""))
        if disposition == Disposition.CHALLENGED:
            found[cid] = (disposition, "", ground, note)
        elif disposition == Disposition.MODIFIED:
            found[cid] = (disposition, remedy, "", note)
        else:
            found[cid] = (Disposition.NOT_CHALLENGED.value, "", "", "")
    return found


def batch_build(
    *, user: Any, filters: dict[str, Any] | None = None, request: HttpRequest | None = None
) -> ExportBatch:
    """Put every conviction of the county that is ready for export into a new batch.

    1. Only a DA supervisor builds (capability `build_batch`); the county is the supervisor's.
    2. Candidates: `ready_for_export`, no open objection, narrowed by `filters`. They are locked
       with SKIP LOCKED: a conviction another supervisor's build holds is left to that build, so
       two builds at once never share a conviction (and neither waits for the other).
    3. The workflow is asked once whether the export service may export from `ready_for_export`
       without an objection; the move is one conditional UPDATE per chunk on that state, checked
       by row count; `BatchItem.conviction` is UNIQUE besides.
    4. History rows, per-conviction audit events and `batch.built` in the same transaction; the
       files are written by a task enqueued on commit.
    """
    try:
        with transaction.atomic():
            return _build(user=user, filters=filters, request=request)
    except ExportError as error:
        audit_record(
            action="batch.built",
            actor=user,
            request=request,
            outcome=Outcome.DENIED if isinstance(error, NotPermitted) else Outcome.FAILURE,
            detail={"error": type(error).__name__},
        )
        raise


def _build(
    *, user: Any, filters: dict[str, Any] | None, request: HttpRequest | None
) -> ExportBatch:
    if not can(user, "build_batch"):
        raise NotPermitted("only a DA supervisor builds a batch")
    lookups = _lookups(filters)
    target = wf.transition(wf.READY_FOR_EXPORT, wf.EXPORT, wf.EXPORT_SERVICE)
    candidates = (
        Conviction.objects.filter(county=user.county, review_state=wf.READY_FOR_EXPORT, **lookups)
        .exclude(Exists(Objection.objects.open().filter(conviction_id=OuterRef("pk"))))
        .order_by("pk")
        .select_for_update(skip_locked=True, of=("self",))
    )
    locked = list(candidates.values_list("pk", "version"))
    if not locked:
        raise NothingToExport()
    ids = [pk for pk, _ in locked]
    decisions = _released_decisions(ids)
    batch = ExportBatch.objects.create(
        county=user.county,
        built_by=user,
        filters={k: v for k, v in (filters or {}).items() if v not in (None, "")},
        conviction_count=len(ids),
        challenged_count=sum(1 for d in decisions.values() if d[0] == Disposition.CHALLENGED),
    )
    for start in range(0, len(locked), CHUNK):
        chunk = locked[start : start + CHUNK]
        chunk_ids = [pk for pk, _ in chunk]
        moved = Conviction.objects.filter(
            pk__in=chunk_ids, review_state=wf.READY_FOR_EXPORT
        ).update(review_state=target, version=F("version") + 1)
        if moved != len(chunk_ids):  # cannot happen under the row locks; fail loudly
            raise NothingToExport()
        BatchItem.objects.bulk_create(
            BatchItem(
                batch=batch,
                conviction_id=pk,
                disposition=decisions[pk][0],
                remedy=decisions[pk][1],
                ground=decisions[pk][2],
                note=decisions[pk][3],
            )
            for pk in chunk_ids
        )
        Decision.objects.bulk_create(
            Decision(
                conviction_id=pk,
                action=wf.EXPORT,
                from_state=wf.READY_FOR_EXPORT,
                to_state=target,
                version=version + 1,
                actor=user,
                bulk=True,
            )
            for pk, version in chunk
        )
        audit_record_many(
            action="conviction.exported",
            actor=user,
            request=request,
            object_type="cases.conviction",
            object_ids=chunk_ids,
            county=user.county,
            detail={"batch_id": batch.pk},
        )
    audit_record(
        action="batch.built",
        actor=user,
        request=request,
        obj=batch,
        county=user.county,
        detail={
            "convictions": batch.conviction_count,
            "challenged": batch.challenged_count,
            "filters": sorted(batch.filters),
        },
    )
    from . import tasks  # the task module imports the writers, which import this app's models

    transaction.on_commit(lambda: tasks.write_batch_files.delay(batch.pk))
    return batch


# Court orders ---------------------------------------------------------------------------------
NOTE_MAX_LENGTH = 1000


def _outcome_note(outcome: str, note: str) -> str:
    label = OrderOutcome(outcome).label
    return f"{label}: {note}" if note else label


def _check_order_details(*, order_date: dt.date | None, judge: str, order_number: str) -> None:
    if order_date is None:
        raise InvalidOrder("order_date", "the date of the order is required")
    if order_date > timezone.localdate():
        raise InvalidOrder("order_date", "the order cannot be dated in the future")
    if not judge.strip():
        raise InvalidOrder("judge", "the judge who signed the order is required")
    if len(judge) > 200:
        raise InvalidOrder("judge", "at most 200 characters")
    if not order_number.strip():
        raise InvalidOrder("order_number", "the order number is required")
    if len(order_number) > 64:
        raise InvalidOrder("order_number", "at most 64 characters")


def _check_outcome(field: str, outcome: str | None, note: str, *, note_field: str) -> None:
    """`field` and `note_field` name the form fields the clerk fixes (a row's own: `note-<id>`)."""
    if outcome not in OrderOutcome.values:
        raise InvalidOrder(field, "choose granted, denied or modified")
    if outcome == OrderOutcome.MODIFIED and not note.strip():
        raise InvalidOrder(note_field, "say briefly how the court modified the relief")
    if len(note) > NOTE_MAX_LENGTH:
        raise InvalidOrder(note_field, f"at most {NOTE_MAX_LENGTH} characters")


def order_record(
    *,
    user: Any,
    batch_id: int,
    order_date: dt.date | None,
    judge: str,
    order_number: str,
    outcome: str | None = None,
    note: str = "",
    challenged_outcome: str | None = None,
    challenged_note: str = "",
    overrides: Mapping[int, tuple[str, str]] | None = None,
    conviction_ids: Collection[int] | None = None,
    request: HttpRequest | None = None,
) -> CourtOrder:
    """Record the court's order on a batch, or on the convictions of it chosen in `conviction_ids`.

    Outcomes: each conviction gets `overrides[id]` (outcome, note) when given; otherwise a
    challenged conviction gets `challenged_outcome` and any other `outcome` (with `note` /
    `challenged_note` for "modified").

    What the order means for a *challenged* conviction: the schedule tells the court the DA
    opposes relief on a stated ground (H&S 11361.9(b)), and the court rules on that challenge
    at the hearing. "Granted" therefore means the court overruled the challenge and granted the
    relief as determined; "denied" that it sustained the challenge (no relief: the record stays
    as it is); "modified" that it granted other relief (say, a reduction instead of a dismissal),
    with a note. The court's ruling decides, not the DA's position, so a challenged conviction is
    never given an outcome by default: `challenged_outcome` (or an override) is required as soon
    as a challenged conviction is part of the order. Either way the conviction leaves the workflow
    as `order_recorded` and goes on the DOJ report, denials included: DOJ closes every identified
    conviction, and its progress figures count the ones the court refused as well.

    1. Only a court clerk records (capability `record_order`); the batch is fetched through the
       county-scoped selector (another county's batch does not exist: 404) and locked, so two
       clerks recording on the same batch at once run one after the other.
    2. The convictions chosen must be in this batch (`NotInBatch`, 400: another batch or another
       county) and still `exported` (`AlreadyOrdered`, 409: someone recorded their order first).
       Without a choice, every conviction of the batch still waiting for an order is taken
       (`NothingToOrder`, 409, when none is left).
    3. The workflow is asked once whether a clerk may record an order on `exported`; the move is
       one conditional UPDATE per chunk on that state, checked by row count; `OrderLine.conviction`
       is UNIQUE besides.
    4. Order lines, history rows (`record_order` decisions), one audit event per conviction and
       `batch.order_recorded`, all in the same transaction. A refusal is audited after rollback.
    """
    try:
        with transaction.atomic():
            return _record_order(
                user=user,
                batch_id=batch_id,
                order_date=order_date,
                judge=judge,
                order_number=order_number,
                outcome=outcome,
                note=note,
                challenged_outcome=challenged_outcome,
                challenged_note=challenged_note,
                overrides=overrides or {},
                conviction_ids=conviction_ids,
                request=request,
            )
    except (ExportError, ObjectDoesNotExist) as error:
        audit_record(
            action="batch.order_recorded",
            actor=user,
            request=request,
            object_type="exports.exportbatch",
            object_id=batch_id,
            outcome=Outcome.DENIED
            if isinstance(error, NotPermitted | ObjectDoesNotExist)
            else Outcome.FAILURE,
            detail={"error": type(error).__name__},
        )
        raise


def _record_order(
    *,
    user: Any,
    batch_id: int,
    order_date: dt.date | None,
    judge: str,
    order_number: str,
    outcome: str | None,
    note: str,
    challenged_outcome: str | None,
    challenged_note: str,
    overrides: Mapping[int, tuple[str, str]],
    conviction_ids: Collection[int] | None,
    request: HttpRequest | None,
) -> CourtOrder:
    if not can(user, "record_order"):
        raise NotPermitted("only a court clerk records a court order")
    _check_order_details(order_date=order_date, judge=judge, order_number=order_number)
    batch = (
        ExportBatch.objects.filter(county=user.county).select_for_update().get(pk=batch_id)
    )  # another county's batch: DoesNotExist (404)
    chosen = None if conviction_ids is None else set(conviction_ids) | set(overrides)
    if chosen is not None and not chosen:
        raise InvalidOrder("convictions", "choose at least one conviction")
    rows = Conviction.objects.filter(batch_item__batch=batch)
    if chosen is not None:
        rows = rows.filter(pk__in=chosen)
    locked = list(
        rows.order_by("pk")
        .select_for_update(of=("self",))
        .values_list("pk", "review_state", "version", "batch_item__disposition")
    )
    if chosen is not None:
        if missing := len(chosen) - len(locked):
            raise NotInBatch(missing, batch.pk)
        if stale := sum(1 for _, state, _, _ in locked if state != wf.EXPORTED):
            raise AlreadyOrdered(stale)
    else:
        locked = [row for row in locked if row[1] == wf.EXPORTED]
        if not locked:
            raise NothingToOrder()
    if unknown := set(overrides) - {pk for pk, *_ in locked}:
        raise NotInBatch(len(unknown), batch.pk)
    target = wf.transition(wf.EXPORTED, wf.RECORD_ORDER, user.role)

    lines: dict[int, tuple[str, str]] = {}
    for pk, _, _, disposition in locked:
        if pk in overrides:
            line_outcome, line_note = overrides[pk]
            _check_outcome(f"outcome-{pk}", line_outcome, line_note, note_field=f"note-{pk}")
        elif disposition == Disposition.CHALLENGED:
            if challenged_outcome is None:
                raise InvalidOrder(
                    "challenged_outcome",
                    "the court rules on each challenge: choose the outcome for the challenged"
                    " convictions",
                )
            _check_outcome(
                "challenged_outcome",
                challenged_outcome,
                challenged_note,
                note_field="challenged_note",
            )
            line_outcome, line_note = challenged_outcome, challenged_note
        else:
            _check_outcome("outcome", outcome, note, note_field="note")
            line_outcome, line_note = outcome or "", note
        lines[pk] = (line_outcome, line_note.strip())

    order = CourtOrder.objects.create(
        batch=batch,
        county=batch.county,
        order_date=order_date,
        judge=judge.strip(),
        order_number=order_number.strip(),
        recorded_by=user,
        line_count=len(locked),
    )
    by_outcome: dict[str, list[int]] = {}
    for start in range(0, len(locked), CHUNK):
        chunk = locked[start : start + CHUNK]
        chunk_ids = [pk for pk, *_ in chunk]
        moved = Conviction.objects.filter(pk__in=chunk_ids, review_state=wf.EXPORTED).update(
            review_state=target, version=F("version") + 1
        )
        if moved != len(chunk_ids):  # cannot happen under the row locks; refuse, roll back
            raise AlreadyOrdered(len(chunk_ids) - moved)
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                conviction_id=pk,
                county=batch.county,
                outcome=lines[pk][0],
                note=lines[pk][1],
            )
            for pk in chunk_ids
        )
        Decision.objects.bulk_create(
            Decision(
                conviction_id=pk,
                action=wf.RECORD_ORDER,
                from_state=wf.EXPORTED,
                to_state=target,
                version=version + 1,
                note=_outcome_note(*lines[pk]),
                actor=user,
                bulk=len(locked) > 1,
            )
            for pk, _, version, _ in chunk
        )
        for pk in chunk_ids:
            by_outcome.setdefault(lines[pk][0], []).append(pk)
    for line_outcome, ids in sorted(by_outcome.items()):
        audit_record_many(
            action="conviction.order_recorded",
            actor=user,
            request=request,
            object_type="cases.conviction",
            object_ids=ids,
            county=batch.county,
            detail={"batch_id": batch.pk, "order_id": order.pk, "outcome": line_outcome},
        )
    audit_record(
        action="batch.order_recorded",
        actor=user,
        request=request,
        obj=batch,
        county=batch.county,
        detail={
            "order_id": order.pk,
            "convictions": len(locked),
            **{o: len(by_outcome.get(o, [])) for o in OrderOutcome.values},
        },
    )
    return order


# DOJ report -----------------------------------------------------------------------------------
def doj_mark_reported(
    *,
    user: Any,
    conviction_ids: Collection[int] | None = None,
    up_to_line: int | None = None,
    request: HttpRequest | None = None,
) -> int:
    """Mark ordered convictions of the county as reported to DOJ; returns how many were marked.

    `conviction_ids` marks a selection; otherwise every conviction still waiting, up to order
    line `up_to_line` when given (the last line the clerk saw listed: an order recorded while
    they confirmed is not swept in unseen). Convictions already reported (by another clerk a
    moment before) or not waiting are skipped; `NothingToReport` (409) when none is left.
    The rows are locked and updated conditionally on `reported_at IS NULL`, so two clerks never
    report the same conviction twice; one audit event per conviction and `doj.reported`.
    """
    try:
        with transaction.atomic():
            if not can(user, "record_order"):
                raise NotPermitted("only a court clerk reports to DOJ")
            pending = OrderLine.objects.filter(county=user.county, reported_at__isnull=True)
            if conviction_ids is not None:
                pending = pending.filter(conviction_id__in=list(conviction_ids))
            elif up_to_line is not None:
                pending = pending.filter(pk__lte=up_to_line)
            rows = list(
                pending.order_by("pk").select_for_update().values_list("pk", "conviction_id")
            )
            if not rows:
                raise NothingToReport()
            line_ids = [pk for pk, _ in rows]
            marked = 0
            for start in range(0, len(line_ids), CHUNK):
                marked += OrderLine.objects.filter(
                    pk__in=line_ids[start : start + CHUNK], reported_at__isnull=True
                ).update(reported_at=timezone.now(), reported_by=user)
            audit_record_many(
                action="conviction.reported_to_doj",
                actor=user,
                request=request,
                object_type="cases.conviction",
                object_ids=[cid for _, cid in rows],
                county=user.county,
            )
            audit_record(
                action="doj.reported",
                actor=user,
                request=request,
                county=user.county,
                detail={"convictions": marked, "selection": conviction_ids is not None},
            )
            return marked
    except ExportError as error:
        audit_record(
            action="doj.reported",
            actor=user,
            request=request,
            outcome=Outcome.DENIED if isinstance(error, NotPermitted) else Outcome.FAILURE,
            detail={"error": type(error).__name__},
        )
        raise
