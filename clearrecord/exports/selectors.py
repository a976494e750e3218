"""Reads of export batches, scoped to the user's county and role: another county's batch, or a
role that may not download, sees nothing (DoesNotExist, a 404 in views)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from clearrecord.accounts.policy import can
from clearrecord.review import workflow as wf

from .models import ExportBatch


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
