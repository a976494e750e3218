"""The audit log page (filters, pages) and its spreadsheet-safe CSV export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from clearrecord.accounts.models import Role
from clearrecord.accounts.policy import capability_required
from eligibility import csvsafe

from . import selectors, services
from .forms import AuditFilterForm
from .models import AuditEvent

PAGE_SIZE = 50
CSV_COLUMNS = (
    "time", "username", "role", "county", "action", "object_type", "object_id", "outcome",
    "client_ip", "detail",
)  # fmt: skip


def _form(request: HttpRequest) -> AuditFilterForm:
    user = request.user
    return AuditFilterForm(
        request.GET or None,
        actions=selectors.actions_for(user),
        show_county=user.role == Role.ADMIN,
    )


@capability_required("view_audit")
def events(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    filters = form.to_filter()
    page = Paginator(selectors.events_for(request.user, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "audit/events.html",
        {"form": form, "page": page, "events": page.object_list, "scope": _scope(request.user)},
    )


def _scope(user: Any) -> str:
    return "every county" if user.role == Role.ADMIN else f"{user.get_county_display()} County"


def _rows(events: Any) -> Iterator[str]:
    yield csvsafe.line(CSV_COLUMNS)
    event: AuditEvent
    for event in events.iterator(chunk_size=2000):
        yield csvsafe.line(
            (
                timezone.localtime(event.at).isoformat(timespec="seconds"),
                event.actor_username,
                event.actor_role,
                event.county,
                event.action,
                event.object_type,
                event.object_id,
                event.outcome,
                event.client_ip or "",
                json.dumps(event.detail, sort_keys=True) if event.detail else "",
            )
        )


@capability_required("view_audit")
def export(request: HttpRequest) -> HttpResponse:
    filters = _form(request).to_filter()
    events = services.audit_export(actor=request.user, filters=filters, request=request)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(_rows(events), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
