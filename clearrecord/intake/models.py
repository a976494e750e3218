"""Uploads of DOJ research files and the state of their processing.

The database, not the broker, holds job state (ARCHITECTURE.md "Ingest and evaluation"):

- `Upload` is one job: the county, the compute date, the rule set and validated options, and the
  state machine ``queued → validating → evaluating → published`` (or ``failed`` with an error
  code and a message in plain words that never quotes row contents). A worker *claims* the job
  with a conditional UPDATE that writes a fresh `claim_token` and a `lease_expires_at`; while it
  works it renews the lease (heartbeat) and writes progress through a separate autocommit
  connection, so the page shows it while the data transaction is still open. `attempts` counts
  claims: a job whose worker keeps dying (a poison file) fails after
  `CLEARRECORD_INGEST_MAX_ATTEMPTS` claims.
- `UploadFile` is one file of an upload, stored under ``VAR_DIR/uploads`` (never a served folder)
  until the retention period ends (`deleted_at`). `(county, sha256)` is unique among files that
  still block duplicates, so two concurrent uploads of the same file produce one upload; a failed
  upload releases its files (`blocks_duplicates=False`) so a corrected run is possible.
- `RowIssue` is one quarantined record or warning of the validation report (file, line, field,
  reason code, severity and the engine's detail, which holds counts and names only).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from clearrecord.accounts.counties import County


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    VALIDATING = "validating", "Validating"
    EVALUATING = "evaluating", "Evaluating"
    PUBLISHED = "published", "Published"
    FAILED = "failed", "Failed"


ACTIVE_STATUSES = (Status.VALIDATING, Status.EVALUATING)

#: pipeline phase (plain words, shown on the page) -> (start %, share %) of the whole job, so the
#: bar moves forward through the phases instead of restarting at 0 in each.
PHASES: dict[str, tuple[int, int]] = {
    "Reading and checking the files": (0, 40),
    "Evaluating convictions": (40, 5),
    "Storing convictions": (45, 10),
    "Storing rows": (55, 45),
}


class UploadQuerySet(models.QuerySet["Upload"]):
    def for_county(self, county: str) -> UploadQuerySet:
        return self.filter(county=county)

    def published(self) -> UploadQuerySet:
        return self.filter(status=Status.PUBLISHED)


class Upload(models.Model):
    county = models.CharField(max_length=32, choices=County.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="uploads"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    compute_at = models.DateField()
    rule_set = models.CharField(max_length=32)
    options = models.JSONField(default=dict)  # canonical options (eligibility.rules.Options)
    options_digest = models.CharField(max_length=64)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(max_length=40, blank=True)  # plain words: "Reading the files"
    progress_done = models.BigIntegerField(default=0)
    progress_total = models.BigIntegerField(default=0)
    progress_unit = models.CharField(max_length=8, blank=True)  # "bytes" or "rows"
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)  # plain words, never row contents

    attempts = models.PositiveIntegerField(default=0)
    claim_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    # The validation report (DOJ spec §5), written with the publication.
    physical_lines = models.BigIntegerField(default=0)
    data_rows = models.BigIntegerField(default=0)
    quarantined = models.BigIntegerField(default=0)
    subjects_total = models.BigIntegerField(default=0)
    convictions_total = models.BigIntegerField(default=0)
    prop64_convictions = models.BigIntegerField(default=0)
    relevant_convictions = models.BigIntegerField(default=0)  # Prop 64 in this county
    warnings = models.JSONField(default=dict)  # reason code -> count (warning severity)
    errors = models.JSONField(default=dict)  # reason code -> count (quarantined records)
    timings = models.JSONField(default=dict)  # phase -> seconds (benchmarks, the detail page)

    objects = UploadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["county", "-created_at"]),
            models.Index(fields=["status", "lease_expires_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=Status.values), name="upload_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Upload {self.pk}"

    @property
    def is_running(self) -> bool:
        return self.status in (Status.QUEUED, Status.VALIDATING, Status.EVALUATING)

    @property
    def percent(self) -> int:
        if self.status == Status.PUBLISHED:
            return 100
        start, share = PHASES.get(self.phase, (0, 100))
        within = self.progress_done / self.progress_total if self.progress_total else 0
        return min(99, int(start + share * within))


class UploadFile(models.Model):
    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="files")
    county = models.CharField(max_length=32, choices=County.choices)  # the upload's, for dedup
    number = models.PositiveIntegerField()  # 1-based, upload order (DOJ spec R15)
    original_name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    stored_path = models.CharField(max_length=500)  # relative to VAR_DIR / "uploads"
    blocks_duplicates = models.BooleanField(default=True)
    deleted_at = models.DateTimeField(null=True, blank=True)  # original removed (retention)

    physical_lines = models.BigIntegerField(default=0)
    data_rows = models.BigIntegerField(default=0)
    quarantined = models.BigIntegerField(default=0)
    header = models.BooleanField(default=False)
    warnings = models.JSONField(default=dict)
    errors = models.JSONField(default=dict)

    class Meta:
        ordering = ["upload", "number"]
        constraints = [
            models.UniqueConstraint(fields=["upload", "number"], name="uploadfile_number_unique"),
            models.UniqueConstraint(
                fields=["county", "sha256"],
                condition=models.Q(blocks_duplicates=True),
                name="uploadfile_same_file_once_per_county",
            ),
        ]

    def __str__(self) -> str:
        return f"File {self.number} of upload {self.upload_id}"


class Severity(models.TextChoices):
    ERROR = "error", "Quarantined"
    WARNING = "warning", "Warning"


class RowIssue(models.Model):
    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="row_issues")
    file_number = models.PositiveIntegerField()
    line = models.BigIntegerField()  # 0: a file- or subject-level issue without a line
    field = models.CharField(max_length=40, blank=True)
    code = models.CharField(max_length=40)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    detail = models.TextField(blank=True)  # the engine's words: counts, names, lines only

    class Meta:
        ordering = ["file_number", "line", "code"]
        indexes = [models.Index(fields=["upload", "severity", "code"])]

    def __str__(self) -> str:
        return f"{self.code} at {self.file_number}:{self.line}"
