"""Ingest tasks: thin, an id argument only (never record contents), `acks_late`.

The database holds the job state; a duplicated or retried task claims nothing and returns.
"""

from __future__ import annotations

from celery import shared_task

from . import pipeline, services


@shared_task(name="intake.process_upload", acks_late=True)
def process_upload(upload_id: int) -> str:
    return pipeline.upload_process(upload_id=upload_id)


@shared_task(name="intake.process_evaluation", acks_late=True)
def process_evaluation(evaluation_id: int) -> str:
    return pipeline.evaluation_process(evaluation_id=evaluation_id)


@shared_task(name="intake.resume_stalled")
def resume_stalled() -> int:
    return len(services.upload_resume_stalled())


@shared_task(name="intake.delete_expired_files")
def delete_expired_files() -> int:
    return services.upload_delete_expired_files()
