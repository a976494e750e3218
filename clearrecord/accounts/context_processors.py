"""Navigation for the signed-in user's role: only links to pages the role may open."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from .policy import can


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    verified = getattr(user, "is_verified", lambda: False)
    if not user.is_authenticated or not verified():
        return {"nav_items": []}  # half signed in (no second factor yet): nowhere to go
    items = [("Home", reverse("home"))]
    if can(user, "upload"):
        items.append(("Uploads", reverse("intake:list")))
    if can(user, "view_cases"):
        items.append(("Review queue", reverse("review:queue")))
    if can(user, "view_impact"):
        items.append(("Impact", reverse("reports:index")))
    if can(user, "download_batch"):
        items.append(("Court batches", reverse("exports:list")))
    if can(user, "record_order"):
        items.append(("Report to DOJ", reverse("exports:doj_report")))
    if can(user, "system_health"):
        items.append(("System health", reverse("system:health")))
    if can(user, "view_audit"):
        items.append(("Audit log", reverse("audit:events")))
    if can(user, "release_lockouts"):
        items.append(("Locked accounts", reverse("accounts:lockouts")))
    if can(user, "manage_users"):
        items.append(("Users", reverse("admin:accounts_user_changelist")))
    items.append(("API tokens", reverse("accounts:api_tokens")))
    current = request.path
    return {
        "nav_items": [
            {"label": label, "url": url, "current": current == url} for label, url in items
        ]
    }
