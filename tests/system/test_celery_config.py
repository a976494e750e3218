"""The Celery app runs with the settings the pipeline's reliability and memory depend on."""

from __future__ import annotations

from clearrecord.celery import app


def test_tasks_are_acknowledged_after_they_run_and_requeued_if_the_worker_dies() -> None:
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_a_pool_process_swollen_by_a_large_upload_is_replaced(settings) -> None:
    # Celery replaces a child whose RSS (KiB) is above this after its task finishes.
    assert app.conf.worker_max_memory_per_child == settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD
    assert 200_000 <= app.conf.worker_max_memory_per_child <= 1_000_000
