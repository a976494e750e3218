"""System health page and the error pages (which never echo request data)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader

from clearrecord.accounts.policy import capability_required

from . import services


@capability_required("system_health")
def health(request: HttpRequest) -> HttpResponse:
    checks = services.health_check()
    status = 200 if all(c.ok for c in checks) else 503
    if (
        "application/json" in request.headers.get("Accept", "")
        or request.GET.get("format") == "json"
    ):
        return JsonResponse(
            {"ok": status == 200, "checks": [c.__dict__ for c in checks]}, status=status
        )
    return render(request, "system/health.html", {"checks": checks}, status=status)


def _api(request: HttpRequest) -> bool:
    """API clients get JSON errors, pages get HTML (an unmatched /api/ URL never gets a page)."""
    return request.path.startswith("/api/")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _api(request):
        return JsonResponse(
            {"detail": "You do not have permission to perform this action."}, status=403
        )
    return render(request, "errors/403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _api(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    # Rendered without the request context: the failure may be in the database or a context processor.
    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)
