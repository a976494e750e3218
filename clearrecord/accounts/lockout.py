"""Account lockout: five failed sign-ins within fifteen minutes lock the account until a person
releases it (issue #7). django-axes does the bookkeeping; this module adds the time window.

Axes counts failures since the first one, forever, when no cool-off is set. A lock that only a
person lifts needs exactly that (no cool-off), but the *count* must only look back fifteen minutes:
1. Before Axes records a failure for a username that is not locked, the counter of its attempt row
   is set to the number of failures logged inside the window (Axes' failure log).
2. Axes then adds this failure and locks when the counter reaches the limit.
3. A locked row is never touched again here; only `lockout_release` removes it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clearrecord.audit.models import Outcome
from clearrecord.audit.services import audit_record


def window() -> timedelta:
    return timedelta(minutes=settings.CLEARRECORD_LOCKOUT_WINDOW_MINUTES)


def locked_usernames() -> list[str]:
    """Usernames whose failures reached the limit (one query)."""
    rows = (
        AccessAttempt.objects.values("username")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
    )
    return [row["username"] for row in rows if row["username"]]


def is_locked(username: str) -> bool:
    total = AccessAttempt.objects.filter(username=username).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return (total or 0) >= settings.AXES_FAILURE_LIMIT


class WindowedLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler counting only the failures of the last window (module docstring)."""

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
    ) -> None:
        username = get_client_username(request, credentials) if request is not None else None
        was_locked = bool(username) and is_locked(username)
        if username and not was_locked:
            self._restart_window(username)
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if username and not was_locked and getattr(request, "axes_locked_out", False):
            _audit_lockout(username, request)

    @staticmethod
    def _restart_window(username: str) -> None:
        since = timezone.now() - window()
        with transaction.atomic():
            attempts = list(
                AccessAttempt.objects.select_for_update()
                .filter(username=username)
                .order_by("-attempt_time")
            )
            if not attempts:
                return
            recent = AccessFailureLog.objects.filter(
                username=username, attempt_time__gte=since
            ).count()
            newest, older = attempts[0], attempts[1:]
            AccessAttempt.objects.filter(pk__in=[a.pk for a in older]).delete()
            if recent:
                AccessAttempt.objects.filter(pk=newest.pk).update(failures_since_start=recent)
            else:
                newest.delete()


def _audit_lockout(username: str, request: HttpRequest) -> None:
    from .models import User

    user = User.objects.filter(username=username).first()
    audit_record(
        action="auth.lockout",
        actor=None,
        request=request,
        obj=user,
        outcome=Outcome.DENIED,
        county=user.county if user else "",
        detail={"username": username[:150], "failures": settings.AXES_FAILURE_LIMIT},
    )


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """What a locked account sees: the sign-in page with a plain explanation (HTTP 403)."""
    return render(
        request,
        "accounts/login.html",
        {"locked": True, "next": request.POST.get("next", "")},
        status=403,
    )
