"""API authentication: `Authorization: Bearer <token>` with a user's API token.

Wrong tokens are counted per client address; past `token_failure` (settings) the address gets
429 for the rest of the period, before any token is even looked up, so guessing is hopeless.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from clearrecord.accounts import services
from clearrecord.audit.models import Outcome
from clearrecord.audit.services import audit_record, client_ip


class TokenFailureThrottle(SimpleRateThrottle):
    """Counts failed token sign-ins per client address (not every request)."""

    scope = "token_failure"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request) or "unknown"}

    def blocked(self, request: Any) -> bool:
        self.key = self.get_cache_key(request, None)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        return len(self.history) >= self.num_requests

    def record_failure(self) -> None:
        self.history.insert(0, self.now)
        self.cache.set(self.key, self.history, self.duration)


class BearerTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        throttle = TokenFailureThrottle()
        if throttle.blocked(request._request):
            raise exceptions.Throttled(wait=throttle.wait())
        token = parts[1].decode("ascii", "replace") if len(parts) == 2 else ""
        found = services.api_token_authenticate(token=token) if token else None
        if found is None:
            throttle.record_failure()
            audit_record(
                action="api.token_failed",
                request=request._request,
                outcome=Outcome.FAILURE,
                detail={"prefix": token[:8]},
            )
            raise exceptions.AuthenticationFailed("Invalid or revoked API token.")
        return found.user, found

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
