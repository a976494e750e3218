"""Sign-in events go to the audit log (success, failure, sign-out).

Django sends these signals for every authentication path (login page, admin), so one receiver
covers them all. The failed username is recorded truncated; passwords never are.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from clearrecord.audit.services import audit_record

from . import session_limits


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        session_limits.start(request.session)
    audit_record(action="auth.login", actor=user, request=request, obj=user)


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    from .models import User

    username = str(credentials.get("username", ""))[:150]
    # The account's county, when it exists, so that its supervisor sees the failures.
    account = User.objects.filter(username=username).only("county").first()
    audit_record(
        action="auth.login_failed",
        actor=None,
        request=request,
        outcome="failure",
        county=account.county if account else "",
        detail={"username": username},
    )


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(action="auth.logout", actor=user, request=request, obj=user)
