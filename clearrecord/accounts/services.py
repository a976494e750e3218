"""Writes about accounts: each one a transaction that records its audit event."""

from __future__ import annotations

from axes.models import AccessAttempt, AccessFailureLog
from django.db import transaction
from django.http import HttpRequest

from clearrecord.audit.services import audit_record

from .models import User


def lockout_release(*, actor: User, user: User, request: HttpRequest | None = None) -> None:
    """Lift the lock on `user` (the caller fetched it through `selectors.locked_user_get`).

    The failure log of the account goes too, so the window starts empty; the audit log keeps every
    failed sign-in.
    """
    with transaction.atomic():
        attempts, _ = AccessAttempt.objects.filter(username=user.username).delete()
        AccessFailureLog.objects.filter(username=user.username).delete()
        audit_record(
            action="auth.lockout_released",
            actor=actor,
            request=request,
            obj=user,
            county=user.county,
            detail={"attempt_rows": attempts},
        )
