"""Benchmark: build a batch of N synthetic convictions and write its three files.

Writes synthetic people into the database named by DATABASE_URL (use a development or benchmark
database, never production): one published upload in `--county`, N convictions released for
export, a supervisor. Prints the seconds for the build and for each file, never record contents.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand

from clearrecord.accounts.models import Role, User
from clearrecord.cases.models import Conviction, Determination, Evaluation, Subject
from clearrecord.exports import services, writers
from clearrecord.intake.models import Status, Upload


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
        upload = Upload.objects.create(
            county=county,
            created_by=user,
            compute_at=dt.date(2026, 7, 1),
            rule_set="statutory",
            options_digest="0" * 64,
            status=Status.PUBLISHED,
        )
        evaluation = Evaluation.objects.create(
            upload=upload,
            created_by=user,
            rule_set="statutory",
            options_digest="0" * 64,
            compute_at=dt.date(2026, 7, 1),
            is_current=True,
            state=Evaluation.State.COMPLETE,
        )
        started = time.perf_counter()
        subjects = Subject.objects.bulk_create(
            (
                Subject(
                    upload=upload,
                    county=county,
                    subject_id=f"B{i}",
                    name=f"BENCHPERSON, SYNTH{i}",
                    cii=f"B{i:08d}",
                    dob=dt.date(1970, 1, 1) + dt.timedelta(days=i % 9000),
                )
                for i in range(rows)
            ),
            batch_size=5000,
        )
        convictions = Conviction.objects.bulk_create(
            (
                Conviction(
                    upload=upload,
                    subject=s,
                    county=county,
                    file_number=1,
                    line=i + 2,
                    cnt_order=f"{i % 1_000_000:06d}001001",
                    court_case=f"{i % 1_000_000:06d}",
                    case_numbers=[f"BN-{i}"],
                    date=dt.date(2010, 5, 1),
                    level="misdemeanor",
                    section="11357",
                    code_section="11357(A) HS",
                    review_state="ready_for_export",
                )
                for i, s in enumerate(subjects)
            ),
            batch_size=5000,
        )
        determinations = Determination.objects.bulk_create(
            (
                Determination(
                    evaluation=evaluation,
                    conviction=c,
                    outcome="eligible_dismissal",
                    rule_id="statutory.misdemeanor",
                    reason="misdemeanor_dismissal",
                    explanation="Synthetic.",
                    remedy="dismiss_and_seal",
                )
                for c in convictions
            ),
            batch_size=5000,
        )
        for c, d in zip(convictions, determinations, strict=True):
            c.current_determination = d
        Conviction.objects.bulk_update(convictions, ["current_determination"], batch_size=5000)
        self.stdout.write(f"setup: {rows} convictions in {time.perf_counter() - started:.1f} s")

        started = time.perf_counter()
        batch = services.batch_build(user=user)
        built = time.perf_counter() - started
        started = time.perf_counter()
        writers.batch_write_files(batch_id=batch.pk)
        written = time.perf_counter() - started
        self.stdout.write(
            f"batch {batch.pk}: {batch.conviction_count} convictions; build {built:.1f} s; "
            f"files {written:.1f} s; total {built + written:.1f} s"
        )
