"""The one way to write to the audit log."""

from __future__ import annotations

from itertools import islice
from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest

from .models import AuditEvent, Outcome


def client_ip(request: HttpRequest | None) -> str | None:
    """The client address: REMOTE_ADDR, or the X-Forwarded-For entry added by a trusted proxy."""
    if request is None:
        return None
    trusted = settings.CLEARRECORD_TRUSTED_PROXIES
    if trusted:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= trusted:
            return forwarded[-trusted]
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: str,
    actor: Any = None,
    request: HttpRequest | None = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    outcome: str = Outcome.SUCCESS,
    county: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. `detail` holds ids, counts and codes only, never record contents."""
    user = getattr(request, "user", None)
    if actor is None and user is not None and user.is_authenticated:
        actor = user
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_username=getattr(actor, "username", "") or "",
        actor_role=getattr(actor, "role", "") or "",
        county=county or getattr(actor, "county", "") or "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        outcome=outcome,
        client_ip=client_ip(request),
        detail=detail or {},
    )


def audit_export(*, actor: Any, filters: Any, request: HttpRequest | None = None) -> Any:
    """Record the export of the audit log (its filters and row count); return the rows to write."""
    from . import selectors

    events = selectors.events_for(actor, filters)
    audit_record(
        action="audit.exported",
        actor=actor,
        request=request,
        detail={"rows": events.count(), "filters": filters.as_detail()},
    )
    return events


def audit_record_many(
    *,
    action: str,
    actor: Any,
    object_type: str,
    object_ids: list[int] | list[str],
    request: HttpRequest | None = None,
    outcome: str = Outcome.SUCCESS,
    county: str = "",
    detail: dict[str, Any] | None = None,
    batch_size: int = 2000,
) -> int:
    """Append one event per object in set-wise INSERTs (bulk actions); returns how many."""
    ip = client_ip(request)
    events = (
        AuditEvent(
            actor=actor if actor is not None and actor.pk else None,
            actor_username=getattr(actor, "username", "") or "",
            actor_role=getattr(actor, "role", "") or "",
            county=county or getattr(actor, "county", "") or "",
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            outcome=outcome,
            client_ip=ip,
            detail=detail or {},
        )
        for object_id in object_ids
    )
    created = 0
    while batch := list(islice(events, batch_size)):
        AuditEvent.objects.bulk_create(batch)
        created += len(batch)
    return created
