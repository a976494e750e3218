"""Reads for the impact pages, scoped to the user's county: another county's evaluation is a 404.

`whatif_transitions` compares two evaluations of one upload set-wise: one SQL query joins their
determinations on the conviction and counts (outcome in A, outcome in B) pairs, with the number
of distinct people per pair. Evaluations are immutable once complete, so the answer is cached
under the two ids (`WHATIF_CACHE_SECONDS`).
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from clearrecord.cases.models import Conviction, Determination, Evaluation
from clearrecord.intake.models import Status, Upload

WHATIF_CACHE_SECONDS = 24 * 3600


def evaluations_for(*, user: Any) -> QuerySet[Evaluation]:
    return (
        Evaluation.objects.filter(upload__county=user.county, state=Evaluation.State.COMPLETE)
        .select_related("upload", "created_by")
        .order_by("-upload_id", "-created_at", "-id")
    )


def whatif_sides_for(*, user: Any) -> QuerySet[Evaluation]:
    """What a what-if may show: complete evaluations, and trials in any state (their progress)."""
    return (
        Evaluation.objects.filter(upload__county=user.county)
        .filter(Q(state=Evaluation.State.COMPLETE) | Q(purpose=Evaluation.Purpose.WHATIF))
        .select_related("upload", "created_by")
        .order_by("-upload_id", "-created_at", "-id")
    )


def trial_get(*, user: Any, evaluation_id: int) -> Evaluation:
    try:
        return whatif_sides_for(user=user).get(pk=evaluation_id)
    except Evaluation.DoesNotExist:
        raise Http404("No such evaluation") from None


def published_uploads_for(*, user: Any) -> QuerySet[Upload]:
    return Upload.objects.filter(county=user.county, status=Status.PUBLISHED).order_by("-pk")


def published_upload_get(*, user: Any, upload_id: int) -> Upload:
    try:
        return Upload.objects.get(pk=upload_id, county=user.county, status=Status.PUBLISHED)
    except Upload.DoesNotExist:
        raise Http404("No such upload") from None


def evaluation_get(*, user: Any, evaluation_id: int) -> Evaluation:
    try:
        return evaluations_for(user=user).get(pk=evaluation_id)
    except Evaluation.DoesNotExist:
        raise Http404("No such evaluation") from None


def review_progress(*, evaluation: Evaluation) -> dict[str, int]:
    """Count of the upload's convictions in each review state (one query)."""
    rows = (
        Conviction.objects.filter(upload_id=evaluation.upload_id)
        .values("review_state")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["review_state"]: r["n"] for r in rows}


def whatif_key(a: int, b: int) -> str:
    return f"reports:whatif:v1:{a}:{b}"


def whatif_transitions(*, a: Evaluation, b: Evaluation) -> list[dict[str, Any]]:
    """[{before, after, convictions, people}] for every (outcome in a, outcome in b) pair.

    A conviction missing from one side counts with outcome ``none`` there (full outer join).
    """
    key = whatif_key(a.pk, b.pk)
    cached = cache.get(key)
    if cached is not None:
        return cached
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(da.outcome, 'none'), coalesce(db.outcome, 'none'),"
            " count(*), count(DISTINCT c.subject_id)"
            " FROM (SELECT conviction_id, outcome FROM cases_determination"
            "       WHERE evaluation_id = %s) da"
            " FULL OUTER JOIN (SELECT conviction_id, outcome FROM cases_determination"
            "       WHERE evaluation_id = %s) db ON da.conviction_id = db.conviction_id"
            " JOIN cases_conviction c ON c.id = coalesce(da.conviction_id, db.conviction_id)"
            " GROUP BY 1, 2 ORDER BY 1, 2",
            [a.pk, b.pk],
        )
        result = [
            {"before": before, "after": after, "convictions": n, "people": people}
            for before, after, n, people in cursor.fetchall()
        ]
    cache.set(key, result, WHATIF_CACHE_SECONDS)
    return result


def changed_convictions(*, a: Evaluation, b: Evaluation) -> QuerySet[Conviction]:
    """The upload's convictions whose outcome differs between a and b (for a paginated list)."""

    def outcome_in(evaluation: Evaluation) -> Subquery:
        return Subquery(
            Determination.objects.filter(conviction=OuterRef("pk"), evaluation=evaluation).values(
                "outcome"
            )[:1]
        )

    return (
        Conviction.objects.filter(upload_id=a.upload_id)
        .annotate(outcome_a=outcome_in(a), outcome_b=outcome_in(b))
        .exclude(outcome_a=F("outcome_b"))
        .only("id", "section", "code_section", "date", "level", "review_state", "file_number",
              "line")
        .order_by("file_number", "line")
    )  # fmt: skip
