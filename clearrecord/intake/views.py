"""Upload pages: list, new upload, detail with live progress and report, issues CSV, re-evaluate."""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from clearrecord.accounts.policy import can, capability_required
from clearrecord.accounts.session_limits import polling_endpoint
from clearrecord.audit.services import audit_record
from clearrecord.cases.models import Evaluation
from eligibility import csvsafe

from . import selectors, services
from .errors import IntakeError
from .forms import OptionsForm, UploadForm
from .models import RowIssue

OUTCOME_LABELS = {
    "eligible_dismissal": "Eligible for dismissal",
    "eligible_reduction": "Eligible for reduction",
    "not_eligible": "Not eligible",
    "needs_review": "Needs review",
}


@capability_required("upload")
def upload_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.upload_list(user=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "intake/list.html", {"page": page})


@capability_required("upload")
@require_http_methods(["GET", "POST"])
def upload_new(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    too_large = getattr(request, "upload_too_large", False)  # set while FILES was parsed
    error = ""
    if request.method == "POST":
        if too_large:
            error = "The file is larger than the upload limit. Contact your administrator."
        elif form.is_valid():
            try:
                upload = services.upload_create(
                    user=request.user,
                    compute_at=form.cleaned_data["compute_at"],
                    rule_set=form.cleaned_data["rule_set"],
                    options=form.options_payload(),
                    files=form.cleaned_data["files"],
                    request=request,
                )
            except IntakeError as exc:
                error = str(exc)
            else:
                messages.success(request, f"Upload #{upload.pk} received. It is being processed.")
                return redirect("intake:detail", upload_id=upload.pk)
    status = 400 if error or form.errors else 200
    return render(request, "intake/new.html", {"form": form, "error": error}, status=status)


def _detail_context(request: HttpRequest, upload_id: int) -> dict[str, object]:
    upload = selectors.upload_get(user=request.user, upload_id=upload_id)
    return {"upload": upload}


@capability_required("upload")
def upload_detail(request: HttpRequest, upload_id: int) -> HttpResponse:
    context = _detail_context(request, upload_id)
    upload = context["upload"]
    context["files"] = list(upload.files.all())
    if upload.status == "published":
        evaluation = selectors.current_evaluation(upload=upload)
        context["evaluation"] = evaluation
        context["issues"] = selectors.issues_by_reason(upload=upload)
        by_outcome = (evaluation.stats.get("byOutcome", {}) if evaluation else {}) or {}
        context["outcomes"] = [
            {"label": OUTCOME_LABELS.get(k, k), "count": v} for k, v in by_outcome.items()
        ]
        context["evaluations"] = list(
            Evaluation.objects.for_review().filter(upload=upload).select_related("created_by")
        )
        context["can_reevaluate"] = can(request.user, "reevaluate")
        context["can_view_impact"] = can(request.user, "view_impact")
        context["can_run_whatif"] = can(request.user, "run_whatif")
    return render(request, "intake/detail.html", context)


# Polled every few seconds by static/intake/progress.js while the job runs: it must not keep an
# idle session alive (issue #7).
@polling_endpoint
@capability_required("upload")
def upload_progress(request: HttpRequest, upload_id: int) -> HttpResponse:
    return render(request, "intake/_progress.html", _detail_context(request, upload_id))


@capability_required("upload")
def upload_issues_csv(request: HttpRequest, upload_id: int) -> StreamingHttpResponse:
    upload = selectors.upload_get(user=request.user, upload_id=upload_id)
    names = dict(upload.files.values_list("number", "original_name"))
    audit_record(
        action="upload.issues_downloaded", request=request, obj=upload, county=upload.county
    )

    def rows() -> Iterator[str]:
        yield csvsafe.line(["file", "file_name", "line", "field", "code", "severity", "detail"])
        issues = RowIssue.objects.filter(upload=upload).order_by("file_number", "line", "code")
        for i in issues.values_list(
            "file_number", "line", "field", "code", "severity", "detail"
        ).iterator(chunk_size=5000):
            f, line, field, code, severity, detail = i
            yield csvsafe.line([str(f), names.get(f, ""), str(line), field, code, severity, detail])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="upload-{upload.pk}-row-issues.csv"'
    return response


@capability_required("reevaluate")
@require_http_methods(["GET", "POST"])
def upload_reevaluate(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = selectors.upload_get(user=request.user, upload_id=upload_id)
    form = OptionsForm(
        request.POST or None, initial={"compute_at": upload.compute_at, "rule_set": upload.rule_set}
    )
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            services.evaluation_request(
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
            messages.success(
                request,
                "Re-evaluation queued. Decisions already taken stay as they are; changed "
                "determinations on decided convictions will be flagged for attention.",
            )
            return redirect("intake:detail", upload_id=upload.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "intake/reevaluate.html",
        {"form": form, "upload": upload, "error": error},
        status=status,
    )
