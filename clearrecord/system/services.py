"""Health checks of the database, the broker and a worker round-trip."""

from __future__ import annotations

import time
from dataclasses import dataclass

from celery.exceptions import TimeoutError as CeleryTimeout
from django.db import connection

from clearrecord.celery import app

from .tasks import ping


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def health_check(*, worker_timeout: float = 5.0) -> list[Check]:
    """Run every check; never raises. Details are fixed phrases, not exception text."""
    checks = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks.append(Check("database", True, "PostgreSQL answered"))
    except Exception:
        checks.append(Check("database", False, "PostgreSQL did not answer"))
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1)
        checks.append(Check("broker", True, "Redis broker answered"))
    except Exception:
        checks.append(Check("broker", False, "The broker did not answer"))
        checks.append(Check("worker", False, "Not tried: no broker"))
        return checks
    started = time.monotonic()
    try:
        answer = ping.delay().get(timeout=worker_timeout)
        elapsed = time.monotonic() - started
        ok = answer == "pong"
        checks.append(
            Check("worker", ok, f"A worker answered in {elapsed:.2f} s" if ok else "Bad answer")
        )
    except CeleryTimeout:
        checks.append(Check("worker", False, f"No worker answered within {worker_timeout:.0f} s"))
    except Exception:
        checks.append(Check("worker", False, "The worker round-trip failed"))
    return checks
