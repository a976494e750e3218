"""Periodic account upkeep (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="accounts.disable_dormant")
def disable_dormant() -> int:
    return services.users_disable_dormant(now=timezone.now())
