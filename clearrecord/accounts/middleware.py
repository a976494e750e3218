"""Request gates for signed-in users: the second factor, and session time limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


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
