"""Acceptance 2 of issue #4: SIGKILL a real worker process at random points, three times.

A real `celery worker` subprocess (real broker, the test database) processes a 50k-row upload.
The test kills it with SIGKILL at a random moment after it claimed the job, lets the lease run
out, runs the periodic check (`upload_resume_stalled`, what beat runs every 30 s) and starts a
new worker. After three kills the upload must publish exactly once, with the same counts and the
same determinations digest as an undisturbed evaluation of the same file by the engine.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from clearrecord.audit.models import AuditEvent
from clearrecord.cases.models import Conviction, Determination, Evaluation
from clearrecord.cases.raw import raw_line_count
from clearrecord.intake import services
from clearrecord.intake.models import Status, Upload
from clearrecord.intake.pipeline import determinations_digest
from eligibility.doj import Source, read_upload
from eligibility.rules import evaluate, validate_options
from tests.intake.builders import COMPUTE_AT, make_upload, synthetic_file

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 3


def database_url(db: dict) -> str:
    """The test database as a URL for a subprocess. The embedded server listens on a Unix socket,
    whose folder becomes a percent-encoded host with no port (as dev.py writes it)."""
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = quote(db["HOST"] or "", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{db['NAME']}"


def start_worker(var_dir: Path) -> subprocess.Popen[bytes]:
    db = connection.settings_dict
    env = {
        **os.environ,
        "CLEARRECORD_ENV": "test",
        "DATABASE_URL": database_url(db),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CLEARRECORD_VAR_DIR": str(var_dir),
        "CLEARRECORD_INGEST_LEASE_SECONDS": str(LEASE_SECONDS),
        "CLEARRECORD_INGEST_MAX_ATTEMPTS": "5",  # three kills are not a poison file
        "CLEARRECORD_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "clearrecord", "worker", "--pool", "solo",
         "--loglevel", "WARNING", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        env=env, cwd=ROOT, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def wait(predicate, limit: float = 180.0, step: float = 0.05) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(step)
    pytest.fail("condition not reached")


def status(upload: Upload) -> tuple[str, int]:
    upload.refresh_from_db()
    return upload.status, upload.attempts


def test_sigkill_three_times_then_publish_exactly_once(
    prosecutor, tmp_path, var_dir, settings
) -> None:
    settings.CLEARRECORD_INGEST_LEASE_SECONDS = LEASE_SECONDS
    rng = random.Random()
    path = synthetic_file(tmp_path, rows=50_000, seed=11, malformed=0.01)
    upload = make_upload(prosecutor, path)  # enqueued for whichever worker starts first
    kills = 0
    worker = start_worker(var_dir)
    try:
        while kills < 3:
            attempts_before = status(upload)[1]
            wait(
                lambda n=attempts_before: status(upload)[1] > n or upload.status == Status.PUBLISHED
            )
            if upload.status == Status.PUBLISHED:
                break  # finished before this kill: the remaining kills have nothing to hit
            # A random point of the run, chosen by its progress rather than by time: a run of
            # this file takes one to several seconds depending on the machine and its load, and
            # a kill after the commit interrupts nothing.
            target = rng.uniform(0.0, 90.0)
            wait(lambda t=target: status(upload)[0] == Status.PUBLISHED or upload.percent >= t,
                 step=0.01)  # fmt: skip
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
            if status(upload)[0] == Status.PUBLISHED:
                break  # the kill came after the commit: nothing was interrupted
            kills += 1
            wait(lambda: Upload.objects.filter(pk=upload.pk, lease_expires_at__lt=time_now()).exists() or status(upload)[0] == Status.PUBLISHED, limit=30)  # fmt: skip
            services.upload_resume_stalled()  # what beat runs every 30 seconds
            worker = start_worker(var_dir)
        wait(lambda: status(upload)[0] in (Status.PUBLISHED, Status.FAILED), limit=300)
    finally:
        # the last worker may be gone already: killed after it had published
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    assert upload.status == Status.PUBLISHED, upload.error_message
    print(f"SIGKILLs: {kills}, attempts: {upload.attempts}")  # shown with -s
    assert kills >= 1
    assert upload.attempts == kills + 1

    sources = [Source(name=path.name, path=path)]
    engine_upload = read_upload(sources, county=upload.county)
    determinations = evaluate(
        engine_upload.subjects, county=upload.county, compute_at=COMPUTE_AT,
        rule_set="statutory", options=validate_options("statutory", None),
    )  # fmt: skip
    assert raw_line_count(upload_id=upload.pk) == engine_upload.data_rows
    assert Conviction.objects.filter(upload=upload).count() == len(determinations)
    assert Determination.objects.filter(evaluation__upload=upload).count() == len(determinations)
    evaluation = Evaluation.objects.get(upload=upload)  # exactly one
    assert (
        AuditEvent.objects.filter(action="upload.published", object_id=str(upload.pk)).count() == 1
    )
    assert evaluation.results_digest == determinations_digest(determinations)


def time_now():
    from django.utils import timezone

    return timezone.now()
