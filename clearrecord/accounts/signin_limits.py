"""Sign-in attempts per client address: a fixed window in the shared cache.

The lockout (django-axes, by username) protects one account; this protects all of them from one
address spraying passwords across many usernames. Past the limit the sign-in page answers 429
without looking at the password. The cache is Redis outside tests, so every web process counts
together.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache


def signin_attempt_allowed(address: str | None) -> bool:
    """Count one sign-in attempt from `address`; False once the window's limit is passed."""
    window = settings.CLEARRECORD_SIGNIN_WINDOW_SECONDS
    key = f"signin-attempts:{address or 'unknown'}:{int(time.time() // window)}"
    cache.add(key, 0, timeout=window)
    try:
        attempts = cache.incr(key)
    except ValueError:  # the key expired between add and incr: this is the window's first
        cache.set(key, 1, timeout=window)
        attempts = 1
    return attempts <= settings.CLEARRECORD_SIGNIN_ATTEMPTS_PER_ADDRESS
