"""Court export pages: batch list, build (DA supervisor), batch detail, file downloads; the
clerk's court order form and the DOJ report (list, CSV, mark reported)."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clearrecord.accounts.policy import can, capability_required
from clearrecord.audit.services import audit_record
from clearrecord.review import searches

from . import doj, selectors, services, writers
from .errors import ExportError
from .forms import OrderForm, parse_selection
from .models import ExportBatch, OrderOutcome

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
    context = {
        "batch": batch,
        "files": files,
        "orders": selectors.order_counts(batch=batch),
        "can_record_order": can(request.user, "record_order"),
    }
    return render(request, "exports/detail.html", context)


def file_response(request: HttpRequest, batch: ExportBatch, kind: str) -> FileResponse:
    """One file of the batch, streamed from disk (never read into memory); audited. Pages and
    the API both serve files through here."""
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


@capability_required("download_batch")
@require_GET
def batch_download(request: HttpRequest, batch_id: int, kind: str) -> HttpResponse:
    """Stream one file of the batch (never read into memory); every download is audited."""
    return file_response(request, _batch_or_404(request, batch_id), kind)


# Court orders ---------------------------------------------------------------------------------
ORDER_PAGE_SIZE = 100
ROW_FIELD = re.compile(r"(?:outcome|note)-(?P<id>\d+)")


@capability_required("record_order")
@require_http_methods(["GET", "POST"])
def order_record(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The order form (GET) and recording it (POST); a refusal re-renders the form with why."""
    batch = _batch_or_404(request, batch_id)
    if request.method == "POST":
        form = OrderForm(request.POST)
    else:  # after a search, the order as the clerk had typed it so far
        form = OrderForm(initial=request.session.get(_draft_key(batch.pk)))
    row_errors: dict[int, str] = {}
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            ticked, overrides = parse_selection(dict(request.POST.lists()))
            try:
                order = services.order_record(
                    user=request.user,
                    batch_id=batch.pk,
                    order_date=data["order_date"],
                    judge=data["judge"],
                    order_number=data["order_number"],
                    outcome=data["outcome"],
                    note=data["note"],
                    challenged_outcome=data["challenged_outcome"] or None,
                    challenged_note=data["challenged_note"],
                    overrides=overrides,
                    conviction_ids=None if data["scope"] == "all" else ticked,
                    request=request,
                )
            except ExportError as error:
                status = error.http_status
                field = getattr(error, "field", None) or ""
                row = ROW_FIELD.fullmatch(field)
                if row:  # a row's own outcome or note: say so at the top and on the row
                    row_errors[int(row["id"])] = getattr(error, "message", "") + "."
                    form.add_error(None, "A conviction's own outcome needs a fix: see its row.")
                else:
                    form.add_error(field if field in form.fields else None, str(error) + ".")
            else:
                request.session.pop(_draft_key(batch.pk), None)
                messages.success(
                    request,
                    f"Order {order.order_number} recorded for {order.line_count}"
                    f" conviction{'s' if order.line_count != 1 else ''}.",
                )
                return redirect("exports:detail", batch_id=batch.pk)
    search = searches.search_text(request, request.GET.get("s", ""))
    items = selectors.unordered_items(batch=batch, search=search)
    page = Paginator(items, ORDER_PAGE_SIZE).get_page(request.GET.get("page"))
    # A refused POST shows each row as the clerk left it: ticked, its own outcome and note.
    rows = [
        (
            item,
            request.POST.get(f"outcome-{item.conviction_id}", ""),
            request.POST.get(f"note-{item.conviction_id}", ""),
            row_errors.get(item.conviction_id, ""),
        )
        for item in page.object_list
    ]
    # The form posts back to the same search and page, so a refusal re-renders what was seen.
    keep = {"s": request.GET["s"]} if search else {}
    if page.number > 1:
        keep["page"] = str(page.number)
    action = reverse("exports:order", args=[batch.pk]) + (f"?{urlencode(keep)}" if keep else "")
    waiting = selectors.unordered_items(batch=batch).count() if search else page.paginator.count
    context = {
        "batch": batch,
        "form": form,
        "page": page,
        "rows": rows,
        "waiting": waiting,
        "search_text": search,
        "search_lost": bool(request.GET.get("s")) and not search,
        "action": action,
        "outcomes": OrderOutcome.choices,
        "ticked": set(request.POST.getlist("convictions")),
    }
    return render(request, "exports/order.html", context, status=status)


