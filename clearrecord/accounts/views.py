"""Sign-in, sign-out and the role-aware home page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from clearrecord.audit.services import audit_record, client_ip
from clearrecord.exports.progress import county_figures

from . import selectors, services, twofactor
from .models import Role
from .policy import can, capability_required
from .signin_limits import signin_attempt_allowed
from .twofactor import otp_exempt

RECOVERY_CODES_SESSION_KEY = "recovery_codes_to_show"

#: What each role's home page offers, in the order people use it.
ROLE_TASKS: dict[str, list[str]] = {
    Role.DA_REVIEWER: [
        "Upload the DOJ research files for your county.",
        "Review flagged convictions: let relief go ahead, or challenge with a stated ground.",
        "Answer the Public Defender's objections.",
    ],
    Role.DA_SUPERVISOR: [
        "Everything a DA reviewer does, plus bulk decisions and re-evaluations.",
        "Build approved batches for the court and sign them off.",
        "Read the audit log for your county.",
    ],
    Role.PUBLIC_DEFENDER: [
        "See every challenge the District Attorney raised in your county.",
        "Comment on convictions and object to DA decisions.",
    ],
    Role.COURT_CLERK: [
        "Download approved batches: court CSV, challenges list and the bulk order PDF.",
        "Record the court's orders and report them to DOJ.",
    ],
    Role.ADMIN: [
        "Create accounts, set each person's role and county, deactivate leavers.",
        "Administrators manage accounts only; they cannot take decisions on cases.",
    ],
}


@method_decorator(login_not_required, name="dispatch")
@method_decorator(otp_exempt, name="dispatch")
class LoginView(auth_views.LoginView):
    """Step one: the password. Step two (the code) follows at once, keeping `next`."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        return f"{reverse('accounts:otp')}?{urlencode({'next': super().get_success_url()})}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["expired"] = self.request.GET.get("expired") == "1"
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not signin_attempt_allowed(client_ip(request)):
            audit_record(action="auth.signin_rate_limited", request=request, outcome="denied")
            context = self.get_context_data(form=self.get_form(), rate_limited=True)
            response = render(request, self.template_name, context, status=429)
            response["Retry-After"] = str(settings.CLEARRECORD_SIGNIN_WINDOW_SECONDS)
            return response
        return super().post(request, *args, **kwargs)


@method_decorator(otp_exempt, name="dispatch")
class LogoutView(auth_views.LogoutView):
    pass


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("home")


@otp_exempt
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """Step two: a code from the authenticator app, or a recovery code."""
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    if twofactor.confirmed_app_device(user) is None:
        return redirect(
            f"{reverse('accounts:otp_enrol')}?{urlencode({'next': _next_url(request)})}"
        )
    error = ""
    if request.method == "POST":
        if services.otp_verify(user=user, code=request.POST.get("code", ""), request=request):
            return redirect(_next_url(request))
        error = (
            "That code did not match. Enter the 6-digit code your app shows now, "
            "or one of your recovery codes."
        )
        if services.otp_throttled(user=user):
            error += " Too many wrong codes: each new try must now wait longer, so take your time."
    return render(
        request,
        "accounts/otp_verify.html",
        {"error": error, "next": _next_url(request)},
        status=200 if not error else 400,
    )


@otp_exempt
@require_http_methods(["GET", "POST"])
def otp_enrol(request: HttpRequest) -> HttpResponse:
    """First sign-in: set up the authenticator app, then see the recovery codes once.

    Only for accounts without a confirmed device: with a password alone nobody may replace the
    device of an account that has one.
    """
    user = request.user
    if twofactor.confirmed_app_device(user) is not None:
        return redirect(f"{reverse('accounts:otp')}?{urlencode({'next': _next_url(request)})}")
    device = services.otp_enrolment_device(user=user)
    error = ""
    if request.method == "POST":
        codes = services.otp_enrol_confirm(
            user=user, device=device, code=request.POST.get("code", ""), request=request
        )
        if codes is not None:
            request.session[RECOVERY_CODES_SESSION_KEY] = codes
            return redirect(
                f"{reverse('accounts:recovery_codes')}?{urlencode({'next': _next_url(request)})}"
            )
        error = "That code did not match. Check the time on your phone and enter the new code."
    return render(
        request,
        "accounts/otp_enrol.html",
        {
            "qr_svg": twofactor.qr_svg(device),
            "manual_key": twofactor.manual_key(device),
            "error": error,
            "next": _next_url(request),
        },
        status=200 if not error else 400,
    )


@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes, shown once after enrolment; POST replaces them with new ones."""
    if request.method == "POST":
        codes = services.recovery_codes_regenerate(user=request.user, request=request)
    else:
        codes = request.session.pop(RECOVERY_CODES_SESSION_KEY, None)
    recovery = twofactor.recovery_device(request.user)
    return render(
        request,
        "accounts/recovery_codes.html",
        {
            "codes": codes,
            "remaining": recovery.token_set.count() if recovery else 0,
            "next": _next_url(request),
        },
    )


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/home.html",
        {
            "tasks": ROLE_TASKS.get(user.role, []),
            "role_label": user.get_role_display(),
            "county_label": user.get_county_display(),
            "can_manage_users": can(user, "manage_users"),
            "can_view_health": can(user, "system_health"),
            "progress": county_figures(county=user.county),
        },
    )


@capability_required("release_lockouts")
def lockout_list(request: HttpRequest) -> HttpResponse:
    users = selectors.locked_users_for(request.user)
    return render(request, "accounts/lockouts.html", {"locked_users": users})


@require_http_methods(["GET", "POST"])
@capability_required("release_lockouts")
def lockout_release(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST releases the account."""
    user = selectors.locked_user_get(request.user, pk)
    if request.method == "POST":
        services.lockout_release(actor=request.user, user=user, request=request)
        messages.success(request, f"{user.username} can sign in again.")
        return redirect("accounts:lockouts")
    return render(request, "accounts/lockout_release.html", {"locked_user": user})


NEW_TOKEN_SESSION_KEY = "api_token_to_show"  # noqa: S105 (a session key name)  # nosec B105


@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """Your own API tokens: make one (its secret is shown once), see and revoke the others."""
    error = ""
    if request.method == "POST":
        name = request.POST.get("name", "").strip()[:100]
        if name:
            _token, secret = services.api_token_create(
                user=request.user, name=name, request=request
            )
            request.session[NEW_TOKEN_SESSION_KEY] = secret
            return redirect("accounts:api_tokens")
        error = "Give the token a name, such as the script or tool that will use it."
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "tokens": selectors.api_tokens_of(request.user),
            "new_secret": request.session.pop(NEW_TOKEN_SESSION_KEY, None),
            "error": error,
        },
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = selectors.api_token_get(request.user, pk)
    if request.method == "POST":
        services.api_token_revoke(actor=request.user, token=token, request=request)
        messages.success(request, f"The token “{token.name}” no longer works.")
        return redirect("accounts:api_tokens")
    return render(request, "accounts/api_token_revoke.html", {"token": token})
