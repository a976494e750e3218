"""Retention beat task: thin, no arguments."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="retention.purge_expired")
def purge_expired() -> int:
    return len(services.uploads_purge_expired())
