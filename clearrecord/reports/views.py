"""Impact dashboard, what-if comparison and the de-identified statistics export (issue #8)."""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from clearrecord.accounts.policy import can, capability_required
from clearrecord.audit.services import audit_record

from . import export, pdf, selectors
from .figures import charts_of, figures_of, outcome_label, relief_rows
from .forms import WhatIfForm

PAGE_SIZE = 50


@require_GET
@capability_required("view_impact")
def index(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.evaluations_for(user=request.user), 25).get_page(
        request.GET.get("page")
    )
    return render(request, "reports/index.html", {"page": page})


@require_GET
@capability_required("view_impact")
def dashboard(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
    stats = evaluation.stats or {}
    review = selectors.review_progress(evaluation=evaluation)
    figures = figures_of(stats)
    context = {
        "evaluation": evaluation,
        "upload": evaluation.upload,
        "stats": stats,
        "figures": figures,
        "relief": relief_rows(stats),
        "charts": charts_of(stats, review) if stats else {},
        "review": review,
        "review_total": sum(review.values()),
        "can_export": can(request.user, "export_statistics"),
    }
    return render(request, "reports/dashboard.html", context)


@require_GET
@capability_required("view_impact")
def whatif(request: HttpRequest) -> HttpResponse:
    evaluations = selectors.evaluations_for(user=request.user)
    bound = "a" in request.GET and "b" in request.GET  # ?a= alone preselects A
    form = WhatIfForm(
        request.GET if bound else None,
        evaluations=evaluations,
        initial={"a": request.GET.get("a")},
    )
    context: dict[str, object] = {"form": form}
    if form.is_bound and form.is_valid():
        a, b = form.cleaned_data["a"], form.cleaned_data["b"]
        transitions = selectors.whatif_transitions(a=a, b=b)
        for t in transitions:
            t["before_label"] = outcome_label(t["before"])
            t["after_label"] = outcome_label(t["after"])
        changes = [t for t in transitions if t["before"] != t["after"]]
        page = Paginator(selectors.changed_convictions(a=a, b=b), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        for c in page:
            c.outcome_a_label = outcome_label(c.outcome_a or "none")
            c.outcome_b_label = outcome_label(c.outcome_b or "none")
        query = request.GET.copy()
        query.pop("page", None)
        context |= {
            "a": a,
            "b": b,
            "transitions": transitions,
            "changes": changes,
            "changed_total": sum(t["convictions"] for t in changes),
            "compared_total": sum(t["convictions"] for t in transitions),
            "relief_a": relief_rows(a.stats or {}),
            "relief_b": relief_rows(b.stats or {}),
            "page": page,
            "query": query.urlencode(),
            "can_view_cases": can(request.user, "view_cases"),
        }
        context["relief"] = [
            {**ra, "b": rb["current"], "a": ra["current"], "diff": rb["current"] - ra["current"]}
            for ra, rb in zip(context["relief_a"], context["relief_b"], strict=True)
        ]
    return render(request, "reports/whatif.html", context)


@require_GET
@capability_required("view_impact")
def impact_report(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
    body = pdf.impact_report_pdf(stats=evaluation.stats or {}, generated=timezone.localdate())
    audit_record(
        action="reports.impact_report_downloaded",
        request=request,
        obj=evaluation,
        county=evaluation.upload.county,
        detail={"upload": evaluation.upload_id},
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="clearrecord-impact-report-{evaluation.pk}.pdf"'
    )
    return response


def _export(request: HttpRequest, evaluation_id: int, fmt: str):
    evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
    audit_record(
        action="reports.statistics_exported",
        request=request,
        obj=evaluation,
        county=evaluation.upload.county,
        detail={"upload": evaluation.upload_id, "format": fmt},
    )
    return evaluation


@require_GET
@capability_required("export_statistics")
def export_csv(request: HttpRequest, evaluation_id: int) -> StreamingHttpResponse:
    evaluation = _export(request, evaluation_id, "csv")
    response = StreamingHttpResponse(
        export.export_csv_lines(evaluation.stats or {}), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="clearrecord-statistics-{evaluation.pk}.csv"'
    )
    return response


@require_GET
@capability_required("export_statistics")
def export_json(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    evaluation = _export(request, evaluation_id, "json")
    response = HttpResponse(
        json.dumps(export.export_json(evaluation.stats or {}), indent=2),
        content_type="application/json",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="clearrecord-statistics-{evaluation.pk}.json"'
    )
    return response
