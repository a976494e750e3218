"""A trivial task that proves a worker is consuming from the broker."""

from celery import shared_task


@shared_task(name="system.ping")
def ping() -> str:
    return "pong"
