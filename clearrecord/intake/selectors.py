"""Reads of uploads, scoped to the user's county: another county's upload is a 404."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.http import Http404

from clearrecord.cases.models import Evaluation

from .models import Upload


def upload_list(*, user: Any) -> QuerySet[Upload]:
    return Upload.objects.for_county(user.county).select_related("created_by")


def upload_get(*, user: Any, upload_id: int) -> Upload:
    try:
        return Upload.objects.select_related("created_by").get(pk=upload_id, county=user.county)
    except Upload.DoesNotExist:
        raise Http404("No such upload") from None


def issues_by_reason(*, upload: Upload, lines_shown: int = 20) -> list[dict[str, Any]]:
    """Row issues grouped by reason code: severity, count and the first line numbers."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT code, severity, count(*),"
            " (array_agg(file_number || ':' || line ORDER BY file_number, line))[1:%s]"
            " FROM intake_rowissue WHERE upload_id = %s"
            " GROUP BY code, severity ORDER BY severity, count(*) DESC, code",
            [lines_shown, upload.pk],
        )
        return [
            {"code": code, "severity": severity, "count": n, "lines": lines}
            for code, severity, n, lines in cursor.fetchall()
        ]


def current_evaluation(*, upload: Upload) -> Evaluation | None:
    return Evaluation.objects.for_review().filter(upload=upload, is_current=True).first()
