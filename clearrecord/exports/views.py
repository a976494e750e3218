"""Court export pages: batch list, build (DA supervisor), batch detail, file downloads."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from clearrecord.accounts.policy import capability_required
from clearrecord.audit.services import audit_record

from . import selectors, services, writers
from .errors import ExportError

#: URL slug -> (file name on disk, download name, content type)
DOWNLOADS = {
    "court": (writers.COURT_CSV, "court-{id}.csv", "text/csv"),
    "challenges": (writers.CHALLENGES_CSV, "challenges-{id}.csv", "text/csv"),
    "order": (writers.ORDER_PDF, "motion-and-order-{id}.pdf", "application/pdf"),
    "gogen": (writers.GOGEN_ZIP, "gogen-{id}.zip", "application/zip"),
}


def _batch_or_404(request: HttpRequest, batch_id: int):
    try:
        return selectors.batch_get(user=request.user, batch_id=batch_id)
    except ObjectDoesNotExist as error:
        raise Http404 from error


@capability_required("download_batch")
@require_GET
def batch_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.batches_for(user=request.user), 25).get_page(request.GET.get("page"))
    ready = selectors.ready_count(user=request.user) if request.user.role == "da_supervisor" else 0
    return render(request, "exports/list.html", {"page": page, "ready": ready})


@capability_required("build_batch")
@require_POST
def batch_build(request: HttpRequest) -> HttpResponse:
    try:
        batch = services.batch_build(user=request.user, request=request)
    except ExportError as error:
        messages.error(request, str(error).capitalize() + ".")
        return redirect("exports:list")
    messages.success(request, f"Batch {batch.pk} built with {batch.conviction_count} convictions.")
    return redirect("exports:detail", batch_id=batch.pk)


@capability_required("download_batch")
@require_GET
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch_or_404(request, batch_id)
    files = [
        {"slug": slug, "label": label, "sha256": getattr(batch, field)}
        for slug, label, field in (
            ("court", "Court CSV", "court_csv_sha256"),
            ("challenges", "Challenges CSV", "challenges_csv_sha256"),
            ("order", "Bulk motion and proposed order (PDF)", "order_pdf_sha256"),
            ("gogen", "gogen-compatible CSVs (zip)", "gogen_zip_sha256"),
        )
    ]
    return render(request, "exports/detail.html", {"batch": batch, "files": files})


@capability_required("download_batch")
@require_GET
def batch_download(request: HttpRequest, batch_id: int, kind: str) -> HttpResponse:
    """Stream one file of the batch (never read into memory); every download is audited."""
    batch = _batch_or_404(request, batch_id)
    if kind not in DOWNLOADS or batch.status != "ready":
        raise Http404
    name, download_name, content_type = DOWNLOADS[kind]
    path = writers.batch_file(batch, name)
    if not path.is_file():
        raise Http404
    audit_record(
        action="batch.downloaded",
        request=request,
        obj=batch,
        county=batch.county,
        detail={"file": kind},
    )
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=download_name.format(id=batch.pk),
        content_type=content_type,
    )
    response["Cache-Control"] = "no-store"
    return response
