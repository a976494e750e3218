"""Session time limits: 30 minutes idle, 12 hours in all (issue #7).

The session holds two timestamps (seconds since the epoch): when the person signed in and when they
last did something. `SessionLimitMiddleware` checks both on every request of a signed-in user.
Requests to views marked `@polling_endpoint` (progress bars, status partials that a page fetches
on its own) are checked but do not count as activity, so an open tab cannot keep a session alive.
Activity is written at most once a minute, so most requests do not save the session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.utils import timezone

SIGNED_IN_AT = "clearrecord_signed_in_at"
LAST_ACTIVITY = "clearrecord_last_activity"
#: Activity is stamped at most this often (seconds): the idle limit is exact to within a minute.
ACTIVITY_RESOLUTION = 60

View = TypeVar("View", bound=Callable[..., Any])


def polling_endpoint(view: View) -> View:
    """Mark a view that pages call on their own (progress, status): it never extends the session.

    Function views: `@polling_endpoint`. Class-based views:
    `@method_decorator(polling_endpoint, name="dispatch")`.
    """
    view.polling_endpoint = True  # type: ignore[attr-defined]
    return view


def now() -> float:
    return timezone.now().timestamp()


def start(session: Any) -> None:
    """Called at sign-in (every path, force_login included, through `user_logged_in`)."""
    stamp = now()
    session[SIGNED_IN_AT] = stamp
    session[LAST_ACTIVITY] = stamp


def expiry_reason(session: Any, at: float) -> str | None:
    """'absolute', 'idle' or None. A session without stamps (older than this code) starts now."""
    signed_in = session.get(SIGNED_IN_AT)
    last = session.get(LAST_ACTIVITY)
    if signed_in is None or last is None:
        start(session)
        return None
    if at - signed_in > settings.CLEARRECORD_SESSION_ABSOLUTE_SECONDS:
        return "absolute"
    if at - last > settings.CLEARRECORD_SESSION_IDLE_SECONDS:
        return "idle"
    return None


def touch(session: Any, at: float) -> None:
    if at - session.get(LAST_ACTIVITY, 0) >= ACTIVITY_RESOLUTION:
        session[LAST_ACTIVITY] = at
