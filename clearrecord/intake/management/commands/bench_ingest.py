"""Benchmark the ingest pipeline (issue #4, acceptance 3): rows/s per phase and peak memory.

    python manage.py bench_ingest --rows 1000000 [--county SACRAMENTO] [--keep]

1. Generate a synthetic DOJ file in a child process (so its memory is not counted).
2. Create the upload through the real service (hash, store, dedup) and run the pipeline
   in this process, exactly as a worker runs it (validate, evaluate, store, publish).
3. Print the wall time from the service call to publication, each phase's seconds and rows/s,
   this process's peak resident memory, and the CPU seconds of this process and of its
   PostgreSQL backend (the machine may be shared: CPU time shows the work, wall time the wait). The upload is deleted afterwards unless --keep.

Development only: it writes a synthetic upload into the configured database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from clearrecord.accounts.models import Role, User
from clearrecord.intake import pipeline, services
from clearrecord.intake.models import Upload
from clearrecord.intake.progress import ProgressWriter
from clearrecord.intake.uploads import IncomingFile, sniff


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _backend_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend (same machine), 0 when unreadable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class PhaseMemory:
    """Peak resident memory per pipeline phase: a thread samples /proc every 50 ms, and the
    phase is the last one the pipeline wrote to its progress row (`ProgressWriter.update`)."""

    def __init__(self) -> None:
        self.phase = "start"
        self.peaks: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._original = ProgressWriter.update

    def __enter__(self) -> PhaseMemory:
        watcher, original = self, self._original

        def update(writer: ProgressWriter, phase: str, *args: Any, **kwargs: Any) -> None:
            watcher.phase = phase or watcher.phase
            original(writer, phase, *args, **kwargs)

        ProgressWriter.update = update  # type: ignore[method-assign]
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        ProgressWriter.update = self._original  # type: ignore[method-assign]

    def _sample(self) -> None:
        status = Path("/proc/self/status")
        while not self._stop.wait(0.05):
            try:
                line = next(x for x in status.read_text().splitlines() if x.startswith("VmRSS"))
            except (OSError, StopIteration):
                return
            kib = int(line.split()[1])
            self.peaks[self.phase] = max(self.peaks.get(self.phase, 0), kib)


class Command(BaseCommand):
    help = "Benchmark ingest: generate N synthetic rows, run the pipeline, print rows/s per phase."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument("--county", default="SACRAMENTO")
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--keep", action="store_true", help="keep the upload afterwards")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.CLEARRECORD_ENV == "production":
            raise CommandError("bench_ingest writes synthetic data; development only.")
        rows, county = options["rows"], options["county"].upper()
        seed = options["seed"] if options["seed"] is not None else random.randrange(1 << 30)
        user, _ = User.objects.get_or_create(
            username=f"bench-{county.lower().replace(' ', '-')}",
            defaults={"role": Role.DA_REVIEWER, "county": county},
        )
        Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)  # a fresh VAR_DIR is fine
        with tempfile.TemporaryDirectory(dir=settings.VAR_DIR) as folder:
            path = Path(folder) / f"bench_{rows}.csv"
            started = time.monotonic()
            subprocess.run(  # noqa: S603
                [sys.executable, "-m", "eligibility", "generate", "--county", county,
                 "--rows", str(rows), "--seed", str(seed), "--out", str(path)],
                check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            self.stdout.write(
                f"generated {rows} rows ({path.stat().st_size / 1e6:.0f} MB) "
                f"in {time.monotonic() - started:.1f} s"
            )
            incoming = self._incoming(path)
            backend_cpu = _backend_cpu()
            own_cpu = _own_cpu()
            started = time.monotonic()
            services._enqueue = lambda *a, **k: None  # type: ignore[assignment]  # run here
            upload = services.upload_create(
                user=user, compute_at=dt.date(2026, 7, 1), rule_set="statutory",
                options=None, files=[incoming],
            )  # fmt: skip
            stored = time.monotonic() - started
            with PhaseMemory() as memory:
                outcome = pipeline.upload_process(upload_id=upload.pk)
            wall = time.monotonic() - started
            own_cpu = _own_cpu() - own_cpu
            backend_cpu = _backend_cpu() - backend_cpu
        upload = Upload.objects.get(pk=upload.pk)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(f"outcome: {outcome} ({upload.status})")
        self.stdout.write(f"store the uploaded file (hash, link): {stored:6.2f} s")
        for phase, seconds in upload.timings.items():
            rate = upload.data_rows / seconds if seconds else 0
            self.stdout.write(f"{phase:<36} {seconds:6.2f} s   {rate:12,.0f} rows/s")
        self.stdout.write(
            f"{'total, upload to published':<36} {wall:6.2f} s   "
            f"{upload.data_rows / wall:12,.0f} rows/s"
        )
        self.stdout.write(
            f"rows {upload.data_rows}, relevant convictions {upload.relevant_convictions}, "
            f"peak memory of this process {peak_mb:,.0f} MB"
        )
        for phase, kib in memory.peaks.items():
            self.stdout.write(
                f"peak memory while {phase[:1].lower() + phase[1:]:<32} {kib / 1024:7,.0f} MB"
            )
        self.stdout.write(
            f"CPU: this process {own_cpu:.1f} s, its PostgreSQL backend {backend_cpu:.1f} s; "
            f"load average now {os.getloadavg()[0]:.2f}"
        )
        if not options["keep"]:
            upload.delete()

    def _incoming(self, path: Path) -> IncomingFile:
        f = IncomingFile(path.name, "text/csv", path.stat().st_size, None)
        digest = hashlib.sha256()
        with path.open("rb") as source:
            head = source.read(8192)
            source.seek(0)
            while chunk := source.read(8 << 20):
                digest.update(chunk)
                f.write(chunk)
        f.flush()
        f.sha256, f.sniffed = digest.hexdigest(), sniff(head)
        return f
