"""Benchmark (issue #6, acceptance 4): build a batch of N synthetic convictions, write its files.

    CLEARRECORD_ENV=development DATABASE_URL=postgres://... python manage.py bench_batch --rows 50000

Writes synthetic people (`clearrecord.cases.synthetic`, refused under production settings) into
the database named by DATABASE_URL: one published upload in `--county`, N convictions released
for export with one raw DOJ row each, a supervisor. Prints the seconds of the build and of each
file, and the process's peak RSS; never record contents.
"""

from __future__ import annotations

import datetime as dt
import resource
import time
from typing import Any

from django.core.management.base import BaseCommand

from clearrecord.accounts.models import Role, User
from clearrecord.cases import synthetic
from clearrecord.exports import services, writers


class Command(BaseCommand):
    help = "Time building and writing a court batch of N synthetic convictions."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--rows", type=int, default=50_000)
        parser.add_argument("--county", default="ALPINE")

    def handle(self, *args: Any, rows: int, county: str, **options: Any) -> None:
        stamp = int(time.time())
        user = User.objects.create(
            username=f"bench-supervisor-{stamp}", role=Role.DA_SUPERVISOR, county=county
        )
        upload, evaluation = synthetic.published_upload(county, by=user)
        started = time.perf_counter()
        synthetic.add_convictions(
            upload,
            evaluation,
            rows,
            dob=lambda i: dt.date(1970, 1, 1) + dt.timedelta(days=i % 9000),
            conviction=lambda i: {"review_state": "ready_for_export"},
            raw_rows=True,
        )
        self.stdout.write(f"setup: {rows} convictions in {time.perf_counter() - started:.1f} s")

        started = time.perf_counter()
        batch = services.batch_build(user=user)
        built = time.perf_counter() - started
        started = time.perf_counter()
        timings: dict[str, float] = {}
        writers.batch_write_files(batch_id=batch.pk, timings=timings)
        written = time.perf_counter() - started
        steps = "; ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items())
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        self.stdout.write(
            f"batch {batch.pk}: {batch.conviction_count} convictions; build {built:.1f} s; "
            f"files {written:.1f} s ({steps}); total {built + written:.1f} s; "
            f"peak RSS {peak:.0f} MiB"
        )
