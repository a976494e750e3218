"""Sign-in, sign-out and the role-aware home page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_http_methods

from . import selectors, services
from .models import Role
from .policy import can, capability_required

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
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


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
