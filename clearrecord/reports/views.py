"""Impact dashboard, what-if comparison and the de-identified statistics export (issue #8)."""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from clearrecord.accounts.policy import can, capability_required
from clearrecord.accounts.session_limits import polling_endpoint
from clearrecord.audit.services import audit_record
from clearrecord.cases.models import Evaluation
from clearrecord.intake.errors import IntakeError

from . import export, pdf, selectors, services
from .figures import charts_of, figures_of, outcome_label, relief_rows
from .forms import TrialForm, WhatIfForm, options_initial

PAGE_SIZE = 50


@require_GET
@capability_required("view_impact")
def index(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.evaluations_for(user=request.user).for_review(), 25).get_page(
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
        "can_run_whatif": can(request.user, "run_whatif")
        and evaluation.upload.status == "published",
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
        b_evaluations=selectors.whatif_sides_for(user=request.user),
        initial={"a": request.GET.get("a")},
    )
    context: dict[str, object] = {
        "form": form,
        "can_run_whatif": can(request.user, "run_whatif"),
        "uploads": selectors.published_uploads_for(user=request.user)[:50],
    }
    if form.is_bound and form.is_valid():
        a, b = form.cleaned_data["a"], form.cleaned_data["b"]
        context |= {"a": a, "b": b, "pending": b.state != b.State.COMPLETE}
        if context["pending"]:  # a trial still computing, or failed: its progress instead
            return render(request, "reports/whatif.html", context)
        context |= _comparison(request, a, b)
    return render(request, "reports/whatif.html", context)


def _comparison(request: HttpRequest, a: Evaluation, b: Evaluation) -> dict[str, object]:
    transitions = selectors.whatif_transitions(a=a, b=b)
    for t in transitions:
        t["before_label"] = outcome_label(t["before"])
        t["after_label"] = outcome_label(t["after"])
    changes = [t for t in transitions if t["before"] != t["after"]]
    changed_total = sum(t["convictions"] for t in changes)
    paginator = Paginator(selectors.changed_convictions(a=a, b=b), PAGE_SIZE)
    # The cached transitions already count the changed convictions: no COUNT over the upload.
    paginator.count = changed_total  # type: ignore[misc]
    page = paginator.get_page(request.GET.get("page"))
    for c in page:
        c.outcome_a_label = outcome_label(c.outcome_a or "none")
        c.outcome_b_label = outcome_label(c.outcome_b or "none")
    relief_a, relief_b = relief_rows(a.stats or {}), relief_rows(b.stats or {})
    return {
        "transitions": transitions,
        "changes": changes,
        "changed_total": changed_total,
        "compared_total": sum(t["convictions"] for t in transitions),
        "relief_a": relief_a,
        "relief_b": relief_b,
        "page": page,
        "can_view_cases": can(request.user, "view_cases"),
        "relief": [
            {**ra, "b": rb["current"], "a": ra["current"], "diff": rb["current"] - ra["current"]}
            for ra, rb in zip(relief_a, relief_b, strict=True)
        ],
    }


@capability_required("run_whatif")
@require_http_methods(["GET", "POST"])
def whatif_trial(request: HttpRequest, upload_id: int) -> HttpResponse:
    """Side A of the upload and other options for side B, computed by a worker (a trial)."""
    upload = selectors.published_upload_get(user=request.user, upload_id=upload_id)
    evaluations = selectors.evaluations_for(user=request.user).filter(upload=upload)
    asked = request.GET.get("a", "")
    a = evaluations.filter(pk=int(asked)).first() if asked.isdigit() else None
    a = a or evaluations.filter(is_current=True).first()
    form = TrialForm(
        request.POST or None, evaluations=evaluations, initial=options_initial(a) if a else {}
    )
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            trial = services.whatif_request(
                user=request.user,
                upload=upload,
                compute_at=form.cleaned_data["compute_at"],
                rule_set=form.cleaned_data["rule_set"],
                options=form.options_payload(),
                request=request,
            )
        except IntakeError as exc:
            error = str(exc)
        else:
            side_a = form.cleaned_data["a"]
            if trial.pk == side_a.pk:
                error = "These are the choices of evaluation A itself: change at least one."
            else:
                return redirect(f"{reverse('reports:whatif')}?a={side_a.pk}&b={trial.pk}")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "reports/whatif_trial.html",
        {"form": form, "upload": upload, "error": error},
        status=status,
    )


# Polled by htmx every 2 seconds while a trial computes: it must not keep an idle session alive
# (issue #7). When the trial is finished, htmx reloads the page, which then shows the comparison.
@polling_endpoint
@require_GET
@capability_required("view_impact")
def trial_progress(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    trial = selectors.trial_get(user=request.user, evaluation_id=evaluation_id)
    response = render(request, "reports/_trial_progress.html", {"b": trial})
    if not trial.is_running and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


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
