"""Export tasks: thin, a batch id only (never record contents)."""

from __future__ import annotations

from celery import shared_task

from . import writers


@shared_task(name="exports.write_batch_files", acks_late=True)
def write_batch_files(batch_id: int) -> str:
    return writers.batch_write_files(batch_id=batch_id)
