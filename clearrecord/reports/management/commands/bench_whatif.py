"""Benchmark a what-if with options not run yet (issue #8, acceptance 3): request to result.

    python manage.py bench_whatif --rows 1000000          # ingest a synthetic upload first
    python manage.py bench_whatif --upload 12 [--repeat 2]  # or reuse a published upload

1. Without --upload: `bench_ingest --keep` makes a published synthetic upload of N rows.
2. Delete the earlier trials of that upload, so the option set is truly new, and clear the cache.
3. Time, in this process as one worker would run it: the request (`whatif_request`), the worker
   (`whatif_process`: read, evaluate, store, compare into the cache) and the page that shows the
   result (the what-if view itself, as the DA's browser reloads it; middleware not included).
4. Print wall and CPU seconds (this process: user + system; PostgreSQL's own CPU is not counted)
   for each step and in all, and the load average before and after.

Development only: it writes a synthetic upload and trial evaluations into the configured database.
"""

from __future__ import annotations

import os
import random
import re
import resource
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test import RequestFactory
from django.urls import reverse

from clearrecord.accounts.models import Role, User
from clearrecord.cases.models import Evaluation
from clearrecord.intake.models import Status, Upload
from clearrecord.reports import services, tasks, views


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Command(BaseCommand):
    help = "Benchmark a what-if with a new option set on a (synthetic) upload: wall and CPU time."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument("--upload", type=int, default=None, help="a published upload's id")
        parser.add_argument("--repeat", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.CLEARRECORD_ENV == "production":
            raise CommandError("bench_whatif writes synthetic data; development only.")
        if options["upload"] is None:
            call_command("bench_ingest", rows=options["rows"], keep=True, stdout=self.stdout)
            upload = Upload.objects.filter(status=Status.PUBLISHED).latest("pk")
        else:
            upload = Upload.objects.get(pk=options["upload"], status=Status.PUBLISHED)
        user, _ = User.objects.get_or_create(
            username=f"bench-whatif-{upload.county.lower().replace(' ', '-')}",
            defaults={"role": Role.DA_SUPERVISOR, "county": upload.county},
        )
        current = Evaluation.objects.for_review().get(upload=upload, is_current=True)
        self.stdout.write(
            f"upload #{upload.pk}: {upload.data_rows} rows, "
            f"{upload.relevant_convictions} convictions; A = evaluation #{current.pk}"
        )
        for run in range(options["repeat"]):
            self._once(run, upload, user, current)

    def _once(self, run: int, upload: Upload, user: User, current: Evaluation) -> None:
        Evaluation.objects.trials().filter(upload=upload).delete()
        cache.clear()
        # A random choice among options nobody ran: dismiss one more section, age threshold.
        options = {
            "baselineEligibility": {"dismiss": ["11357", "11358"], "reduce": ["11359", "11360"]},
            "additionalRelief": {"subjectAgeThreshold": random.randint(40, 65)},
        }
        self.stdout.write(f"run {run + 1}: load average before {os.getloadavg()[0]:.2f}")
        tasks.evaluate_whatif.delay = lambda pk: None  # this process is the worker
        wall0, cpu0 = time.monotonic(), cpu()
        trial = services.whatif_request(
            user=user, upload=upload, compute_at=upload.compute_at, rule_set="statutory",
            options=options,
        )  # fmt: skip
        wall1, cpu1 = time.monotonic(), cpu()
        outcome = services.whatif_process(evaluation_id=trial.pk)
        wall2, cpu2 = time.monotonic(), cpu()
        request = RequestFactory().get(reverse("reports:whatif"), {"a": current.pk, "b": trial.pk})
        request.user = user  # the view itself, as the signed-in DA's reload reaches it
        response = views.whatif(request)
        wall3, cpu3 = time.monotonic(), cpu()
        shown = re.search(r'data-figure="changed_total">(\d+)<', response.content.decode())
        if response.status_code != 200 or shown is None:
            raise CommandError(f"the what-if page did not show a comparison ({outcome})")
        trial.refresh_from_db()
        rows = [
            ("request (service)", wall1 - wall0, cpu1 - cpu0),
            ("worker (whatif_process)", wall2 - wall1, cpu2 - cpu1),
            *(
                (f"  {step}", seconds, trial.timings.get(f"{step}_cpu"))
                for step, seconds in trial.timings.items()
                if not step.endswith("_cpu")
            ),
            ("result page (first view)", wall3 - wall2, cpu3 - cpu2),
            ("total, request to result", wall3 - wall0, cpu3 - cpu0),
        ]
        for label, wall, used in rows:
            cpu_text = f"   cpu {used:7.2f} s" if used is not None else ""
            self.stdout.write(f"{label:<28} wall {wall:7.2f} s{cpu_text}")
        self.stdout.write(
            f"changed convictions shown {shown.group(1)}; load average after "
            f"{os.getloadavg()[0]:.2f}"
        )
