"""Court export writes: one function per action, keyword-only, one transaction, audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.http import HttpRequest

from clearrecord.accounts.policy import can
from clearrecord.audit.models import Outcome
from clearrecord.audit.services import audit_record, audit_record_many
from clearrecord.cases.models import Conviction
from clearrecord.review import workflow as wf
from clearrecord.review.models import Decision, Objection

from .errors import ExportError, InvalidFilter, NothingToExport, NotPermitted
from .models import BatchItem, Disposition, ExportBatch

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
