"""What-if tasks: thin, an id argument only (never record contents), `acks_late`.

The database holds the trial's state; a duplicated or retried task claims nothing and returns.
"""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="reports.evaluate_whatif", acks_late=True)
def evaluate_whatif(evaluation_id: int) -> str:
    return services.whatif_process(evaluation_id=evaluation_id)


@shared_task(name="reports.resume_stalled_whatifs")
def resume_stalled_whatifs() -> int:
    return len(services.whatif_resume_stalled())
