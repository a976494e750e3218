"""What each role may do: one table, read by views, services and templates.

The administrator manages accounts only; it can never take a decision on a case (issue #2).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from .models import Role

#: capability -> roles that have it
CAPABILITIES: dict[str, frozenset[str]] = {
    "upload": frozenset({Role.DA_REVIEWER, Role.DA_SUPERVISOR}),
    "reevaluate": frozenset({Role.DA_SUPERVISOR}),
    "decide": frozenset({Role.DA_REVIEWER, Role.DA_SUPERVISOR}),
    "bulk_decide": frozenset({Role.DA_SUPERVISOR}),
    # Whether the county's DA reviewers may bulk-decide too (review.CountyReviewSettings).
    "review_settings": frozenset({Role.DA_SUPERVISOR}),
    "release": frozenset({Role.DA_SUPERVISOR}),  # sign a decision off for export
    "assign": frozenset({Role.DA_SUPERVISOR}),
    "build_batch": frozenset({Role.DA_SUPERVISOR}),
    "object": frozenset({Role.PUBLIC_DEFENDER}),
    "comment": frozenset({Role.DA_REVIEWER, Role.DA_SUPERVISOR, Role.PUBLIC_DEFENDER}),
    "view_cases": frozenset({Role.DA_REVIEWER, Role.DA_SUPERVISOR, Role.PUBLIC_DEFENDER}),
    "download_batch": frozenset({Role.DA_SUPERVISOR, Role.COURT_CLERK}),
    "record_order": frozenset({Role.COURT_CLERK}),
    # Impact figures are aggregates of the county's upload: DA roles and the county's public
    # defender (who argues for relief) see them; exporting them for researchers is a release
    # decision, so only the supervisor may (issue #8).
    "view_impact": frozenset({Role.DA_REVIEWER, Role.DA_SUPERVISOR, Role.PUBLIC_DEFENDER}),
    "export_statistics": frozenset({Role.DA_SUPERVISOR}),
    # Trying other options on an upload (a what-if trial) is the DA's policy question and costs
    # a worker's run over the whole file; the public defender sees the comparisons made.
    "run_whatif": frozenset({Role.DA_REVIEWER, Role.DA_SUPERVISOR}),
    "view_audit": frozenset({Role.DA_SUPERVISOR, Role.ADMIN}),
    "system_health": frozenset({Role.DA_SUPERVISOR, Role.ADMIN}),
    "manage_users": frozenset({Role.ADMIN}),
    # Supervisors act on their own county's accounts; administrators on every county's.
    "release_lockouts": frozenset({Role.DA_SUPERVISOR, Role.ADMIN}),
    # Unmasked SSN, driver's licence and FBI numbers (clearrecord/cases/masking.py). Held by no
    # role: a Prop 64 decision is taken on the conviction, CII number, name, date of birth and
    # court case; the court matches orders on CII and case number. No step of the workflow needs
    # these identifiers, so nobody sees them whole (least privilege, CJIS need-to-know). A county
    # that truly needs them grants a role here, in one reviewed line.
    "view_identifiers": frozenset(),
}


def can(user: Any, capability: str) -> bool:
    """True when the signed-in, active `user` has `capability` (unknown capabilities: False)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.role in CAPABILITIES.get(capability, frozenset())


def capability_required(
    capability: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """View decorator: 403 unless the user has `capability` (sign-in is enforced by middleware)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not can(request.user, capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