@capability_required("record_order")
@require_POST
def order_search(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The order form's search box posts here; the form's URL then carries a token, never the
    text (names and CIIs stay out of URLs: see review/searches.py)."""
    batch = _batch_or_404(request, batch_id)
    text = request.POST.get("q", "").strip()[:200]
    # The search button belongs to the order form: what the clerk typed of the order so far is
    # kept as a draft in the session and filled in again after the search.
    draft = {
        name: request.POST[name][:1000] for name in OrderForm.base_fields if name in request.POST
    }
    if draft:
        request.session[_draft_key(batch.pk)] = draft
    url = reverse("exports:order", args=[batch.pk])
    if text:
        url += "?" + urlencode({"s": searches.search_token(request, text)})
    return redirect(url)


def _draft_key(batch_id: int) -> str:
    return f"order_draft_{batch_id}"


# DOJ report -----------------------------------------------------------------------------------
DOJ_PAGE_SIZE = 50


@capability_required("record_order")
@require_GET
def doj_report(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.doj_pending(user=request.user), DOJ_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = doj.rows(page.object_list)
    return render(request, "exports/doj_report.html", {"page": page, "rows": rows})


@capability_required("record_order")
@require_GET
def doj_report_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The pending DOJ report as CSV, streamed from a server-side cursor; audited."""
    audit_record(action="doj.report_downloaded", request=request, county=request.user.county)
    response = StreamingHttpResponse(
        doj.csv_chunks(selectors.doj_pending(user=request.user)),
        content_type="text/csv; charset=utf-8",
    )
    name = f"doj-report-{request.user.county.lower().replace(' ', '-')}-{timezone.localdate()}"
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@capability_required("record_order")
@require_http_methods(["GET", "POST"])
def doj_mark_reported(request: HttpRequest) -> HttpResponse:
    """Confirm, then mark reported: everything listed (up to the last line shown) or a selection.

    GET, or a POST without `confirmed`, shows what will be marked; a POST with `confirmed`
    marks it.
    """
    pending = selectors.doj_pending(user=request.user)
    selected = [int(v) for v in request.POST.getlist("convictions") if v.isdigit()]
    everything = request.method == "GET" or request.POST.get("scope") != "selected"
    if request.method == "POST" and not everything and not selected:
        messages.error(request, "Tick the convictions to mark as reported, or mark them all.")
        return redirect("exports:doj_report")
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        up_to = request.POST.get("up_to", "")
        try:
            marked = services.doj_mark_reported(
                user=request.user,
                conviction_ids=None if everything else selected,
                up_to_line=int(up_to) if everything and up_to.isdigit() else None,
                request=request,
            )
        except ExportError as error:
            messages.error(request, str(error).capitalize() + ".")
        else:
            messages.success(
                request,
                f"{marked} conviction{'s' if marked != 1 else ''} marked as reported to DOJ.",
            )
        return redirect("exports:doj_report")
    if everything:
        figures = pending.order_by().aggregate(count=Count("id"), up_to=Max("id"))
        count, up_to_line = figures["count"], figures["up_to"]
    else:
        count = pending.filter(conviction_id__in=selected).count()
        up_to_line = None
    context = {
        "everything": everything,
        "count": count,
        "up_to": up_to_line,
        "selected": selected,
    }
    return render(request, "exports/doj_mark.html", context)
