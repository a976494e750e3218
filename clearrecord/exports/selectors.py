"""Reads of export batches, scoped to the user's county and role: another county's batch, or a
role that may not download, sees nothing (DoesNotExist, a 404 in views)."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from clearrecord.accounts.policy import can
from clearrecord.review import workflow as wf
from clearrecord.review.filters import search_condition

from .models import BatchItem, ExportBatch, OrderLine, OrderOutcome


def batches_for(*, user: Any) -> QuerySet[ExportBatch]:
    if not can(user, "download_batch"):
        return ExportBatch.objects.none()
    return ExportBatch.objects.filter(county=user.county).select_related("built_by")


def batch_get(*, user: Any, batch_id: int) -> ExportBatch:
    return batches_for(user=user).get(pk=batch_id)


def ready_count(*, user: Any) -> int:
    """How many convictions of the county a build would take now (before objections)."""
    from clearrecord.cases.models import Conviction

    return Conviction.objects.filter(county=user.county, review_state=wf.READY_FOR_EXPORT).count()


def unordered_items(*, batch: ExportBatch, search: str = "") -> QuerySet[BatchItem]:
    """The batch's convictions still waiting for the court's order, for the order form; with a
    search text, those it finds (the review queue's search: name, CII, case number, DOB).

    Only the items of `batch` are searched, and the batch comes from `batch_get`, scoped to the
    user's county: a search cannot reach another batch or county.
    """
    return (
        BatchItem.objects.filter(batch=batch, conviction__review_state=wf.EXPORTED)
        .filter(search_condition(search, via="conviction__"))
        .select_related("conviction__subject")
        .order_by("conviction__subject__name", "conviction__date", "conviction_id")
    )


def order_counts(*, batch: ExportBatch) -> dict[str, int]:
    """How many of the batch's convictions have an order, by outcome, and how many wait (1 query)."""
    counts = OrderLine.objects.filter(order__batch=batch).aggregate(
        ordered=Count("pk"),
        **{o: Count("pk", filter=Q(outcome=o)) for o in OrderOutcome.values},
    )
    counts["waiting"] = batch.conviction_count - counts["ordered"]
    return counts


#: OrderLine values the DOJ report page and CSV show (one query, no per-row lookups)
DOJ_FIELDS = (
    "id",
    "outcome",
    "note",
    "conviction_id",
    "order__order_date",
    "order__order_number",
    "order__batch_id",
    "conviction__subject__name",
    "conviction__subject__dob",
    "conviction__subject__cii",
    "conviction__subject__subject_id",
    "conviction__case_numbers",
    "conviction__court_case",
    "conviction__cnt_order",
    "conviction__code_section",
    "conviction__date",
    "conviction__batch_item__remedy",
    "conviction__current_determination__remedy",
    "conviction__current_determination__remedy_citation",
)


def doj_pending(*, user: Any) -> QuerySet[OrderLine]:
    """The county's ordered convictions not yet reported to DOJ, oldest order first (values)."""
    if not can(user, "record_order"):
        return OrderLine.objects.none()
    return (
        OrderLine.objects.filter(county=user.county, reported_at__isnull=True)
        .order_by("pk")
        .values(*DOJ_FIELDS)
    )


def county_progress(*, county: str) -> dict[str, int]:
    """The county's figures the way the state's progress reports count them (one query).

    - identified: convictions of the county's published uploads with a determination of the
      current evaluation (every relevant Prop 64 conviction DOJ's file gave us);
    - challenged / not challenged: the DA's decision, including decisions already released,
      exported or ordered ("not challenged" counts remedies modified by the DA: relief is
      still granted). Once exported, the decision is the one frozen on the batch item; while
      released, the state the release step came from;
    - ordered: a court order is recorded; reported: the order has been reported to DOJ.
    """
    from clearrecord.cases.models import Conviction
    from clearrecord.intake.models import Status
    from clearrecord.review.models import Decision

    released_from = Subquery(
        Decision.objects.filter(conviction_id=OuterRef("pk"), action=wf.RELEASE)
        .order_by("-version")
        .values("from_state")[:1]
    )
    decided = Case(
        When(batch_item__isnull=False, then=F("batch_item__disposition")),
        # no release step recorded: relief as determined, as batch_build reads it
        When(
            review_state=wf.READY_FOR_EXPORT, then=Coalesce(released_from, Value(wf.NOT_CHALLENGED))
        ),
        default=F("review_state"),
    )
    return (
        Conviction.objects.filter(
            county=county,
            upload__status=Status.PUBLISHED,
            current_determination__evaluation__is_current=True,
        )
        .annotate(decided=decided)
        .aggregate(
            identified=Count("pk"),
            challenged=Count("pk", filter=Q(decided=wf.CHALLENGED)),
            not_challenged=Count("pk", filter=Q(decided__in=[wf.NOT_CHALLENGED, wf.MODIFIED])),
            ordered=Count("order_line"),
            reported=Count("order_line", filter=Q(order_line__reported_at__isnull=False)),
        )
    )
