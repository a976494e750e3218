"""Reads of the audit log, scoped to the reader: a DA supervisor sees their county, an admin all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from clearrecord.accounts.models import Role

from .models import AuditEvent


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor: str = ""
    outcome: str = ""
    county: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def as_detail(self) -> dict[str, str]:
        """The filters as audit detail: codes and dates only."""
        return {k: str(v) for k, v in self.__dict__.items() if v not in ("", None)}


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def events_visible_to(user: Any) -> QuerySet[AuditEvent]:
    if user.role == Role.ADMIN:
        return AuditEvent.objects.all()
    return AuditEvent.objects.filter(county=user.county)


def events_for(user: Any, filters: AuditFilter) -> QuerySet[AuditEvent]:
    events = events_visible_to(user)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.actor:
        events = events.filter(actor_username__iexact=filters.actor)
    if filters.outcome:
        events = events.filter(outcome=filters.outcome)
    if filters.county and user.role == Role.ADMIN:
        events = events.filter(county=filters.county)
    if filters.date_from:
        events = events.filter(at__gte=_day_start(filters.date_from))
    if filters.date_to:
        events = events.filter(at__lt=_day_start(filters.date_to + timedelta(days=1)))
    return events.order_by("-at", "-id")


def actions_for(user: Any) -> list[str]:
    """The action names present in what the reader may see (for the filter's choices)."""
    return list(
        events_visible_to(user).order_by("action").values_list("action", flat=True).distinct()
    )
