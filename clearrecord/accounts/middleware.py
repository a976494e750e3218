"""Request gates for signed-in users: the second factor, and session time limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from clearrecord.audit.services import audit_record

from . import session_limits


class OTPRequiredMiddleware:
    """Until the second factor is verified, every view except `@otp_exempt` ones redirects to the
    code step (or to enrolment, which that step chooses). Must come after django-otp's
    OTPMiddleware. Requests authenticated by API token reach here anonymous and pass; DRF
    authenticates them in the view.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or getattr(view_func, "otp_exempt", False):
            return None
        if user.is_verified():
            return None
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse('accounts:otp')}?{query}")


class SessionLimitMiddleware:
    """Ends sessions idle for 30 minutes or older than 12 hours (see `session_limits`).

    An expired session is flushed (not a sign-out: nobody chose to leave), audited as
    `auth.session_expired`, and the person lands on the sign-in page told why. htmx requests get
    an `HX-Redirect` so the whole page goes there, not a fragment.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        if not request.user.is_authenticated:
            return None
        at = session_limits.now()
        reason = session_limits.expiry_reason(request.session, at)
        if reason is None:
            if not getattr(view_func, "polling_endpoint", False):
                session_limits.touch(request.session, at)
            return None
        user = request.user
        audit_record(
            action="auth.session_expired",
            actor=user,
            request=request,
            obj=user,
            detail={"reason": reason},
        )
        request.session.flush()
        request.user = AnonymousUser()
        login_url = f"{reverse('accounts:login')}?expired=1"
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = login_url
            return response
        return redirect(login_url)
